import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../harness/aws/clients.js';
import { type Moto, startMoto } from '../harness/aws/moto.js';
import { type FaultProxy, startFaultProxy } from '../harness/aws/proxy.js';
import { createSandbox, type Sandbox } from '../harness/aws/sandbox.js';
import { runAction, startAction } from '../harness/runner.js';
import { deployAction } from './deploy-bundle.js';

// A rolling update that does not finish: without MOTO_ECS_SERVICE_RUNNING, moto's deployments stay
// IN_PROGRESS, so the deploy bundle keeps waiting until the job is cancelled or the timeout passes.
let moto: Moto;
let proxy: FaultProxy;
let sandbox: Sandbox;
let ecs: ECSClient;
let action: string;

beforeAll(async () => {
  action = await deployAction();
  moto = await startMoto();
  proxy = await startFaultProxy(moto.endpoint);
  sandbox = await createSandbox(moto.endpoint, { name: 'rolling' });
  ecs = new ECSClient(awsClientConfig(moto.endpoint, sandbox.region));
});
afterAll(async () => {
  ecs?.destroy();
  await proxy?.stop();
  await moto?.stop();
});

const env = () => ({
  AWS_ENDPOINT_URL: proxy.endpoint,
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: sandbox.region,
});
const taskDefinitionNow = async () =>
  (
    await ecs.send(
      new DescribeServicesCommand({ cluster: sandbox.clusterName, services: [sandbox.serviceName] }),
    )
  ).services![0]!.taskDefinition;

describe('deploy: an unfinished rolling update (moto)', () => {
  it('logs progress at a fixed interval and times out with the diagnosis; the post step reverts the service', async () => {
    proxy.resetCounts();
    const inputs = {
      cluster: sandbox.clusterName,
      service: sandbox.serviceName,
      image: 'nginx:timeout',
      interval: '200ms',
      timeout: '1s',
    };
    const main = await runAction({ action, env: env(), inputs });
    expect(main.exitCode).toBe(1);
    expect(main.outputs.status).toBe('timed-out');
    const newRevision = main.outputs['task-definition-arn']!;
    expect(await taskDefinitionNow()).toBe(newRevision);
    expect(main.stdout).toMatch(/\[\d+ms\] IN_PROGRESS: 1\/1 running/);
    expect(main.errors.join('\n')).toMatch(
      /Timed out after 1s waiting for service .* to finish its deployment/,
    );
    expect(main.errors.join('\n')).toContain('Stopped tasks: none');
    expect(main.summary).toContain('| Rollout | stopped |');
    expect(JSON.parse(main.state['in-flight']!)).toEqual({
      kind: 'rolling',
      cluster: sandbox.clusterName,
      service: sandbox.serviceName,
      previousTaskDefinition: sandbox.taskDefinitionArn,
      taskDefinitionArn: newRevision,
    });
    // Fixed interval: about one DescribeServices per 200 ms over 1 s (plus the first look at the service).
    expect(proxy.counts()['ecs:DescribeServices']).toBeGreaterThanOrEqual(5);
    expect(proxy.counts()['ecs:DescribeServices']).toBeLessThanOrEqual(9);

    const post = await runAction({ action, env: env(), inputs, entry: 'post', state: main.state });
    expect(post.exitCode).toBe(0);
    expect(await taskDefinitionNow()).toBe(sandbox.taskDefinitionArn);
  });

  it('cancel: SIGINT stops the wait, the summary says so, and the post step reverts the service', async () => {
    const inputs = {
      cluster: sandbox.clusterName,
      service: sandbox.serviceName,
      image: 'nginx:cancel',
      interval: '200ms',
    };
    const started = startAction({ action, env: env(), inputs });
    const deadline = Date.now() + 20_000;
    while (!started.child.killed && Date.now() < deadline) {
      const current = await taskDefinitionNow();
      if (current !== sandbox.taskDefinitionArn) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await taskDefinitionNow()).not.toBe(sandbox.taskDefinitionArn);
    await new Promise((r) => setTimeout(r, 500));
    started.cancel();
    const main = await started.result;
    expect(main.outputs.status).toBe('cancelled');
    expect(main.summary).toContain('The job was cancelled while waiting');
    const post = await runAction({ action, env: env(), inputs, entry: 'post', state: main.state });
    expect(post.exitCode).toBe(0);
    expect(post.summary).toContain(
      `Rolled service ${sandbox.serviceName} back to ${sandbox.taskDefinitionArn}`,
    );
    expect(await taskDefinitionNow()).toBe(sandbox.taskDefinitionArn);
  });
});
