// ECS-native blue/green, linear and canary deployments: moto has no ListServiceDeployments /
// DescribeServiceDeployments, so this path is tested here with SDK mocks (fake ECS client) only.

import { fakeClient, fakeClock } from '@ecs-actions/testing';
import { describe, expect, it } from 'vitest';
import { deployNative, NativeDeploymentFailedError, stopNative } from './native.js';
import { Timeline } from './timeline.js';

const ARN = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/shop/web/abc';
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:9';

function ecsWith(stages: { status: string; lifecycleStage?: string; [k: string]: unknown }[]) {
  return fakeClient({
    UpdateService: () => ({ service: { serviceName: 'web' } }),
    ListServiceDeployments: () => ({
      serviceDeployments: [
        { serviceDeploymentArn: 'arn:old', targetServiceRevisionArn: 'arn:rev/1', createdAt: new Date(0) },
        { serviceDeploymentArn: ARN, targetServiceRevisionArn: 'arn:rev/2', createdAt: new Date() },
      ],
    }),
    DescribeServiceDeployments: (_i, n) => ({
      serviceDeployments: [{ serviceDeploymentArn: ARN, ...stages[Math.min(n, stages.length) - 1] }],
    }),
    DescribeServices: () => ({ services: [] }),
    ListTasks: () => ({ taskArns: [] }),
    StopServiceDeployment: () => ({ serviceDeploymentArn: ARN }),
  });
}

const options = (clock = fakeClock(), log: string[] = []) => ({
  cluster: 'shop',
  service: 'web',
  taskDefinitionArn: TD,
  intervalMs: 10_000,
  timeoutMs: 600_000,
  clock,
  timeline: new Timeline(clock.now),
  log: (l: string) => log.push(l),
  onStarted: () => {},
});

const BLUE_GREEN = [
  { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' },
  { status: 'IN_PROGRESS', lifecycleStage: 'TEST_TRAFFIC_SHIFT' },
  { status: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' },
  { status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' },
  { status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' },
  { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' },
];

describe('ECS-native deployments (SDK mocks; moto lacks them)', () => {
  it('follows the newest service deployment through its lifecycle stages to SUCCESSFUL', async () => {
    const ecs = ecsWith(BLUE_GREEN);
    const opts = { ...options(), waitUntil: 'complete' as const };
    let started: string | undefined;
    const result = await deployNative(ecs, { ...opts, onStarted: (arn) => (started = arn) });
    expect(result).toEqual({ serviceDeploymentArn: ARN, status: 'succeeded' });
    expect(started).toBe(ARN);
    expect(ecs.calls.find((c) => c.command === 'UpdateService')?.input).toMatchObject({ taskDefinition: TD });
    expect(opts.timeline.list().map((p) => p.name)).toEqual([
      'UpdateService',
      'SCALE_UP',
      'TEST_TRAFFIC_SHIFT',
      'POST_TEST_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'BAKE_TIME',
      'CLEAN_UP',
    ]);
    // Fixed interval: six checks, five sleeps of 10 s.
    expect(opts.clock.now() - Date.UTC(2026, 0, 1)).toBe(50_000);
  });

  it('test-traffic returns once the test traffic shift is done; traffic-shifted after production', async () => {
    const testTraffic = await deployNative(ecsWith(BLUE_GREEN), { ...options(), waitUntil: 'test-traffic' });
    expect(testTraffic.status).toBe('test-traffic');
    const ecs = ecsWith(BLUE_GREEN);
    const shifted = await deployNative(ecs, { ...options(), waitUntil: 'traffic-shifted' });
    expect(shifted.status).toBe('traffic-shifted');
    expect(ecs.count.DescribeServiceDeployments).toBe(5);
  });

  it('a rollback is a failure that says why and that it rolled back', async () => {
    const ecs = ecsWith([
      { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' },
      {
        status: 'ROLLBACK_SUCCESSFUL',
        lifecycleStage: 'CLEAN_UP',
        statusReason: 'Service deployment rolled back because the circuit breaker threshold was exceeded.',
        rollback: { reason: 'circuit breaker', serviceRevisionArn: 'arn:rev/1' },
        deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 4, threshold: 3 },
      },
    ]);
    const error = await deployNative(ecs, { ...options(), waitUntil: 'complete' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NativeDeploymentFailedError);
    expect((error as NativeDeploymentFailedError).rolledBack).toBe(true);
    expect((error as Error).message).toMatch(/ended ROLLBACK_SUCCESSFUL: Service deployment rolled back/);
    expect((error as Error).message).toContain('Rolled back: circuit breaker (to arn:rev/1)');
    expect((error as Error).message).toContain('Circuit breaker triggered (4 failed tasks)');
  });

  it('stopping on cancel asks ECS for a rollback', async () => {
    const ecs = ecsWith([]);
    expect(await stopNative(ecs, ARN)).toBe('rollback requested');
    expect(ecs.calls.at(-1)).toEqual({
      command: 'StopServiceDeployment',
      input: { serviceDeploymentArn: ARN, stopType: 'ROLLBACK' },
    });
  });
});
