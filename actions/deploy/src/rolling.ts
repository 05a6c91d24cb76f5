import { type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { RolloutFailedError, waitForRollout } from '@ecs-actions/ecs/rollout';
import type { Clock } from '@ecs-actions/kit';
import type { Timeline } from './timeline.js';

export interface RollingOptions {
  cluster: string;
  service: string;
  taskDefinitionArn: string;
  wait: boolean;
  intervalMs: number;
  timeoutMs: number;
  clock: Clock;
  timeline: Timeline;
  log: (line: string) => void;
  /** Called once ECS accepted the update, with the deployment to follow (for the post step). */
  onStarted: (deploymentId: string | undefined) => void;
  signal?: AbortSignal;
}

/**
 * A rolling update: points the service at the revision, then follows *this* deployment (the PRIMARY one right
 * after UpdateService) with the kit's rollout waiter. A circuit-breaker rollback is a failure (RolloutFailedError
 * with the diagnosis: rollout reason, service events, stopped tasks' reasons and exit codes).
 */
export async function deployRolling(
  ecs: Pick<ECSClient, 'send'>,
  options: RollingOptions,
): Promise<{ deploymentId: string | undefined; status: 'succeeded' | 'started' }> {
  options.timeline.enter('UpdateService');
  const { service } = await ecs.send(
    new UpdateServiceCommand({
      cluster: options.cluster,
      service: options.service,
      taskDefinition: options.taskDefinitionArn,
    }),
  );
  const deploymentId = service?.deployments?.find((d) => d.status === 'PRIMARY')?.id;
  options.onStarted(deploymentId);
  options.timeline.mark('UpdateService', 'Succeeded');
  if (!options.wait) return { deploymentId, status: 'started' };
  options.timeline.enter('Rollout');
  try {
    await waitForRollout(ecs as ECSClient, {
      cluster: options.cluster,
      service: options.service,
      deploymentId,
      intervalMs: options.intervalMs,
      timeoutMs: options.timeoutMs,
      clock: options.clock,
      ...(options.signal ? { signal: options.signal } : {}),
      log: options.log,
    });
  } catch (error) {
    // 'stopped': we stopped waiting (timeout, cancel); the rollout itself may go on.
    const ended = !(error instanceof RolloutFailedError) || error.ending === 'failed';
    options.timeline.mark('Rollout', ended ? 'failed' : 'stopped');
    throw error;
  }
  options.timeline.mark('Rollout', 'done');
  return { deploymentId, status: 'succeeded' };
}

/** Points the service back at its previous revision (what the post step does for a cancelled rolling update). */
export async function revertRolling(
  ecs: Pick<ECSClient, 'send'>,
  cluster: string,
  service: string,
  previousTaskDefinition: string,
): Promise<void> {
  await ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition: previousTaskDefinition }));
}
