import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../harness/aws/clients.js';
import { type Moto, startMoto } from '../harness/aws/moto.js';
import { type FaultProxy, startFaultProxy } from '../harness/aws/proxy.js';
import { createSandbox, type Sandbox } from '../harness/aws/sandbox.js';
import { type CodeDeploySimulator, startCodeDeploySimulator } from '../harness/codedeploy/simulator.js';
import { repoRoot, runAction, runWithPost, startAction } from '../harness/runner.js';
import { deployAction } from './deploy-bundle.js';
import {
  type BlueGreenService,
  createBlueGreenService,
  createFiveXxAlarm,
  listenerWeights,
} from './deploy-fixture.js';

// actions/deploy through its built bundle, run as the runner runs it: ECS and ELBv2 in moto (behind the counting
// proxy, through AWS_ENDPOINT_URL), CodeDeploy in the CodeDeploy simulator (AWS_ENDPOINT_URL_CODEDEPLOY, the
// SDK's service-specific endpoint variable). The bundle: see deploy-bundle.ts.
let action: string;
const IMAGE = 'public.ecr.aws/nginx/nginx:1.28';

let moto: Moto;
let proxy: FaultProxy;
let sim: CodeDeploySimulator;
let sandbox: Sandbox;
let ecs: ECSClient;
const workspaces: string[] = [];

/** A fresh GITHUB_WORKSPACE for one test, removed after the file. */
function workspaceFor(name: string): string {
  const dir = join(repoRoot, '.vitest-tmp', `deploy-${name}-${sandbox.name}`);
  mkdirSync(dir, { recursive: true });
  workspaces.push(dir);
  return dir;
}

beforeAll(async () => {
  action = await deployAction();
  // New services report a COMPLETED rollout, as a settled service does in AWS.
  moto = await startMoto({ env: { MOTO_ECS_SERVICE_RUNNING: '2' } });
  proxy = await startFaultProxy(moto.endpoint);
  sandbox = await createSandbox(moto.endpoint, { name: 'deploy' });
  // The simulator switches listeners and task sets in moto directly, so the proxy counts only the action's own calls.
  sim = await startCodeDeploySimulator({
    elbv2Endpoint: moto.endpoint,
    ecsEndpoint: moto.endpoint,
    region: sandbox.region,
  });
  ecs = new ECSClient(awsClientConfig(moto.endpoint, sandbox.region));
});
afterAll(async () => {
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
  ecs?.destroy();
  await sim?.stop();
  await proxy?.stop();
  await moto?.stop();
});
afterEach(() => {
  proxy.resetCounts();
  sim.resetCounts();
});

const env = () => ({
  AWS_ENDPOINT_URL: proxy.endpoint,
  AWS_ENDPOINT_URL_CODEDEPLOY: sim.endpoint,
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: sandbox.region,
});

const blueGreen = (name: string, options: { waitAtTestTraffic?: boolean } = {}) =>
  createBlueGreenService(moto.endpoint, sim.endpoint, sandbox, { name, ...options });

async function describeService(serviceName: string) {
  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster: sandbox.clusterName, services: [serviceName] }),
  );
  return services![0]!;
}

const prod = (svc: BlueGreenService) => listenerWeights(moto.endpoint, sandbox.region, svc.prodListenerArn);
const testListener = (svc: BlueGreenService) =>
  listenerWeights(moto.endpoint, sandbox.region, svc.testListenerArn);

