import type { Service } from '@aws-sdk/client-ecs';
import { type InputLookup, Inputs, UserError } from '@ecs-actions/kit';
import { awsError, fakeClient, fakeClock, type Handler } from '@ecs-actions/testing';
import { describe, expect, it } from 'vitest';
import type { InFlight } from './cancel.js';
import { parseInputs } from './inputs.js';
import { type DeployOutputs, run } from './run.js';

const TD1 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const TD2 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';

const lookup =
  (values: Record<string, string>): InputLookup =>
  (name) =>
    values[name] === undefined ? undefined : { value: values[name]!, origin: 'input' };

function harness(ecsHandlers: Record<string, Handler>, codedeployHandlers: Record<string, Handler> = {}) {
  const ecs = fakeClient({
    DescribeTaskDefinition: () => ({
      taskDefinition: {
        taskDefinitionArn: TD1,
        family: 'web',
        containerDefinitions: [{ name: 'app', image: 'old' }],
      },
    }),
    RegisterTaskDefinition: (input) => ({ taskDefinition: { ...input, taskDefinitionArn: TD2 } }),
    ...ecsHandlers,
  });
  const codedeploy = fakeClient(codedeployHandlers);
  const outputs: DeployOutputs[] = [];
  const inFlight: (InFlight | undefined)[] = [];
  const warnings: string[] = [];
  const log: string[] = [];
  let summary = '';
  const deps = {
    ecs,
    codedeploy,
    clock: fakeClock(),
    log: (line: string) => log.push(line),
    warn: (line: string) => warnings.push(line),
    readFile: () => {
      throw new Error('no files');
    },
    setOutputs: (o: DeployOutputs) => outputs.push({ ...o }),
    saveInFlight: (v: InFlight | undefined) => inFlight.push(v),
    summary: async (md: string) => {
      summary = md;
    },
    env: {},
    context: { runUrl: undefined },
  };
  return { deps, ecs, codedeploy, outputs, inFlight, warnings, log, summary: () => summary };
}

const rollingService = (deployments: Service['deployments'], extra: Partial<Service> = {}): Service => ({
  serviceName: 'web',
  status: 'ACTIVE',
  desiredCount: 2,
  runningCount: 2,
  taskDefinition: TD1,
  deploymentController: { type: 'ECS' },
  deployments,
  ...extra,
});

