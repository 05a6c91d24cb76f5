// A one-off task "like the service": prepare (everything checked before it starts) → RunTask → follow it at
// a fixed interval, printing its CloudWatch Logs as they come → its outcome (exit code, reason, diagnosis).
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand,
  type ECSClient,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  formatDuration,
  poll,
  type StepDeps,
  toEcsTags,
  UserError,
  WaitTimeoutError,
} from '@ecs-actions/kit';
import type { RunTaskInputs } from './inputs.js';
import { LogFollower, logLocation, logUrl } from './logs.js';
import { type PreparedTask, prepareTask } from './prepare.js';

export interface RunTaskDeps extends StepDeps {
  ecs: Pick<ECSClient, 'send'>;
  /** A CloudWatch Logs client for the region the container logs to. */
  logs: (region: string) => Pick<CloudWatchLogsClient, 'send'>;
  region: string;
  /** What the post step must stop if this step ends before the task does; undefined: nothing. */
  saveInFlight: (inFlight: InFlightTask | undefined) => void;
  signal?: AbortSignal;
}

export interface InFlightTask {
  cluster: string;
  taskArn: string;
  region: string;
}

export interface RunTaskResult {
  taskArn: string;
  taskDefinitionArn: string;
  container: string;
  command: string[] | undefined;
  /** Undefined when not waited for, or when the container never ran. */
  exitCode: number | undefined;
  stoppedReason: string | undefined;
  logUrl: string | undefined;
  /** The last lines of the container's log. */
  tail: string[];
  durationMs: number;
  status: 'succeeded' | 'failed' | 'started' | 'timed-out' | 'cancelled';
  /** Why it failed, in words, when it did. */
  failure: string | undefined;
}

/** Messages of a stopped task's containers that mean "could not start", with what to check. */
const START_FAILURES: [RegExp, string][] = [
  [
    /CannotPullContainerError/,
    "the image could not be pulled: check the image name and tag, the registry permissions of the execution role, and the subnets' route to the registry (NAT or VPC endpoints).",
  ],
  [
    /ResourceInitializationError/,
    'the task could not be initialised: usually secrets or SSM parameters the execution role cannot read, or no route to them from the subnets.',
  ],
  [
    /CannotStartContainerError|CannotCreateContainerError/,
    'the container could not be started: check the command and the container settings.',
  ],
  [/OutOfMemory|OOM/i, 'the container ran out of memory: raise `memory`.'],
];

export async function runTask(inputs: RunTaskInputs, deps: RunTaskDeps): Promise<RunTaskResult> {
  const started = deps.clock.now();
  const prepared = await prepareTask(deps.ecs, inputs, deps.context);
  if (prepared.registered) deps.log(`Registered ${prepared.taskDefinitionArn} with image ${inputs.image}.`);
  const task = await startTask(deps.ecs, inputs, prepared);
  const taskArn = task.taskArn!;
  deps.saveInFlight({ cluster: inputs.cluster, taskArn, region: deps.region });
  const location = logLocation(prepared.container, taskArn, deps.region);
  deps.log(
    `Started ${taskArn} (${prepared.container.name}${inputs.command ? `: ${inputs.command.join(' ')}` : ''}).${location ? ` Logs: ${logUrl(location)}` : ''}`,
  );
  const result: RunTaskResult = {
    taskArn,
    taskDefinitionArn: prepared.taskDefinitionArn,
    container: prepared.container.name ?? '',
    command: inputs.command,
    exitCode: undefined,
    stoppedReason: undefined,
    logUrl: location ? logUrl(location) : undefined,
    tail: [],
    durationMs: 0,
    status: 'started',
    failure: undefined,
  };
  if (!inputs.wait) {
    deps.saveInFlight(undefined);
    return result;
  }

  const follower =
    inputs.logs && location ? new LogFollower(deps.logs(location.region), location) : undefined;
  const printLogs = async () => {
    for (const line of (await follower?.read()) ?? []) deps.log(line);
  };
  let stopped: Task;
  try {
    stopped = await poll<Task>({
      what: `task ${taskArn} to stop`,
      intervalMs: inputs.pollIntervalMs,
      timeoutMs: inputs.timeoutMs,
      clock: deps.clock,
      signal: deps.signal,
      check: async () => {
        const { tasks } = await deps.ecs.send(
          new DescribeTasksCommand({ cluster: inputs.cluster, tasks: [taskArn] }),
        );
        await printLogs();
        const now = tasks?.[0];
        return now?.lastStatus === 'STOPPED'
          ? { done: true, value: now }
          : { done: false, status: now?.lastStatus ?? 'unknown' };
      },
    });
  } catch (error) {
    result.durationMs = deps.clock.now() - started;
    result.tail = follower?.tail ?? [];
    if (deps.signal?.aborted) {
      result.status = 'cancelled';
      result.failure = 'Cancelled: the post step stops the task.';
      return result;
    }
    if (error instanceof WaitTimeoutError) {
      await deps.ecs.send(
        new StopTaskCommand({
          cluster: inputs.cluster,
          task: taskArn,
          reason: `run-task timeout of ${formatDuration(inputs.timeoutMs)} passed`.slice(0, 255),
        }),
      );
      deps.saveInFlight(undefined);
      result.status = 'timed-out';
      result.failure = `The task did not stop within 'timeout' (${formatDuration(inputs.timeoutMs)}); it was stopped.${tailText(result.tail)}`;
      return result;
    }
    throw error;
  }
  await printLogs();
  deps.saveInFlight(undefined);
  return outcome(result, stopped, follower?.tail ?? [], deps.clock.now() - started);
}