describe('deploy: CodeDeploy blue/green (CodeDeploy simulator + moto)', () => {
  it('renders a revision, finds the deployment group from the service, and production ends on green', async () => {
    const svc = await blueGreen('ok');
    const { main, post } = await runWithPost({
      action,
      env: env(),
      inputs: { cluster: sandbox.clusterName, service: svc.serviceName, image: IMAGE, interval: '100ms' },
    });
    expect(main.errors).toEqual([]);
    expect(main.exitCode).toBe(0);
    expect(main.outputs.controller).toBe('CODE_DEPLOY');
    expect(main.outputs.status).toBe('succeeded');
    const deployment = sim.deployments.get(main.outputs['deployment-id']!);
    expect(deployment?.status).toBe('Succeeded');

    // A new revision with the image, and that revision is what CodeDeploy was asked to deploy.
    const arn = main.outputs['task-definition-arn']!;
    expect(arn).not.toBe(sandbox.taskDefinitionArn);
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
    expect(taskDefinition?.containerDefinitions?.[0]?.image).toBe(IMAGE);
    expect(deployment?.appSpec.Resources?.[0]?.TargetService?.Properties?.TaskDefinition).toBe(arn);

    // The traffic outcome, read from moto: green forwarded, blue left at weight 0.
    expect(await prod(svc)).toEqual({ [svc.greenTargetGroupArn]: 1, [svc.blueTargetGroupArn]: 0 });
    // …and ECS runs the new revision in the primary task set behind the green target group.
    const service = await describeService(svc.serviceName);
    expect(service.taskDefinition).toBe(arn);
    expect(
      service.taskSets?.map((t) => [t.status, t.taskDefinition, t.loadBalancers?.[0]?.targetGroupArn]),
    ).toEqual([['PRIMARY', arn, svc.greenTargetGroupArn]]);

    // Progress and the timeline of phases.
    expect(main.stdout).toMatch(/AllowTraffic: Succeeded/);
    expect(main.stdout).toMatch(/InProgress at \w+ \(Blue \d+\/\d+ running, \d+% traffic; Green/);
    expect(main.summary).toContain('#### Timeline');
    for (const phase of [
      'Task definition',
      'CreateDeployment',
      'BeforeInstall',
      'AllowTestTraffic',
      'AllowTraffic',
      'Blue termination',
    ]) {
      expect(main.summary).toContain(`| ${phase} |`);
    }
    expect(main.summary).toContain(`${svc.applicationName} / ${svc.deploymentGroupName}`);
    expect(proxy.counts()['ecs:RegisterTaskDefinition']).toBe(1);
    // Settled: the post step stops nothing.
    expect(post.exitCode).toBe(0);
    expect(sim.counts().StopDeployment).toBeUndefined();
    expect(main.state['in-flight']).toBe('');
  });

  it("generates the AppSpec from the service's load balancer, platform version and network configuration", async () => {
    const svc = await blueGreen('spec');
    const result = await runAction({
      action,
      env: env(),
      inputs: {
        cluster: sandbox.clusterName,
        service: svc.serviceName,
        image: IMAGE,
        interval: '100ms',
        'wait-until': 'none',
        hooks: 'AfterAllowTestTraffic=arn:aws:lambda:us-east-1:123456789012:function:smoke',
      },
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs.status).toBe('started');
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: sandbox.clusterName, services: [svc.serviceName] }),
    );
    const service = services![0]!;
    const deployment = sim.deployments.get(result.outputs['deployment-id']!)!;
    const props = deployment.appSpec.Resources![0]!.TargetService!.Properties!;
    expect(props.LoadBalancerInfo).toEqual({
      ContainerName: service.loadBalancers![0]!.containerName,
      ContainerPort: service.loadBalancers![0]!.containerPort,
    });
    expect(props.PlatformVersion).toBe(service.platformVersion);
    expect(props.NetworkConfiguration).toEqual({
      AwsvpcConfiguration: {
        Subnets: service.networkConfiguration!.awsvpcConfiguration!.subnets,
        SecurityGroups: service.networkConfiguration!.awsvpcConfiguration!.securityGroups,
        AssignPublicIp: service.networkConfiguration!.awsvpcConfiguration!.assignPublicIp,
      },
    });
    expect(deployment.appSpec.Hooks).toEqual([
      { AfterAllowTestTraffic: 'arn:aws:lambda:us-east-1:123456789012:function:smoke' },
    ]);
    expect(deployment.appSpecContent).toMatch(/"version": 0\.0/);
  });

  it('a failed lifecycle event fails the step with the reason, the diagnostics and the rollback', async () => {
    const svc = await blueGreen('fail');
    sim.setScenario(svc.applicationName, svc.deploymentGroupName, {
      failAt: 'AfterAllowTestTraffic',
      diagnostics: {
        errorCode: 'ScriptFailed',
        scriptName: 'smoke-test',
        message: 'GET /health returned 503',
        logTail: 'curl: (22) 503',
      },
    });
    const result = await runAction({
      action,
      env: env(),
      inputs: { cluster: sandbox.clusterName, service: svc.serviceName, image: IMAGE, interval: '100ms' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('rolled-back');
    const error = result.errors.join('\n');
    expect(error).toContain('HOOK_EXECUTION_FAILURE');
    expect(error).toContain(
      'Failed lifecycle event: AfterAllowTestTraffic — ScriptFailed: smoke-test: GET /health returned 503',
    );
    expect(error).toMatch(/Rolled back: CodeDeploy started rollback deployment d-/);
    // What ECS says is added (moto has no stopped tasks or events to show).
    expect(error).toContain('Stopped tasks: none');
    expect(result.summary).toContain('#### Why it failed');
    expect(result.summary).toContain('GET /health returned 503');
    expect(result.summary).toContain('| AfterAllowTestTraffic | Failed |');
    expect(await prod(svc)).toEqual({ [svc.blueTargetGroupArn]: 1, [svc.greenTargetGroupArn]: 0 });
    expect(await testListener(svc)).toEqual({ [svc.blueTargetGroupArn]: 1, [svc.greenTargetGroupArn]: 0 });
    // The replacement task set is gone; the service still runs the original revision.
    const service = await describeService(svc.serviceName);
    expect(service.taskSets ?? []).toEqual([]);
    expect(service.taskDefinition).toBe(sandbox.taskDefinitionArn);
  });

  it('wait-until: test-traffic returns with test traffic on green and leaves the deployment paused; a second deployment is refused', async () => {
    const svc = await blueGreen('ready', { waitAtTestTraffic: true });
    const { main, post } = await runWithPost({
      action,
      env: env(),
      inputs: {
        cluster: sandbox.clusterName,
        service: svc.serviceName,
        image: IMAGE,
        interval: '100ms',
        'wait-until': 'test-traffic',
      },
    });
    expect(main.errors, main.stdout + main.stderr).toEqual([]);
    expect(main.outputs.status, main.stdout + main.stderr).toBe('test-traffic');
    const id = main.outputs['deployment-id']!;
    expect(sim.deployments.get(id)?.status).toBe('Ready');
    expect(await testListener(svc)).toEqual({ [svc.greenTargetGroupArn]: 1, [svc.blueTargetGroupArn]: 0 });
    expect(await prod(svc)).toEqual({ [svc.blueTargetGroupArn]: 1 });
    expect(main.summary).toContain('continue-deployment');
    // Deliberately left running: the post step does not stop it.
    expect(post.exitCode).toBe(0);
    expect(sim.counts().StopDeployment).toBeUndefined();
    expect(sim.deployments.get(id)?.status).toBe('Ready');

    proxy.resetCounts();
    const second = await runAction({
      action,
      env: env(),
      inputs: {
        cluster: sandbox.clusterName,
        service: svc.serviceName,
        image: `${IMAGE}-2`,
        interval: '100ms',
      },
    });
    expect(second.exitCode).toBe(1);
    expect(second.errors.join('\n')).toContain(`already has an active deployment (${id})`);
    // Refused before anything was registered.
    expect(proxy.counts()['ecs:RegisterTaskDefinition']).toBeUndefined();
  });

  /** A deployment of the service left paused at test traffic, as `wait-until: test-traffic` leaves it. */
  async function pauseAtTestTraffic(svc: BlueGreenService) {
    const paused = await runAction({
      action,
      env: env(),
      inputs: {
        cluster: sandbox.clusterName,
        service: svc.serviceName,
        image: IMAGE,
        interval: '100ms',
        'wait-until': 'test-traffic',
      },
    });
    expect(paused.outputs.status, paused.stdout + paused.stderr).toBe('test-traffic');
    return paused;
  }

  it('mode: continue from a second run shifts production traffic of a deployment paused at test traffic, and waits for it', async () => {
    const svc = await blueGreen('continue', { waitAtTestTraffic: true });
    const paused = await pauseAtTestTraffic(svc);
    const id = paused.outputs['deployment-id']!;
    // A later job (after a smoke test against the test listener) decides: only the id is needed.
    const { main, post } = await runWithPost({
      action,
      env: env(),
      inputs: { mode: 'continue', 'deployment-id': id, interval: '100ms' },
    });
    expect(main.errors, main.stdout + main.stderr).toEqual([]);
    expect(main.outputs).toMatchObject({
      status: 'succeeded',
      'deployment-id': id,
      controller: 'CODE_DEPLOY',
    });
    expect(sim.counts().ContinueDeployment).toBe(1);
    expect(sim.deployments.get(id)?.status).toBe('Succeeded');
    const after = await prod(svc);
    expect(after[svc.greenTargetGroupArn]).toBe(1);
    expect(after[svc.blueTargetGroupArn] ?? 0).toBe(0);
    expect(main.summary).toContain(`Deploy continue \`${id}\` — succeeded`);
    expect(post.exitCode).toBe(0);
    expect(sim.counts().StopDeployment).toBeUndefined();

    // Continuing it again is refused, naming its state; nothing is called.
    sim.resetCounts();
    const again = await runAction({ action, env: env(), inputs: { mode: 'continue', 'deployment-id': id } });
    expect(again.exitCode).toBe(1);
    expect(again.errors.join('\n')).toContain(
      `CodeDeploy deployment ${id} is Succeeded, not waiting at test traffic (Ready): nothing to continue. It already finished.`,
    );
    expect(sim.counts().ContinueDeployment).toBeUndefined();
  });

  it('mode: rollback from a second run stops the paused deployment with a rollback and waits until production is back on blue', async () => {
    const svc = await blueGreen('rollback', { waitAtTestTraffic: true });
    const paused = await pauseAtTestTraffic(svc);
    const id = paused.outputs['deployment-id']!;
    expect(await testListener(svc)).toEqual({ [svc.greenTargetGroupArn]: 1, [svc.blueTargetGroupArn]: 0 });
    const rolled = await runAction({
      action,
      env: env(),
      inputs: { mode: 'rollback', 'deployment-id': id, interval: '100ms' },
    });
    expect(rolled.errors, rolled.stdout + rolled.stderr).toEqual([]);
    expect(rolled.outputs.status).toBe('rolled-back');
    const d = sim.deployments.get(id)!;
    expect(d.status).toBe('Stopped');
    expect(d.stopRequested).toEqual({ autoRollbackEnabled: true });
    expect(rolled.summary).toContain(`rollback deployment ${d.rollbackInfo?.rollbackDeploymentId} succeeded`);
    expect(await testListener(svc)).toEqual({ [svc.blueTargetGroupArn]: 1, [svc.greenTargetGroupArn]: 0 });
    const production = await prod(svc);
    expect(production[svc.blueTargetGroupArn]).toBe(1);
    expect(production[svc.greenTargetGroupArn] ?? 0).toBe(0);
    // An unknown id names the input.
    const unknown = await runAction({
      action,
      env: env(),
      inputs: { mode: 'rollback', 'deployment-id': 'd-ZZZZZZZZZ' },
    });
    expect(unknown.errors.join('\n')).toContain(
      "Input 'deployment-id': CodeDeploy has no deployment d-ZZZZZZZZZ",
    );
  });

  it('cancel: SIGINT to the main step, then the post step stops the deployment with a rollback', async () => {
    const svc = await blueGreen('cancel');
    sim.setScenario(svc.applicationName, svc.deploymentGroupName, { holdAt: 'BeforeAllowTraffic' });
    const started = startAction({
      action,
      env: env(),
      inputs: { cluster: sandbox.clusterName, service: svc.serviceName, image: IMAGE, interval: '100ms' },
    });
    const deadline = Date.now() + 30_000;
    const held = () =>
      [...sim.deployments.values()].find(
        (d) =>
          d.deploymentGroupName === svc.deploymentGroupName &&
          d.events.some((e) => e.lifecycleEventName === 'BeforeAllowTraffic' && e.status === 'InProgress'),
      );
    while (!held() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const deployment = held();
    expect(deployment).toBeDefined();
    expect(await testListener(svc)).toMatchObject({ [svc.greenTargetGroupArn]: 1 });
    started.cancel();
    const main = await started.result;
    expect(main.exitCode === 0).toBe(false);
    // Main stopped waiting on SIGINT and wrote what it saw; the deployment is left for the post step.
    expect(main.outputs.status).toBe('cancelled');
    expect(main.summary).toContain(`Deploy \`${svc.serviceName}\` — cancelled`);
    expect(main.summary).toContain('| AllowTestTraffic | Succeeded |');
    expect(deployment!.status).toBe('InProgress');
    expect(JSON.parse(main.state['in-flight']!)).toMatchObject({
      kind: 'codedeploy',
      deploymentId: deployment!.deploymentId,
    });

    const post = await runAction({
      action,
      env: env(),
      entry: 'post',
      state: main.state,
      inputs: { cluster: sandbox.clusterName, service: svc.serviceName },
    });
    expect(post.exitCode).toBe(0);
    expect(post.annotations.filter((a) => a.level === 'warning')).toEqual([]);
    expect(sim.counts().StopDeployment).toBe(1);
    expect(deployment!.status).toBe('Stopped');
    expect(deployment!.stopRequested).toEqual({ autoRollbackEnabled: true });
    expect(deployment!.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
    // The post step waited for the rollback and says where it ended.
    expect(post.summary).toContain(
      `Stopped with rollback: CodeDeploy deployment ${deployment!.deploymentId} stopped; rollback deployment ${deployment!.rollbackInfo?.rollbackDeploymentId} succeeded: production traffic is on the original task set.`,
    );
    expect(await testListener(svc)).toEqual({ [svc.blueTargetGroupArn]: 1, [svc.greenTargetGroupArn]: 0 });
  });

  it("takes the user's AppSpec file (its hooks kept, TaskDefinition replaced) and sets environment variables", async () => {
    const svc = await blueGreen('file');
    const workspace = workspaceFor('appspec');
    mkdirSync(join(workspace, 'deploy'), { recursive: true });
    writeFileSync(
      join(workspace, 'deploy', 'appspec.yml'),
      [
        'version: 0.0',
        'Resources:',
        '  - TargetService:',
        '      Type: AWS::ECS::Service',
        '      Properties:',
        '        TaskDefinition: <TASK_DEFINITION>',
        '        LoadBalancerInfo:',
        '          ContainerName: web',
        '          ContainerPort: 80',
        '        NetworkConfiguration:',
        '          AwsvpcConfiguration:',
        `            Subnets: [${sandbox.subnetIds.join(', ')}]`,
        `            SecurityGroups: [${sandbox.securityGroupId}]`,
        '            AssignPublicIp: DISABLED',
        'Hooks:',
        '  - BeforeAllowTraffic: arn:aws:lambda:us-east-1:123456789012:function:check',
      ].join('\n'),
    );
    const result = await runAction({
      action,
      env: env(),
      workspace,
      inputs: {
        cluster: sandbox.clusterName,
        service: svc.serviceName,
        appspec: 'deploy/appspec.yml',
        'environment-variables': 'FEATURE_X=on\nLOG_LEVEL=debug',
        interval: '100ms',
      },
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs.status).toBe('succeeded');
    const arn = result.outputs['task-definition-arn']!;
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
    expect(taskDefinition?.containerDefinitions?.[0]?.environment).toEqual(
      expect.arrayContaining([
        { name: 'FEATURE_X', value: 'on' },
        { name: 'LOG_LEVEL', value: 'debug' },
      ]),
    );
    const deployment = sim.deployments.get(result.outputs['deployment-id']!)!;
    expect(deployment.appSpec.Resources?.[0]?.TargetService?.Properties?.TaskDefinition).toBe(arn);
    expect(deployment.appSpec.Hooks).toEqual([
      { BeforeAllowTraffic: 'arn:aws:lambda:us-east-1:123456789012:function:check' },
    ]);
    expect(await prod(svc)).toEqual({ [svc.greenTargetGroupArn]: 1, [svc.blueTargetGroupArn]: 0 });
  });

  it("an AppSpec file ECS refuses fails at Install with ECS's reason (no network configuration for awsvpc)", async () => {
    const svc = await blueGreen('badspec');
    const workspace = workspaceFor('badspec');
    writeFileSync(
      join(workspace, 'appspec.json'),
      JSON.stringify({
        version: 0.0,
        Resources: [
          {
            TargetService: {
              Type: 'AWS::ECS::Service',
              Properties: {
                TaskDefinition: 'x',
                LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 80 },
              },
            },
          },
        ],
      }),
    );
    const result = await runAction({
      action,
      env: env(),
      workspace,
      inputs: {
        cluster: sandbox.clusterName,
        service: svc.serviceName,
        appspec: 'appspec.json',
        interval: '100ms',
      },
    });
    expect(result.exitCode).toBe(1);
    const error = result.errors.join('\n');
    expect(error).toContain('Error: ECS_UPDATE_ERROR');
    expect(error).toMatch(
      /Failed lifecycle event: Install — UnknownError: InvalidParameterException: Network Configuration must be provided/,
    );
    expect(result.summary).toContain('| Install | Failed |');
    expect(await prod(svc)).toEqual({ [svc.blueTargetGroupArn]: 1 });
  });

  it('a wait that times out leaves the deployment to the post step, which stops it with a rollback', async () => {
    const svc = await blueGreen('timeout');
    sim.setScenario(svc.applicationName, svc.deploymentGroupName, { holdAt: 'AfterInstall' });
    const { main, post } = await runWithPost({
      action,
      env: env(),
      inputs: {
        cluster: sandbox.clusterName,
        service: svc.serviceName,
        image: IMAGE,
        interval: '200ms',
        timeout: '2s',
      },
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs.status).toBe('timed-out');
    expect(main.errors.join('\n')).toMatch(/Timed out after 2s waiting for CodeDeploy deployment d-\w+/);
    expect(main.errors.join('\n')).toContain('InProgress at AfterInstall');
    expect(main.summary).toContain('the post step stops it with a rollback');
    const deployment = sim.deployments.get(main.outputs['deployment-id']!)!;
    expect(post.exitCode).toBe(0);
    expect(deployment.status).toBe('Stopped');
    expect(deployment.stopRequested).toEqual({ autoRollbackEnabled: true });
    expect(await prod(svc)).toEqual({ [svc.blueTargetGroupArn]: 1 });
  });

  it('promotes an existing revision: no RegisterTaskDefinition, named application and group', async () => {
    const svc = await blueGreen('promote');
    const result = await runAction({
      action,
      env: env(),
      inputs: {
        cluster: sandbox.clusterName,
        service: svc.serviceName,
        'task-definition-arn': sandbox.taskDefinitionArn,
        'codedeploy-application': svc.applicationName,
        'codedeploy-deployment-group': svc.deploymentGroupName,
        'wait-until': 'traffic-shifted',
        'deployment-config': 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
        interval: '100ms',
      },
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs['task-definition-arn']).toBe(sandbox.taskDefinitionArn);
    expect(result.outputs.status).toBe('traffic-shifted');
    expect(proxy.counts()['ecs:RegisterTaskDefinition']).toBeUndefined();
    expect(sim.counts().ListApplications).toBeUndefined();
    const deployment = sim.deployments.get(result.outputs['deployment-id']!)!;
    expect(deployment.appSpec.Resources?.[0]?.TargetService?.Properties?.TaskDefinition).toBe(
      sandbox.taskDefinitionArn,
    );
    expect(deployment.deploymentConfigName).toBe('CodeDeployDefault.ECSLinear10PercentEvery1Minutes');
    // Traffic shifted, blue termination not waited out.
    expect(deployment.status).toBe('InProgress');
    expect(await prod(svc)).toEqual({ [svc.greenTargetGroupArn]: 1, [svc.blueTargetGroupArn]: 0 });
  });
});

describe('deploy: mode revert (the deploy workflow rolling back an earlier wave)', () => {
  it('puts a blue/green service back on its previous revision with a CodeDeploy deployment, ignoring the bake settings; a second revert does nothing', async () => {
    const svc = await blueGreen('revert');
    const before = (await describeService(svc.serviceName)).taskDefinition!;
    const deployed = await runAction({
      action,
      env: env(),
      inputs: {
        cluster: sandbox.clusterName,
        service: svc.serviceName,
        image: `${IMAGE}-wave`,
        interval: '100ms',
      },
    });
    expect(deployed.outputs.status).toBe('succeeded');
    expect((await describeService(svc.serviceName)).taskDefinition).toBe(
      deployed.outputs['task-definition-arn'],
    );
    // The environments file of the wave has a bake and alarms: a revert watches nothing, whatever they say.
    const workspace = workspaceFor('revert');
    mkdirSync(join(workspace, '.github'), { recursive: true });
    writeFileSync(
      join(workspace, '.github', 'ecs-environments.yml'),
      `environments:\n  production:\n    cluster: ${sandbox.clusterName}\n    bake: 10m\n    alarms: [no-such-alarm]\n    rollback-on-alarm: true\n    wait-until: test-traffic\n    interval: 100ms\n`,
    );
    const revert = {
      mode: 'revert',
      environment: 'production',
      service: svc.serviceName,
      'task-definition-arn': before,
    };
    proxy.resetCounts();
    const reverted = await runAction({ action, env: env(), workspace, inputs: revert });
    expect(reverted.errors).toEqual([]);
    expect(reverted.outputs.status).toBe('rolled-back');
    const deployment = sim.deployments.get(reverted.outputs['deployment-id']!)!;
    expect(deployment.status).toBe('Succeeded');
    expect(deployment.appSpec.Resources?.[0]?.TargetService?.Properties?.TaskDefinition).toBe(before);
    expect((await describeService(svc.serviceName)).taskDefinition).toBe(before);
    expect(proxy.counts()['ecs:RegisterTaskDefinition']).toBeUndefined();
    expect(proxy.counts()['monitoring:DescribeAlarms']).toBeUndefined();
    const again = await runAction({ action, env: env(), workspace, inputs: revert });
    expect(again.outputs.status).toBe('rolled-back');
    expect(again.outputs['deployment-id']).toBeUndefined();
    expect(again.summary).toContain(`nothing to do: the service already runs ${before}`);
    // A revert without the revision to go back to is refused before anything.
    const bare = await runAction({
      action,
      env: env(),
      workspace,
      inputs: { ...revert, 'task-definition-arn': '' },
    });
    expect(bare.errors.join('\n')).toContain("Input 'task-definition-arn' is required with mode: revert");
  });
});

describe('deploy: rolling update (moto)', () => {
  it('updates the service to the new revision and follows its rollout to completion', async () => {
    const result = await runAction({
      action,
      env: env(),
      inputs: { cluster: sandbox.clusterName, service: sandbox.serviceName, image: IMAGE, interval: '100ms' },
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs.controller).toBe('ECS');
    expect(result.outputs.strategy).toBe('ROLLING');
    expect(result.outputs.status).toBe('succeeded');
    expect(result.outputs['deployment-id']).toMatch(/^ecs-svc\//);
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: sandbox.clusterName, services: [sandbox.serviceName] }),
    );
    expect(services?.[0]?.taskDefinition).toBe(result.outputs['task-definition-arn']);
    expect(proxy.counts()).toMatchObject({ 'ecs:UpdateService': 1, 'ecs:RegisterTaskDefinition': 1 });
    expect(proxy.counts()['ecs:DescribeServices']).toBeGreaterThanOrEqual(2);
    expect(result.summary).toContain('| Rollout | done |');
    expect(sim.counts()).toEqual({});
  });

  it('bake: an alarm that fires during the bake fails the step and, with rollback-on-alarm, puts the service back', async () => {
    const cloudwatch = new CloudWatchClient(awsClientConfig(moto.endpoint, sandbox.region));
    const alarm = `web-5xx-${sandbox.name}`;
    await createFiveXxAlarm(cloudwatch, alarm);
    const before = (await describeService(sandbox.serviceName)).taskDefinition;
    const inputs = {
      cluster: sandbox.clusterName,
      service: sandbox.serviceName,
      image: `${IMAGE}-bake`,
      interval: '100ms',
      bake: '20s',
      alarms: alarm,
      'rollback-on-alarm': 'true',
    };
    const started = startAction({ action, env: env(), inputs });
    // The deployment finishes at once in moto; then, during the bake, the alarm fires.
    await new Promise((r) => setTimeout(r, 2_000));
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: alarm,
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 42 errors',
      }),
    );
    const result = await started.result;
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('rolled-back');
    expect(result.outputs['previous-task-definition-arn']).toBe(before);
    expect(result.errors.join('\n')).toMatch(
      new RegExp(`Alarm '${alarm}' went to ALARM .* into the bake \\(Threshold Crossed: 42 errors\\)`),
    );
    expect((await describeService(sandbox.serviceName)).taskDefinition).toBe(before);
    expect(result.summary).toContain(
      `| Rolled back | the service runs ${before} again (rollback-on-alarm) |`,
    );

    // With the alarm back to OK, the same deploy bakes and succeeds; a missing alarm is refused before anything.
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'OK', StateReason: 'fine' }),
    );
    const calm = await runAction({ action, env: env(), inputs: { ...inputs, bake: '300ms' } });
    expect(calm.errors).toEqual([]);
    expect(calm.outputs.status).toBe('succeeded');
    expect(calm.summary).toContain(`| Bake | 300ms, alarms ${alarm}: none in ALARM |`);
    proxy.resetCounts();
    const typo = await runAction({ action, env: env(), inputs: { ...inputs, alarms: `${alarm}-typo` } });
    expect(typo.errors.join('\n')).toContain(`Input 'alarms': no CloudWatch alarm named '${alarm}-typo'`);
    expect(proxy.counts()['monitoring:DescribeAlarms']).toBe(1);
    expect(proxy.counts()['ecs:RegisterTaskDefinition']).toBeUndefined();
    expect(proxy.counts()['ecs:UpdateService']).toBeUndefined();
    cloudwatch.destroy();
  });

  it('the post step of an interrupted rolling update points the service back at its previous revision', async () => {
    // moto completes rollouts at once, so the interruption is the state main saves before it waits.
    const before = await ecs.send(
      new DescribeServicesCommand({ cluster: sandbox.clusterName, services: [sandbox.serviceName] }),
    );
    const current = before.services![0]!.taskDefinition!;
    const inFlight = {
      kind: 'rolling',
      cluster: sandbox.clusterName,
      service: sandbox.serviceName,
      previousTaskDefinition: sandbox.taskDefinitionArn,
      taskDefinitionArn: current,
    };
    const post = await runAction({
      action,
      env: env(),
      entry: 'post',
      state: { 'in-flight': JSON.stringify(inFlight), region: sandbox.region },
    });
    expect(post.exitCode).toBe(0);
    expect(post.summary).toContain(
      `Rolled service ${sandbox.serviceName} back to ${sandbox.taskDefinitionArn}`,
    );
    const after = await ecs.send(
      new DescribeServicesCommand({ cluster: sandbox.clusterName, services: [sandbox.serviceName] }),
    );
    expect(after.services![0]!.taskDefinition).toBe(sandbox.taskDefinitionArn);
    expect(proxy.counts()).toEqual({ 'ecs:UpdateService': 1 });
  });

  it('reads settings from the environments file, the step input winning', async () => {
    const workspace = workspaceFor('config');
    mkdirSync(join(workspace, '.github'), { recursive: true });
    writeFileSync(
      join(workspace, '.github', 'ecs-environments.yml'),
      `defaults:\n  region: ${sandbox.region}\nenvironments:\n  staging:\n    cluster: ${sandbox.clusterName}\n    service: ${sandbox.serviceName}\n    wait-until: none\n    interval: 100ms\n`,
    );
    const result = await runAction({
      action,
      env: env(),
      workspace,
      inputs: {
        environment: 'staging',
        'task-definition-arn': sandbox.taskDefinitionArn,
        'wait-until': 'complete',
      },
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs.status).toBe('succeeded');
    const plan = await runAction({
      action,
      workspace,
      inputs: { environment: 'staging', mode: 'plan' },
    });
    expect(plan.errors).toEqual([]);
    expect(JSON.parse(plan.outputs.waves!)).toEqual([
      { name: 'staging', services: [sandbox.serviceName], gate: 'none' },
    ]);
    // Without AWS credentials it plans all the same; with them it also records what each service runs now.
    expect(plan.stdout).toContain('No AWS credentials: the current revisions of the services were not read.');
    expect(JSON.parse(plan.outputs.previous!)).toEqual({});
    const planned = await runAction({
      action,
      env: env(),
      workspace,
      inputs: { environment: 'staging', mode: 'plan' },
    });
    expect(planned.errors).toEqual([]);
    expect(JSON.parse(planned.outputs.previous!)).toEqual({
      [sandbox.serviceName]: (await describeService(sandbox.serviceName)).taskDefinition,
    });
    // A service that is not there fails the plan before anything is built.
    writeFileSync(
      join(workspace, '.github', 'ecs-environments.yml'),
      `defaults:\n  region: ${sandbox.region}\nenvironments:\n  staging:\n    cluster: ${sandbox.clusterName}\n    service: [${sandbox.serviceName}, web-typo]\n`,
    );
    const typo = await runAction({
      action,
      env: env(),
      workspace,
      inputs: { environment: 'staging', mode: 'plan' },
    });
    expect(typo.errors).toEqual([
      `No active service 'web-typo' in cluster ${sandbox.clusterName}: check the environment's 'waves' or 'service'. Nothing was built or deployed.`,
    ]);
  });
});