describe('run: rolling update (fake ECS client)', () => {
  it('a circuit-breaker rollback fails the step with the reason, events, stopped tasks, and status rolled-back', async () => {
    const h = harness({
      DescribeServices: (_input, n) => {
        if (n === 1)
          return {
            services: [rollingService([{ id: 'ecs-svc/old', status: 'PRIMARY', rolloutState: 'COMPLETED' }])],
          };
        if (n === 2) {
          return {
            services: [
              rollingService([
                {
                  id: 'ecs-svc/new',
                  status: 'PRIMARY',
                  rolloutState: 'IN_PROGRESS',
                  runningCount: 0,
                  desiredCount: 2,
                },
                { id: 'ecs-svc/old', status: 'ACTIVE', rolloutState: 'COMPLETED' },
              ]),
            ],
          };
        }
        return {
          services: [
            rollingService(
              [
                { id: 'ecs-svc/old', status: 'PRIMARY', rolloutState: 'IN_PROGRESS', taskDefinition: TD1 },
                {
                  id: 'ecs-svc/new',
                  status: 'ACTIVE',
                  rolloutState: 'FAILED',
                  rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
                  failedTasks: 3,
                },
              ],
              {
                events: [
                  {
                    id: 'e1',
                    createdAt: new Date(),
                    message: '(service web) deployment ecs-svc/new deployment failed: tasks failed to start.',
                  },
                ],
              },
            ),
          ],
        };
      },
      UpdateService: () => ({
        service: rollingService([{ id: 'ecs-svc/new', status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }]),
      }),
      ListTasks: () => ({ taskArns: ['arn:aws:ecs:us-east-1:123456789012:task/shop/abc123'] }),
      DescribeTasks: () => ({
        tasks: [
          {
            taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/shop/abc123',
            stopCode: 'EssentialContainerExited',
            stoppedReason: 'Essential container in task exited',
            containers: [{ name: 'app', exitCode: 137, reason: 'OutOfMemoryError' }],
          },
        ],
      }),
    });
    const inputs = parseInputs(
      new Inputs(lookup({ cluster: 'shop', service: 'web', image: 'new', interval: '5s' })),
    );
    const error = await run(inputs, h.deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).toContain('circuit breaker');
    expect(message).toContain(`ECS rolled back to ${TD1}`);
    expect(message).toContain(
      'abc123: EssentialContainerExited: Essential container in task exited; app: exit 137 (OutOfMemoryError)',
    );
    expect(message).toContain('deployment failed: tasks failed to start');
    expect(Object.assign({}, ...h.outputs)).toMatchObject({
      status: 'rolled-back',
      'deployment-id': 'ecs-svc/new',
      'task-definition-arn': TD2,
    });
    // The deployment ended: nothing left for the post step.
    expect(h.inFlight.at(-1)).toBeUndefined();
    expect(h.summary()).toContain('#### Why it failed');
    expect(h.summary()).toContain('exit 137');
    expect(h.summary()).toContain('| Rollout | failed |');
  });

  it('a rollout that outlasts the timeout stays in flight for the post step, status timed-out', async () => {
    const inProgress = {
      services: [
        rollingService(
          [
            {
              id: 'ecs-svc/new',
              status: 'PRIMARY',
              rolloutState: 'IN_PROGRESS',
              runningCount: 0,
              desiredCount: 2,
            },
          ],
          {
            runningCount: 0,
          },
        ),
      ],
    };
    const h = harness({
      DescribeServices: () => inProgress,
      UpdateService: () => ({ service: inProgress.services[0] }),
      ListTasks: () => ({ taskArns: [] }),
    });
    const inputs = parseInputs(
      new Inputs(lookup({ cluster: 'shop', service: 'web', image: 'new', timeout: '30s', interval: '10s' })),
    );
    await expect(run(inputs, h.deps)).rejects.toThrow(/Timed out after 30s/);
    expect(h.outputs.at(-1)).toEqual({ status: 'timed-out' });
    expect(h.inFlight.at(-1)).toEqual({
      kind: 'rolling',
      cluster: 'shop',
      service: 'web',
      previousTaskDefinition: TD1,
      taskDefinitionArn: TD2,
    });
  });

  it('warns that test-traffic means complete for a rolling service', async () => {
    const done = {
      services: [rollingService([{ id: 'ecs-svc/new', status: 'PRIMARY', rolloutState: 'COMPLETED' }])],
    };
    const h = harness({ DescribeServices: () => done, UpdateService: () => ({ service: done.services[0] }) });
    const inputs = parseInputs(
      new Inputs(lookup({ cluster: 'shop', service: 'web', 'wait-until': 'test-traffic' })),
    );
    const outputs = await run(inputs, h.deps);
    expect(outputs.status).toBe('succeeded');
    expect(h.warnings.join('\n')).toMatch(
      /rolling updates: there is no separate test or production traffic shift/,
    );
  });
});

