// deploy (CodeDeploy blue/green) from the starting points users have (issue: first contact): a blue/green pair
// on a fresh ALB, a production listener shared with other teams, a service on capacity providers, a task
// definition with a sidecar and secrets. Each runs the built bundle to a succeeded deployment and checks what
// moto and the CodeDeploy simulator hold afterwards.
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  PutClusterCapacityProvidersCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../harness/aws/clients.js';
import { type Moto, startMoto } from '../harness/aws/moto.js';
import { type FaultProxy, startFaultProxy } from '../harness/aws/proxy.js';
import { createSandbox, type Sandbox } from '../harness/aws/sandbox.js';
import { freshAlb, sidecarTaskDefinition } from '../harness/aws/starting-points.js';
import { type CodeDeploySimulator, startCodeDeploySimulator } from '../harness/codedeploy/simulator.js';
import { runWithPost } from '../harness/runner.js';
import { deployAction } from './deploy-bundle.js';
import { type BlueGreenOptions, createBlueGreenService, listenerWeights } from './deploy-fixture.js';

const IMAGE = 'public.ecr.aws/nginx/nginx:1.29';
let action: string;
let moto: Moto;
let proxy: FaultProxy;
let sim: CodeDeploySimulator;
let sandbox: Sandbox;
let ecs: ECSClient;
let elbv2: ElasticLoadBalancingV2Client;

beforeAll(async () => {
  action = await deployAction();
  moto = await startMoto({ env: { MOTO_ECS_SERVICE_RUNNING: '2' } });
  proxy = await startFaultProxy(moto.endpoint);
  sandbox = await createSandbox(moto.endpoint, { name: 'dmatrix' });
  sim = await startCodeDeploySimulator({
    elbv2Endpoint: moto.endpoint,
    ecsEndpoint: moto.endpoint,
    region: sandbox.region,
  });
  ecs = new ECSClient(awsClientConfig(proxy.endpoint, sandbox.region));
  elbv2 = new ElasticLoadBalancingV2Client(awsClientConfig(moto.endpoint, sandbox.region));
});
afterAll(async () => {
  ecs?.destroy();
  elbv2?.destroy();
  await sim?.stop();
  await proxy?.stop();
  await moto?.stop();
});

/** Creates the blue/green service, deploys IMAGE through the bundle, and checks the common outcome. */
async function deployFrom(name: string, options: Omit<BlueGreenOptions, 'name'> = {}) {
  const svc = await createBlueGreenService(moto.endpoint, sim.endpoint, sandbox, { name, ...options });
  const { main, post } = await runWithPost({
    action,
    env: {
      AWS_ENDPOINT_URL: proxy.endpoint,
      AWS_ENDPOINT_URL_CODEDEPLOY: sim.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: sandbox.region,
    },
    inputs: { cluster: sandbox.clusterName, service: svc.serviceName, image: IMAGE, interval: '100ms' },
  });
  expect(main.errors).toEqual([]);
  expect(main.outputs.status).toBe('succeeded');
  expect(post.exitCode).toBe(0);
  const deployment = sim.deployments.get(main.outputs['deployment-id']!)!;
  expect(deployment.status).toBe('Succeeded');
  expect(deployment.history.slice(0, 2)).toEqual(['Created', 'Queued']);
  expect(await listenerWeights(moto.endpoint, sandbox.region, svc.prodListenerArn)).toEqual({
    [svc.greenTargetGroupArn]: 1,
    [svc.blueTargetGroupArn]: 0,
  });
  const arn = main.outputs['task-definition-arn']!;
  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster: sandbox.clusterName, services: [svc.serviceName] }),
  );
  expect(services![0]!.taskDefinition).toBe(arn);
  const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
  return { svc, main, deployment, service: services![0]!, revision: taskDefinition! };
}

describe('deploy (CodeDeploy blue/green) from realistic starting points', () => {
  it('1. a fresh blue/green pair on a fresh ALB', async () => {
    const alb = await freshAlb(moto.endpoint, sandbox);
    const { revision } = await deployFrom('fresh', { loadBalancerArn: alb.loadBalancerArn });
    expect(revision.containerDefinitions?.[0]?.image).toBe(IMAGE);
  });

  it("2. a production listener shared with other teams' rules: theirs are untouched", async () => {
    const { svc } = await deployFrom('shared', { otherTeamsRules: [10000, 20000, 30000] });
    const { Rules = [] } = await elbv2.send(new DescribeRulesCommand({ ListenerArn: svc.prodListenerArn }));
    const theirs = Rules.filter((r) => !r.IsDefault);
    expect(theirs.map((r) => r.Priority)).toEqual(['10000', '20000', '30000']);
    for (const rule of theirs) {
      expect(rule.Actions?.[0]?.TargetGroupArn).not.toBe(svc.blueTargetGroupArn);
      expect(rule.Actions?.[0]?.TargetGroupArn).not.toBe(svc.greenTargetGroupArn);
    }
  });

  it('5. a service on capacity providers: the AppSpec carries its strategy', async () => {
    await ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: sandbox.clusterName,
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      }),
    );
    const { deployment } = await deployFrom('spot', {
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE_SPOT', weight: 4 },
        { capacityProvider: 'FARGATE', weight: 1, base: 1 },
      ],
      ecsEndpoint: proxy.endpoint, // the proxy keeps the strategy that moto forgets
    });
    expect(deployment.appSpec.Resources?.[0]?.TargetService?.Properties?.CapacityProviderStrategy).toEqual([
      { CapacityProvider: 'FARGATE_SPOT', Weight: 4, Base: 0 },
      { CapacityProvider: 'FARGATE', Weight: 1, Base: 1 },
    ]);
  });

  it('6. a sidecar, secrets, awslogs and ARM64: only the load-balanced container gets the image', async () => {
    const td = await sidecarTaskDefinition(moto.endpoint, sandbox);
    const { deployment, revision } = await deployFrom('sidecar', {
      taskDefinitionArn: td.taskDefinitionArn!,
      containerName: 'web',
      containerPort: 8080,
    });
    const web = revision.containerDefinitions!.find((c) => c.name === 'web')!;
    const router = revision.containerDefinitions!.find((c) => c.name === 'log-router')!;
    expect(web.image).toBe(IMAGE);
    expect(router).toEqual(td.containerDefinitions!.find((c) => c.name === 'log-router'));
    expect(web.secrets).toEqual(td.containerDefinitions!.find((c) => c.name === 'web')!.secrets);
    expect(web.logConfiguration).toEqual(
      td.containerDefinitions!.find((c) => c.name === 'web')!.logConfiguration,
    );
    expect(revision.runtimePlatform).toEqual(td.runtimePlatform);
    expect(deployment.appSpec.Resources?.[0]?.TargetService?.Properties?.LoadBalancerInfo).toEqual({
      ContainerName: 'web',
      ContainerPort: 8080,
    });
  });
});
