import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient, type Task } from '@aws-sdk/client-ecs';
import type { RunContext } from '@ecs-actions/kit';
import { fakeClock, fakeSdkClient } from '@ecs-actions/testing';
import { describe, expect, it } from 'vitest';
import type { RunTaskInputs } from './inputs.js';
import { type InFlightTask, runTask } from './run.js';

// moto always reports exit code 0 and cannot fail a start or hang: these outcomes come from typed fakes.
const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/jobs/0123456789abcdef';
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/jobs:3';
const context = { repository: 'octo-org/shop', repo: 'shop', runId: 7 } as RunContext;
const inputs: RunTaskInputs = {
  region: undefined,
  cluster: 'jobs',
  service: 'web',
  taskDefinition: undefined,
  command: ['bin/rails', 'db:migrate'],
  containerName: undefined,
  environmentVariables: {},
  cpu: undefined,
  memory: undefined,
  image: undefined,
  subnets: [],
  securityGroups: [],
  assignPublicIp: undefined,
  startedBy: undefined,
  wait: true,
  timeoutMs: 60_000,
  pollIntervalMs: 1000,
  logs: true,
  stopOnCancel: true,
};

/** ECS answering as it does for a service `web`, then DescribeTasks from `states` one poll at a time. */
function world(states: Partial<Task>[], runTask: unknown = { tasks: [{ taskArn: TASK }] }) {
  const ecs = fakeSdkClient(new ECSClient({ region: 'us-east-1' }), {
    DescribeServices: () => ({
      services: [
        {
          status: 'ACTIVE',
          taskDefinition: TD,
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } },
          loadBalancers: [{ containerName: 'web' }],
        },
      ],
    }),
    DescribeTaskDefinition: () => ({
      taskDefinition: {
        taskDefinitionArn: TD,
        family: 'jobs',
        networkMode: 'awsvpc',
        containerDefinitions: [
          {
            name: 'web',
            image: 'shop:1',
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/ecs/jobs', 'awslogs-stream-prefix': 'jobs' },
            },
          },
        ],
      },
    }),
    RunTask: () => runTask,
    DescribeTasks: (_input, n) => ({ tasks: [{ taskArn: TASK, ...states[Math.min(n, states.length) - 1] }] }),
    StopTask: () => ({}),
  });
  const logs = fakeSdkClient(new CloudWatchLogsClient({ region: 'us-east-1' }), {
    GetLogEvents: (input, n) =>
      n === 1
        ? {
            events: [{ message: 'migrating' }, { message: 'error: relation "users" exists' }],
            nextForwardToken: 'f/1',
          }
        : { events: [], nextForwardToken: input.nextToken },
  });
  const saved: (InFlightTask | undefined)[] = [];
  const deps = {
    context,
    clock: fakeClock(),
    log: () => {},
    warn: () => {},
    ecs,
    logs: () => logs,
    region: 'us-east-1',
    saveInFlight: (t: InFlightTask | undefined) => saved.push(t),
  };
  return { ecs, logs, saved, deps };
}

const running = { lastStatus: 'RUNNING' };

describe('runTask outcomes moto cannot produce (typed fakes)', () => {
  it('a non-zero exit fails, naming the container, the exit code, the reason and the last log lines', async () => {
    const { deps, saved } = world([
      running,
      {
        lastStatus: 'STOPPED',
        stoppedReason: 'Essential container in task exited',
        containers: [{ name: 'web', exitCode: 3 }],
      },
    ]);
    const result = await runTask(inputs, deps);
    expect(result).toMatchObject({
      status: 'failed',
      exitCode: 3,
      stoppedReason: 'Essential container in task exited',
    });
    expect(result.failure).toMatch(
      /^Container 'web' exited with code 3 \(Essential container in task exited\)\./,
    );
    expect(result.failure).toContain('Last log lines:\n  migrating\n  error: relation "users" exists');
    expect(saved.at(-1)).toBeUndefined(); // nothing left for the post step
  });

  it('a task that cannot pull its image fails with the diagnosis, not an exit code', async () => {
    const { deps } = world([
      {
        lastStatus: 'STOPPED',
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s): not found',
        containers: [{ name: 'web' }],
      },
    ]);
    const result = await runTask(inputs, deps);
    expect(result.exitCode).toBeUndefined();
    expect(result.failure).toMatch(
      /^The task stopped before container 'web' ran \(TaskFailedToStart\): CannotPullContainerError/,
    );
    expect(result.failure).toMatch(/the image could not be pulled: check the image name and tag/);
  });

  it('ResourceInitializationError says which secrets and routes to check', async () => {
    const { deps } = world([
      {
        lastStatus: 'STOPPED',
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'ResourceInitializationError: unable to pull secrets or registry auth',
        containers: [{ name: 'web' }],
      },
    ]);
    expect((await runTask(inputs, deps)).failure).toMatch(
      /secrets or SSM parameters the execution role cannot read/,
    );
  });

  it('no capacity: RunTask answers with failures and no task; the step says why and started nothing', async () => {
    const { deps, saved } = world([], { tasks: [], failures: [{ reason: 'RESOURCE:MEMORY', arn: 'x' }] });
    await expect(runTask(inputs, deps)).rejects.toThrowError(
      /^ECS did not start the task: RESOURCE:MEMORY\. Capacity/,
    );
    expect(saved).toEqual([]);
  });

  it('timeout: the task is stopped and the step fails, naming the timeout', async () => {
    const { deps, ecs, saved } = world([running]);
    const result = await runTask({ ...inputs, timeoutMs: 5000 }, deps);
    expect(result.status).toBe('timed-out');
    expect(result.failure).toMatch(/^The task did not stop within 'timeout' \(5s\); it was stopped\./);
    expect(ecs.calls.find((c) => c.command === 'StopTask')?.input).toMatchObject({
      cluster: 'jobs',
      task: TASK,
    });
    expect(saved.at(-1)).toBeUndefined();
  });

  it('without wait: returns the started task, leaves nothing for the post step', async () => {
    const { deps, ecs, saved } = world([running]);
    const result = await runTask({ ...inputs, wait: false }, deps);
    expect(result).toMatchObject({ status: 'started', taskArn: TASK, exitCode: undefined });
    expect(ecs.count.DescribeTasks).toBeUndefined();
    expect(saved.at(-1)).toBeUndefined();
  });
});
