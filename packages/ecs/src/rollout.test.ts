import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { formatDiagnosis, judgeRollout } from './rollout.js';

const deployment = (d: Partial<Deployment>): Deployment => ({
  status: 'PRIMARY',
  desiredCount: 2,
  runningCount: 0,
  ...d,
});
const service = (s: Partial<Service>): Service => ({
  status: 'ACTIVE',
  desiredCount: 2,
  runningCount: 0,
  pendingCount: 0,
  ...s,
});

describe('judgeRollout', () => {
  it('waits while the rollout is in progress and says how far it got', () => {
    const verdict = judgeRollout(
      service({
        runningCount: 1,
        pendingCount: 1,
        deployments: [
          deployment({ id: 'new', rolloutState: 'IN_PROGRESS' }),
          deployment({ id: 'old', status: 'ACTIVE' }),
        ],
      }),
      'new',
    );
    expect(verdict).toEqual({
      kind: 'waiting',
      status: 'IN_PROGRESS: 1/2 running, 1 pending, 1 older deployment(s) draining',
    });
  });

  it('is done when our deployment completed and the service runs its desired count', () => {
    const s = service({
      runningCount: 2,
      deployments: [deployment({ id: 'new', rolloutState: 'COMPLETED' })],
    });
    expect(judgeRollout(s, 'new').kind).toBe('done');
    expect(judgeRollout({ ...s, runningCount: 1 }, 'new').kind).toBe('waiting');
  });

  it('reports a circuit-breaker rollback as a failure, naming what ECS rolled back to', () => {
    const verdict = judgeRollout(
      service({
        deployments: [
          deployment({ id: 'rollback', taskDefinition: 'arn:td/web:3', rolloutState: 'IN_PROGRESS' }),
          deployment({
            id: 'new',
            status: 'ACTIVE',
            rolloutState: 'FAILED',
            rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
          }),
        ],
      }),
      'new',
    );
    expect(verdict).toEqual({
      kind: 'failed',
      reason: 'ECS deployment circuit breaker: tasks failed to start. (ECS rolled back to arn:td/web:3)',
      rolledBack: true,
    });
  });

  it('fails when our deployment was replaced or the service is draining', () => {
    expect(judgeRollout(service({ deployments: [deployment({ id: 'other' })] }), 'mine')).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(/deployment mine is no longer listed.*\(other\)/),
    });
    expect(judgeRollout(service({ status: 'DRAINING' }), undefined)).toMatchObject({
      kind: 'failed',
      reason: 'the service is DRAINING',
    });
  });

  it('accepts services without rollout states once one deployment runs its count', () => {
    expect(judgeRollout(service({ runningCount: 2, deployments: [deployment({ id: 'a' })] }), 'a').kind).toBe(
      'done',
    );
  });

  it('formats a diagnosis with events and stopped tasks', () => {
    const text = formatDiagnosis({
      deployment: 'ecs-svc/1 FAILED circuit breaker',
      events: ['(service web) has started 1 tasks'],
      stoppedTasks: [
        {
          task: 'abc',
          reason: 'EssentialContainerExited: Essential container in task exited',
          containers: ['web: exit 137'],
        },
      ],
    });
    expect(text).toContain('Deployment: ecs-svc/1 FAILED circuit breaker');
    expect(text).toContain(
      '  - abc: EssentialContainerExited: Essential container in task exited; web: exit 137',
    );
  });
});

describe('waitForRollout endings', () => {
  it('tells a timeout (the deployment may go on) from a failure (it is over)', async () => {
    const { waitForRollout, RolloutFailedError } = await import('./rollout.js');
    let now = 0;
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
    const inProgress = service({ deployments: [deployment({ id: 'd', rolloutState: 'IN_PROGRESS' })] });
    const failed = service({
      deployments: [deployment({ id: 'd', rolloutState: 'FAILED', rolloutStateReason: 'boom' })],
    });
    const ecs = (answer: Service) =>
      ({
        send: async (c: object) =>
          c.constructor.name === 'DescribeServicesCommand' ? { services: [answer] } : {},
      }) as never;
    const options = {
      cluster: 'c',
      service: 's',
      deploymentId: 'd',
      intervalMs: 1000,
      timeoutMs: 3000,
      clock,
    };
    const timedOut = await waitForRollout(ecs(inProgress), options).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(RolloutFailedError);
    expect((timedOut as InstanceType<typeof RolloutFailedError>).ending).toBe('timed-out');
    const over = await waitForRollout(ecs(failed), options).catch((e: unknown) => e);
    expect((over as InstanceType<typeof RolloutFailedError>).ending).toBe('failed');
    expect((over as Error).message).toMatch(/^The deployment of s failed: boom/);
  });
});