describe('run: ECS-native strategy (fake ECS client; moto lacks service deployments)', () => {
  it('takes the native path for an ECS service with a LINEAR strategy', async () => {
    const service = rollingService([], { deploymentConfiguration: { strategy: 'LINEAR' } });
    const h = harness({
      DescribeServices: () => ({ services: [service] }),
      UpdateService: () => ({ service }),
      ListServiceDeployments: () => ({
        serviceDeployments: [
          { serviceDeploymentArn: 'arn:sd/1', targetServiceRevisionArn: 'arn:rev/2', createdAt: new Date() },
        ],
      }),
      DescribeServiceDeployments: () => ({
        serviceDeployments: [
          { serviceDeploymentArn: 'arn:sd/1', status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' },
        ],
      }),
    });
    const outputs = await run(
      parseInputs(new Inputs(lookup({ cluster: 'shop', service: 'web', image: 'new' }))),
      h.deps,
    );
    expect(outputs).toMatchObject({
      controller: 'ECS',
      strategy: 'LINEAR',
      status: 'succeeded',
      'deployment-id': 'arn:sd/1',
    });
    expect(h.inFlight).toContainEqual({
      kind: 'native',
      cluster: 'shop',
      service: 'web',
      serviceDeploymentArn: 'arn:sd/1',
    });
    expect(h.inFlight.at(-1)).toBeUndefined();
  });
});

const codeDeployService: Service = {
  serviceName: 'web',
  status: 'ACTIVE',
  taskDefinition: TD1,
  deploymentController: { type: 'CODE_DEPLOY' },
  loadBalancers: [{ containerName: 'app', containerPort: 80, targetGroupArn: 'arn:tg' }],
};
const group = (name: string, service: string, extra: object = {}) => ({
  applicationName: 'app',
  deploymentGroupName: name,
  ecsServices: [{ clusterName: 'shop', serviceName: service }],
  ...extra,
});

describe('run: CodeDeploy (fake clients)', () => {
  it('refuses with the active deployment named when another run started one in the meantime', async () => {
    const h = harness(
      { DescribeServices: () => ({ services: [codeDeployService] }) },
      {
        ListApplications: () => ({ applications: ['app'] }),
        ListDeploymentGroups: () => ({ deploymentGroups: ['web-dg'] }),
        BatchGetDeploymentGroups: () => ({ deploymentGroupsInfo: [group('web-dg', 'web')] }),
        ListDeployments: (_i, n) => ({ deployments: n === 1 ? [] : ['d-RACE12345'] }),
        CreateDeployment: () => {
          throw awsError(
            'DeploymentLimitExceededException',
            "The Deployment Group 'web-dg' already has an active Deployment",
          );
        },
      },
    );
    const inputs = parseInputs(new Inputs(lookup({ cluster: 'shop', service: 'web', image: 'new' })));
    await expect(run(inputs, h.deps)).rejects.toThrow(/already has an active deployment \(d-RACE12345\)/);
  });

  it('names every matching group when discovery is ambiguous', async () => {
    const h = harness(
      { DescribeServices: () => ({ services: [codeDeployService] }) },
      {
        ListApplications: () => ({ applications: ['app'] }),
        ListDeploymentGroups: () => ({ deploymentGroups: ['a', 'b', 'other'] }),
        BatchGetDeploymentGroups: () => ({
          deploymentGroupsInfo: [group('a', 'web'), group('b', 'web'), group('other', 'api')],
        }),
      },
    );
    const inputs = parseInputs(new Inputs(lookup({ cluster: 'shop', service: 'web' })));
    await expect(run(inputs, h.deps)).rejects.toThrow(
      /Several CodeDeploy deployment groups deploy service web: app\/a, app\/b/,
    );
  });

  const named = {
    cluster: 'shop',
    service: 'web',
    'task-definition-arn': TD1,
    'codedeploy-application': 'app',
    'codedeploy-deployment-group': 'web-dg',
  };

  it('traffic-shifted returns at Baking, without waiting out the blue termination', async () => {
    const statuses = ['InProgress', 'Baking'];
    const h = harness(
      { DescribeServices: () => ({ services: [codeDeployService] }) },
      {
        ...handlers,
        GetDeployment: (_i, n) => ({
          deploymentInfo: { deploymentId: 'd-ABCDEFGHI', status: statuses[Math.min(n, 2) - 1] },
        }),
      },
    );
    const outputs = await run(
      parseInputs(new Inputs(lookup({ ...named, 'wait-until': 'traffic-shifted' }))),
      h.deps,
    );
    expect(outputs.status).toBe('traffic-shifted');
    expect(h.codedeploy.count.GetDeployment).toBe(2);
    expect(h.codedeploy.count.StopDeployment).toBeUndefined();
    expect(h.inFlight.at(-1)).toBeUndefined();
    expect(h.ecs.count.RegisterTaskDefinition).toBeUndefined();
  });

  it('warns when the blue termination wait outlasts the timeout of wait-until: complete', async () => {
    const h = harness(
      { DescribeServices: () => ({ services: [codeDeployService] }) },
      {
        ...handlers,
        GetDeploymentGroup: () => ({
          deploymentGroupInfo: group('web-dg', 'web', {
            blueGreenDeploymentConfiguration: {
              terminateBlueInstancesOnDeploymentSuccess: {
                action: 'TERMINATE',
                terminationWaitTimeInMinutes: 60,
              },
            },
          }),
        }),
        GetDeployment: () => ({ deploymentInfo: { deploymentId: 'd-ABCDEFGHI', status: 'Succeeded' } }),
      },
    );
    const outputs = await run(parseInputs(new Inputs(lookup({ ...named, timeout: '30m' }))), h.deps);
    expect(outputs.status).toBe('succeeded');
    expect(h.warnings.join('\n')).toMatch(
      /keeps the original task set for 60 minutes.*'wait-until: traffic-shifted'/,
    );
  });
});

const handlers: Record<string, Handler> = {
  GetDeploymentGroup: () => ({ deploymentGroupInfo: group('web-dg', 'web') }),
  ListDeployments: () => ({ deployments: [] }),
  CreateDeployment: () => ({ deploymentId: 'd-ABCDEFGHI' }),
  ListDeploymentTargets: () => ({ targetIds: ['shop:web'] }),
  GetDeploymentTarget: () => ({ deploymentTarget: { ecsTarget: { lifecycleEvents: [] } } }),
};
