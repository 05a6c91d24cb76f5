import {
  DescribeServiceDeploymentsCommand,
  type ECSClient,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { diagnose, formatDiagnosis } from '@ecs-actions/ecs/rollout';
import { awsErrorCode, type Clock, errorMessage, formatDuration, poll, UserError } from '@ecs-actions/kit';
import type { WaitUntil } from './inputs.js';
import type { Timeline } from './timeline.js';

/** ECS's own lifecycle stages of a blue/green, linear or canary deployment, in order. */
export const NATIVE_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
] as const;

const FAILED = new Set([
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED',
  'STOPPED',
  'STOP_REQUESTED',
]);

export interface NativeOptions {
  cluster: string;
  service: string;
  taskDefinitionArn: string;
  waitUntil: WaitUntil;
  intervalMs: number;
  timeoutMs: number;
  clock: Clock;
  timeline: Timeline;
  log: (line: string) => void;
  onStarted: (serviceDeploymentArn: string | undefined) => void;
  signal?: AbortSignal;
}

export type NativeStatus = 'succeeded' | 'traffic-shifted' | 'test-traffic' | 'started';

/** A native deployment that ended in a rollback or a stop. */
export class NativeDeploymentFailedError extends UserError {
  override name = 'NativeDeploymentFailedError';
  constructor(
    message: string,
    readonly rolledBack: boolean,
  ) {
    super(message);
  }
}

/**
 * ECS-native blue/green, linear or canary: UpdateService, then the service deployment ECS started for it,
 * followed through its lifecycle stages (ListServiceDeployments / DescribeServiceDeployments).
 */
export async function deployNative(
  ecs: Pick<ECSClient, 'send'>,
  options: NativeOptions,
): Promise<{ serviceDeploymentArn: string | undefined; status: NativeStatus }> {
  const { timeline } = options;
  timeline.enter('UpdateService');
  const started = options.clock.now();
  await ecs.send(
    new UpdateServiceCommand({
      cluster: options.cluster,
      service: options.service,
      taskDefinition: options.taskDefinitionArn,
    }),
  );
  timeline.mark('UpdateService', 'Succeeded');
  const { serviceDeployments } = await ecs.send(
    new ListServiceDeploymentsCommand({
      cluster: options.cluster,
      service: options.service,
      createdAt: { after: new Date(started - 60_000) },
    }),
  );
  // The newest deployment whose target is our revision.
  const ours = (serviceDeployments ?? [])
    .filter((d) => d.targetServiceRevisionArn !== undefined)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
  const arn = ours?.serviceDeploymentArn;
  options.onStarted(arn);
  if (!arn) throw new Error(`ECS listed no service deployment for ${options.service} after UpdateService`);
  if (options.waitUntil === 'none') return { serviceDeploymentArn: arn, status: 'started' };
  const reached = (stage: string | undefined, target: string) =>
    stage !== undefined && NATIVE_STAGES.indexOf(stage as never) >= NATIVE_STAGES.indexOf(target as never);
  const status = await poll<NativeStatus>({
    what: `ECS service deployment ${arn}`,
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    clock: options.clock,
    signal: options.signal,
    onProgress: (s, elapsed) => options.log(`[${formatDuration(elapsed)}] ${s}`),
    check: async () => {
      const out = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
      const d = out.serviceDeployments?.[0];
      if (!d) throw new Error(`DescribeServiceDeployments returned nothing for ${arn}`);
      if (d.lifecycleStage) timeline.enter(d.lifecycleStage, d.status ?? 'IN_PROGRESS');
      if (d.status === 'SUCCESSFUL') {
        timeline.close('done');
        return { done: true, value: 'succeeded' };
      }
      if (d.status && FAILED.has(d.status)) {
        timeline.close('failed');
        const diagnosis = await diagnose(
          ecs as ECSClient,
          options.cluster,
          options.service,
          undefined,
          undefined,
        );
        const rolledBack = d.status.startsWith('ROLLBACK') || d.rollback !== undefined;
        throw new NativeDeploymentFailedError(
          [
            `ECS deployment ${arn} ended ${d.status}: ${d.statusReason ?? 'no reason given'}.`,
            d.rollback
              ? `Rolled back: ${d.rollback.reason ?? ''} (to ${d.rollback.serviceRevisionArn ?? 'the previous revision'})`
              : 'Not rolled back.',
            d.deploymentCircuitBreaker?.status === 'TRIGGERED'
              ? `Circuit breaker triggered (${d.deploymentCircuitBreaker.failureCount} failed tasks).`
              : '',
            formatDiagnosis(diagnosis),
          ]
            .filter(Boolean)
            .join('\n'),
          rolledBack,
        );
      }
      if (options.waitUntil === 'test-traffic' && reached(d.lifecycleStage, 'POST_TEST_TRAFFIC_SHIFT')) {
        return { done: true, value: 'test-traffic' };
      }
      if (
        options.waitUntil === 'traffic-shifted' &&
        reached(d.lifecycleStage, 'POST_PRODUCTION_TRAFFIC_SHIFT')
      ) {
        return { done: true, value: 'traffic-shifted' };
      }
      return { done: false, status: `${d.status} at ${d.lifecycleStage ?? 'unknown stage'}` };
    },
  });
  return { serviceDeploymentArn: arn, status };
}

/** Stops a native deployment with a rollback (the post step, on cancel). */
export async function stopNative(
  ecs: Pick<ECSClient, 'send'>,
  serviceDeploymentArn: string,
): Promise<string> {
  try {
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn, stopType: 'ROLLBACK' }));
    return 'rollback requested';
  } catch (error) {
    if (awsErrorCode(error) === 'ConflictException') return `not stopped: ${errorMessage(error)}`;
    throw error;
  }
}
