import {
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  DeploymentLimitExceededException,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlueGreenService, listenerWeights } from '../../e2e/deploy-fixture.js';
import { awsClientConfig } from '../aws/clients.js';
import { type Moto, startMoto } from '../aws/moto.js';
import { createSandbox, type Sandbox } from '../aws/sandbox.js';
import { type CodeDeploySimulator, startCodeDeploySimulator } from './simulator.js';

// The CodeDeploy simulator against the real SDK client (its protocol) and moto's ELBv2 (its traffic switch).
let moto: Moto;
let sim: CodeDeploySimulator;
let sandbox: Sandbox;
let client: CodeDeployClient;

beforeAll(async () => {
  moto = await startMoto();
  sandbox = await createSandbox(moto.endpoint, { name: 'cdsim' });
  sim = await startCodeDeploySimulator({
    elbv2Endpoint: moto.endpoint,
    ecsEndpoint: moto.endpoint,
    advance: 'manual',
  });
  client = new CodeDeployClient(awsClientConfig(sim.endpoint));
});
afterAll(async () => {
  client?.destroy();
  await sim?.stop();
  await moto?.stop();
});

const appSpec = (taskDefinition: string) =>
  JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: taskDefinition,
            LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 80 },
            // awsvpc task definitions: ECS refuses a task set without it (the simulator's Install fails then).
            NetworkConfiguration: {
              AwsvpcConfiguration: { Subnets: sandbox.subnetIds, SecurityGroups: [sandbox.securityGroupId] },
            },
          },
        },
      },
    ],
  });

async function create(app: string, group: string) {
  const { deploymentId } = await client.send(
    new CreateDeploymentCommand({
      applicationName: app,
      deploymentGroupName: group,
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content: appSpec(sandbox.taskDefinitionArn) },
      },
    }),
  );
  return deploymentId!;
}

async function tickUntil(id: string, status: string, max = 20) {
  for (let i = 0; i < max; i++) {
    const { deploymentInfo } = await client.send(new GetDeploymentCommand({ deploymentId: id }));
    if (deploymentInfo?.status === status) return deploymentInfo;
    await sim.tick(id);
  }
  throw new Error(`deployment ${id} never reached ${status}`);
}

