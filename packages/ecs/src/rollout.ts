import {
  type Deployment,
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { formatDuration } from '@ecs-actions/kit/duration';
import { UserError, WaitTimeoutError } from '@ecs-actions/kit/errors';
import { type Clock, poll, systemClock } from '@ecs-actions/kit/waiter';

/** What one look at a service says about the deployment being followed. */
export type RolloutVerdict =
  | { kind: 'done'; deployment: Deployment | undefined }
  | { kind: 'waiting'; status: string }
  | { kind: 'failed'; reason: string; rolledBack: boolean };

/**
 * Judges a service description against the deployment we started (its id right after our
 * CreateService/UpdateService). Done when that deployment's rollout is COMPLETED and the service runs
 * its desired count; failed when ECS marked it FAILED (the circuit breaker, which then rolls back), or
 * when it is gone (replaced by a newer deployment), or the service stopped being ACTIVE.
 */
export function judgeRollout(service: Service, deploymentId: string | undefined): RolloutVerdict {
  if (service.status !== 'ACTIVE') {
    return { kind: 'failed', reason: `the service is ${service.status ?? 'missing'}`, rolledBack: false };
  }
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const ours = deploymentId ? deployments.find((d) => d.id === deploymentId) : primary;
  if (!ours) {
    return {
      kind: 'failed',
      reason: `deployment ${deploymentId} is no longer listed: a newer deployment (${primary?.id ?? 'none'}) replaced it`,
      rolledBack: false,
    };
  }
  const running = service.runningCount ?? 0;
  const desired = service.desiredCount ?? 0;
  if (ours.rolloutState === 'FAILED') {
    const rolledBack = primary !== undefined && primary.id !== ours.id;
    return {
      kind: 'failed',
      reason: `${ours.rolloutStateReason ?? 'the rollout failed'}${rolledBack ? ` (ECS rolled back to ${primary?.taskDefinition ?? 'the previous task definition'})` : ''}`,
      rolledBack,
    };
  }
  const counts = `${running}/${desired} running, ${service.pendingCount ?? 0} pending${ours.failedTasks ? `, ${ours.failedTasks} failed tasks` : ''}`;
  if (ours.rolloutState === 'COMPLETED' && running >= desired) return { kind: 'done', deployment: ours };
  // Services without rollout states (older API answers): one deployment left, at its count.
  if (ours.rolloutState === undefined && deployments.length === 1 && running === desired) {
    return { kind: 'done', deployment: ours };
  }
  const state = ours.rolloutState ?? 'IN_PROGRESS';
  const others = deployments.length > 1 ? `, ${deployments.length - 1} older deployment(s) draining` : '';
  return { kind: 'waiting', status: `${state}: ${counts}${others}` };
}

/**
 * How a rollout wait ended badly: `failed` (ECS failed, rolled back or replaced the deployment: it is
 * over), or `timed-out` / `cancelled` (only our wait ended; the deployment may still be running).
 */
export type RolloutEnding = 'failed' | 'timed-out' | 'cancelled';

/** A failed or timed-out rollout, with what AWS says about why. */
export class RolloutFailedError extends UserError {
  override name = 'RolloutFailedError';
  constructor(
    message: string,
    readonly diagnosis: Diagnosis,
    readonly rolledBack: boolean,
    readonly ending: RolloutEnding = 'failed',
  ) {
    super(`${message}\n${formatDiagnosis(diagnosis)}`);
  }
}

export interface RolloutOptions {
  cluster: string;
  service: string;
  /** The PRIMARY deployment right after our change; undefined follows whatever is PRIMARY. */
  deploymentId: string | undefined;
  intervalMs: number;
  timeoutMs: number;
  clock?: Clock;
  signal?: AbortSignal;
  /** Progress lines and new service events. */
  log?: (line: string) => void;
}

export interface RolloutResult {
  service: Service;
  polls: number;
  elapsedMs: number;
}

/**
 * Follows one ECS deployment at a fixed interval (never the SDK waiter's growing backoff), printing new
 * service events as they appear. On failure or timeout throws a RolloutFailedError with a diagnosis.
 */
export async function waitForRollout(ecs: ECSClient, options: RolloutOptions): Promise<RolloutResult> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => {});
  const start = clock.now();
  const seenEvents = new Set<string>();
  let last: Service | undefined;
  let polls = 0;
  try {
    const service = await poll<Service>({
      what: `service ${options.service} to finish its deployment`,
      intervalMs: options.intervalMs,
      timeoutMs: options.timeoutMs,
      clock,
      signal: options.signal,
      onProgress: (status, elapsed) => log(`[${formatDuration(elapsed)}] ${status}`),
      check: async () => {
        polls++;
        const { services } = await ecs.send(
          new DescribeServicesCommand({ cluster: options.cluster, services: [options.service] }),
        );
        const service = services?.[0];
        if (!service)
          throw new UserError(`Service ${options.service} disappeared from cluster ${options.cluster}.`);
        last = service;
        for (const event of [...(service.events ?? [])].reverse()) {
          if (!event.id || seenEvents.has(event.id)) continue;
          seenEvents.add(event.id);
          if (event.createdAt && event.createdAt.getTime() < start - 60_000) continue;
          log(`event: ${event.message}`);
        }
        const verdict = judgeRollout(service, options.deploymentId);
        if (verdict.kind === 'failed') throw new RolloutVerdictError(verdict.reason, verdict.rolledBack);
        if (verdict.kind === 'done') return { done: true, value: service };
        return { done: false, status: verdict.status };
      },
    });
    return { service, polls, elapsedMs: clock.now() - start };
  } catch (error) {
    if (error instanceof RolloutVerdictError || error instanceof WaitTimeoutError) {
      const diagnosis = await diagnose(ecs, options.cluster, options.service, last, options.deploymentId);
      const rolledBack = error instanceof RolloutVerdictError && error.rolledBack;
      const what =
        error instanceof RolloutVerdictError
          ? `The deployment of ${options.service} failed: ${error.message}`
          : error.message;
      const ending: RolloutEnding =
        error instanceof RolloutVerdictError ? 'failed' : options.signal?.aborted ? 'cancelled' : 'timed-out';
      throw new RolloutFailedError(what, diagnosis, rolledBack, ending);
    }
    throw error;
  }
}