async function startTask(
  ecs: Pick<ECSClient, 'send'>,
  inputs: RunTaskInputs,
  prepared: PreparedTask,
): Promise<Task> {
  const { tasks, failures } = await ecs.send(
    new RunTaskCommand({
      cluster: inputs.cluster,
      taskDefinition: prepared.taskDefinitionArn,
      count: 1,
      ...prepared.launch,
      ...(prepared.platformVersion ? { platformVersion: prepared.platformVersion } : {}),
      ...(prepared.network ? { networkConfiguration: prepared.network } : {}),
      overrides: prepared.overrides,
      startedBy: prepared.startedBy,
      tags: toEcsTags(prepared.tags),
    }),
  );
  const task = tasks?.[0];
  if (!task?.taskArn) {
    const reasons = (failures ?? []).map(
      (f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`,
    );
    throw new UserError(
      `ECS did not start the task: ${reasons.join('; ') || 'no task and no reason in the answer'}. Capacity (RESOURCE:CPU, RESOURCE:MEMORY), an AGENT or placement reason means the cluster has no room for it now.`,
    );
  }
  return task;
}

/** The result of a stopped task: its container's exit code, or why it never ran. */
export function outcome(
  result: RunTaskResult,
  task: Task,
  tail: string[],
  durationMs: number,
): RunTaskResult {
  const container = task.containers?.find((c) => c.name === result.container);
  const done: RunTaskResult = {
    ...result,
    exitCode: container?.exitCode ?? undefined,
    stoppedReason: task.stoppedReason,
    tail,
    durationMs,
  };
  if (done.exitCode === 0) return { ...done, status: 'succeeded' };
  const reasons = [task.stoppedReason, ...(task.containers ?? []).map((c) => c.reason)]
    .filter(Boolean)
    .join(' ');
  if (done.exitCode === undefined) {
    const hint = START_FAILURES.find(([pattern]) => pattern.test(reasons))?.[1];
    return {
      ...done,
      status: 'failed',
      failure: `The task stopped before container '${result.container}' ran (${task.stopCode ?? 'no stop code'}): ${reasons || 'ECS gave no reason'}.${hint ? ` That means ${hint}` : ''}${tailText(tail)}`,
    };
  }
  const hint = START_FAILURES.find(([pattern]) => pattern.test(reasons))?.[1];
  return {
    ...done,
    status: 'failed',
    failure: `Container '${result.container}' exited with code ${done.exitCode}${task.stoppedReason ? ` (${task.stoppedReason})` : ''}.${hint ? ` It looks like ${hint}` : ''}${tailText(tail)}`,
  };
}

function tailText(tail: string[]): string {
  return tail.length ? `\nLast log lines:\n${tail.map((l) => `  ${l}`).join('\n')}` : '';
}