describe('CodeDeploy simulator', () => {
  it('passes through Created and Queued before it starts; the target operations answer DeploymentNotStartedException meanwhile', async () => {
    const svc = await createBlueGreenService(moto.endpoint, sim.endpoint, sandbox, { name: 'queued' });
    const id = await create(svc.applicationName, svc.deploymentGroupName);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { deploymentInfo } = await client.send(new GetDeploymentCommand({ deploymentId: id }));
      seen.push(deploymentInfo!.status!);
      if (deploymentInfo!.status !== 'InProgress') {
        await expect(
          client.send(new ListDeploymentTargetsCommand({ deploymentId: id })),
        ).rejects.toMatchObject({
          name: 'DeploymentNotStartedException',
          message: `The deployment ${id} has not started.`,
        });
        await expect(
          client.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'x' })),
        ).rejects.toMatchObject({ name: 'DeploymentNotStartedException' });
      }
      await sim.tick(id);
    }
    expect(seen).toEqual(['Created', 'Queued', 'InProgress']);
    expect(sim.deployments.get(id)!.history.slice(0, 3)).toEqual(['Created', 'Queued', 'InProgress']);
    // A queued deployment still holds the group: a second one is refused.
    await tickUntil(id, 'Succeeded');
  });

  it('answers the real SDK with typed shapes and shifts production traffic to green on success', async () => {
    const svc = await createBlueGreenService(moto.endpoint, sim.endpoint, sandbox, { name: 'ok' });
    const group = await client.send(
      new GetDeploymentGroupCommand({
        applicationName: svc.applicationName,
        deploymentGroupName: svc.deploymentGroupName,
      }),
    );
    expect(group.deploymentGroupInfo?.ecsServices).toEqual([
      { clusterName: sandbox.clusterName, serviceName: svc.serviceName },
    ]);
    const id = await create(svc.applicationName, svc.deploymentGroupName);
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/);
    const second = client.send(
      new CreateDeploymentCommand({
        applicationName: svc.applicationName,
        deploymentGroupName: svc.deploymentGroupName,
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec('x') } },
      }),
    );
    await expect(second).rejects.toBeInstanceOf(DeploymentLimitExceededException);

    const info = await tickUntil(id, 'Succeeded');
    expect(info.createTime).toBeInstanceOf(Date);
    expect(info.completeTime!.getTime()).toBeGreaterThanOrEqual(info.createTime!.getTime());
    const { targetIds } = await client.send(new ListDeploymentTargetsCommand({ deploymentId: id }));
    const { deploymentTarget } = await client.send(
      new GetDeploymentTargetCommand({ deploymentId: id, targetId: targetIds![0]! }),
    );
    expect(deploymentTarget?.ecsTarget?.lifecycleEvents?.map((e) => e.status)).toEqual(
      Array(8).fill('Succeeded'),
    );
    expect(await listenerWeights(moto.endpoint, sandbox.region, svc.prodListenerArn)).toEqual({
      [svc.greenTargetGroupArn]: 1,
      [svc.blueTargetGroupArn]: 0,
    });
    expect(await listenerWeights(moto.endpoint, sandbox.region, svc.testListenerArn)).toEqual({
      [svc.greenTargetGroupArn]: 1,
      [svc.blueTargetGroupArn]: 0,
    });

    // The next deployment goes the other way: green is now the live target group.
    const next = await create(svc.applicationName, svc.deploymentGroupName);
    await tickUntil(next, 'Succeeded');
    expect(await listenerWeights(moto.endpoint, sandbox.region, svc.prodListenerArn)).toEqual({
      [svc.blueTargetGroupArn]: 1,
      [svc.greenTargetGroupArn]: 0,
    });
    // ECS: the second deployment's task set is primary, behind blue; the first one's was deleted.
    const ecs = new ECSClient(awsClientConfig(moto.endpoint));
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: sandbox.clusterName, services: [svc.serviceName] }),
    );
    ecs.destroy();
    expect(
      services?.[0]?.taskSets?.map((t) => [t.status, t.externalId, t.loadBalancers?.[0]?.targetGroupArn]),
    ).toEqual([['PRIMARY', next, svc.blueTargetGroupArn]]);
  });

  it('fails at a chosen lifecycle event with diagnostics and rolls traffic back to blue', async () => {
    const svc = await createBlueGreenService(moto.endpoint, sim.endpoint, sandbox, { name: 'fail' });
    sim.setScenario(svc.applicationName, svc.deploymentGroupName, {
      failAt: 'AfterAllowTraffic',
      diagnostics: { errorCode: 'ScriptFailed', message: 'smoke test returned 500', scriptName: 'smoke' },
    });
    const id = await create(svc.applicationName, svc.deploymentGroupName);
    const info = await tickUntil(id, 'Failed');
    expect(info.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
    expect(info.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
    const { deploymentTarget } = await client.send(
      new GetDeploymentTargetCommand({
        deploymentId: id,
        targetId: `${sandbox.clusterName}:${svc.serviceName}`,
      }),
    );
    const failed = deploymentTarget?.ecsTarget?.lifecycleEvents?.find((e) => e.status === 'Failed');
    expect(failed?.lifecycleEventName).toBe('AfterAllowTraffic');
    expect(failed?.diagnostics?.message).toBe('smoke test returned 500');
    expect(await listenerWeights(moto.endpoint, sandbox.region, svc.prodListenerArn)).toEqual({
      [svc.blueTargetGroupArn]: 1,
      [svc.greenTargetGroupArn]: 0,
    });
  });

  it('waits at test traffic until ContinueDeployment, and StopDeployment rolls back', async () => {
    const svc = await createBlueGreenService(moto.endpoint, sim.endpoint, sandbox, {
      name: 'ready',
      waitAtTestTraffic: true,
    });
    const id = await create(svc.applicationName, svc.deploymentGroupName);
    await tickUntil(id, 'Ready');
    for (let i = 0; i < 3; i++) await sim.tick(id);
    expect(sim.deployments.get(id)?.status).toBe('Ready');
    expect(await listenerWeights(moto.endpoint, sandbox.region, svc.testListenerArn)).toMatchObject({
      [svc.greenTargetGroupArn]: 1,
    });
    await client.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }));
    await sim.tick(id);
    const stop = await client.send(
      new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }),
    );
    expect(stop.status).toBe('Succeeded');
    const { deploymentInfo } = await client.send(new GetDeploymentCommand({ deploymentId: id }));
    expect(deploymentInfo?.status).toBe('Stopped');
    expect(deploymentInfo?.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
    expect(await listenerWeights(moto.endpoint, sandbox.region, svc.testListenerArn)).toMatchObject({
      [svc.blueTargetGroupArn]: 1,
    });
    expect(sim.counts()).toMatchObject({ StopDeployment: 1, ContinueDeployment: 1 });
  });
});