class RolloutVerdictError extends Error {
  constructor(
    message: string,
    readonly rolledBack: boolean,
  ) {
    super(message);
  }
}

/** What AWS says about a service that did not come up. */
export interface Diagnosis {
  deployment?: string;
  events: string[];
  stoppedTasks: { task: string; reason: string; containers: string[] }[];
}

/**
 * Gathers the rollout state, the latest service events and the most recent stopped tasks with their
 * stoppedReason and container exit codes. Never throws: a diagnosis must not hide the original error.
 */
export async function diagnose(
  ecs: ECSClient,
  cluster: string,
  serviceName: string,
  service: Service | undefined,
  deploymentId: string | undefined,
): Promise<Diagnosis> {
  const diagnosis: Diagnosis = { events: [], stoppedTasks: [] };
  const deployment = service?.deployments?.find((d) =>
    deploymentId ? d.id === deploymentId : d.status === 'PRIMARY',
  );
  if (deployment) {
    diagnosis.deployment =
      `${deployment.id} ${deployment.rolloutState ?? ''} ${deployment.rolloutStateReason ?? ''} (${deployment.runningCount ?? 0}/${deployment.desiredCount ?? 0} running, ${deployment.failedTasks ?? 0} failed tasks)`.replace(
        /\s+/g,
        ' ',
      );
  }
  diagnosis.events = (service?.events ?? [])
    .slice(0, 10)
    .map((e) => `${e.createdAt?.toISOString() ?? ''} ${e.message ?? ''}`.trim());
  try {
    const { taskArns } = await ecs.send(
      new ListTasksCommand({ cluster, serviceName, desiredStatus: 'STOPPED', maxResults: 5 }),
    );
    if (taskArns?.length) {
      const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
      diagnosis.stoppedTasks = (tasks ?? []).map((t) => ({
        task: t.taskArn?.split('/').pop() ?? '?',
        reason: [t.stopCode, t.stoppedReason].filter(Boolean).join(': ') || 'no reason given',
        containers: (t.containers ?? []).map(
          (c) => `${c.name}: exit ${c.exitCode ?? '?'}${c.reason ? ` (${c.reason})` : ''}`,
        ),
      }));
    }
  } catch (error) {
    diagnosis.events.push(`(could not list stopped tasks: ${(error as Error).message})`);
  }
  return diagnosis;
}

/** The diagnosis as plain text lines for the failure message and the log. */
export function formatDiagnosis(d: Diagnosis): string {
  const lines: string[] = [];
  lines.push(`Deployment: ${d.deployment ?? 'unknown'}`);
  lines.push(
    d.events.length
      ? `Recent service events:\n${d.events.map((e) => `  - ${e}`).join('\n')}`
      : 'Recent service events: none',
  );
  if (d.stoppedTasks.length) {
    lines.push(
      `Stopped tasks:\n${d.stoppedTasks.map((t) => `  - ${t.task}: ${t.reason}${t.containers.length ? `; ${t.containers.join('; ')}` : ''}`).join('\n')}`,
    );
  } else {
    lines.push('Stopped tasks: none');
  }
  return lines.join('\n');
}
