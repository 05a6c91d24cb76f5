import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServicesCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateTargetGroupCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from './clients.js';
import { type Moto, startMoto } from './moto.js';
import { type FaultProxy, identify, isMutating, startFaultProxy } from './proxy.js';
import { createSandbox, type Sandbox } from './sandbox.js';

let moto: Moto;
let proxy: FaultProxy;
let sandbox: Sandbox;
/** Straight to moto, to read back what happened behind the proxy. */
let direct: { ecs: ECSClient; elbv2: ElasticLoadBalancingV2Client };
const clients: { destroy(): void }[] = [];

/** Clients through the proxy. maxAttempts 1 surfaces the first error; the default (3) retries. */
function viaProxy(maxAttempts?: number) {
  const config = { ...awsClientConfig(proxy.endpoint), ...(maxAttempts ? { maxAttempts } : {}) };
  const made = {
    ecs: new ECSClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    ec2: new EC2Client(config),
  };
  clients.push(made.ecs, made.elbv2, made.ec2);
  return made;
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy(moto.endpoint);
  sandbox = await createSandbox(moto.endpoint, { name: 'proxy-test' });
  const config = awsClientConfig(moto.endpoint);
  direct = { ecs: new ECSClient(config), elbv2: new ElasticLoadBalancingV2Client(config) };
  clients.push(direct.ecs, direct.elbv2);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await proxy?.stop();
  await moto?.stop();
});

afterEach(() => {
  proxy.clearFaults();
  proxy.setRateLimits({});
  proxy.resetCounts();
});

describe('identify', () => {
  it('reads the service from the credential scope and the operation from each protocol', () => {
    const auth = (service: string) => ({
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host`,
    });
    expect(
      identify(
        'POST',
        '/',
        {
          ...auth('ecs'),
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AmazonEC2ContainerServiceV20141113.CreateService',
        },
        Buffer.from('{}'),
      ),
    ).toEqual({ service: 'ecs', operation: 'CreateService', protocol: 'awsJson' });
    const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    expect(
      identify(
        'POST',
        '/',
        { ...auth('elasticloadbalancing'), ...form },
        Buffer.from('Action=CreateRule&Version=1'),
      ),
    ).toEqual({ service: 'elasticloadbalancing', operation: 'CreateRule', protocol: 'awsQuery' });
    expect(
      identify('POST', '/', { ...auth('ec2'), ...form }, Buffer.from('Action=CreateVpc&Version=1')),
    ).toEqual({
      service: 'ec2',
      operation: 'CreateVpc',
      protocol: 'ec2Query',
    });
    expect(
      identify(
        'POST',
        '/service/AmazonEC2ContainerServiceV20141113/operation/ListClusters',
        { ...auth('ecs'), 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' },
        Buffer.alloc(0),
      ),
    ).toEqual({ service: 'ecs', operation: 'ListClusters', protocol: 'rpcv2Cbor' });
  });

  it('classifies mutating operations by prefix', () => {
    for (const op of ['CreateService', 'DeleteRule', 'ModifyListener', 'RegisterTargets', 'UpdateService']) {
      expect(isMutating(op)).toBe(true);
    }
    for (const op of ['DescribeServices', 'ListTasks', 'GetDeployment', 'DescribeTargetHealth']) {
      expect(isMutating(op)).toBe(false);
    }
  });
});

describe('counting', () => {
  it('counts every call per service:operation, in order, with the protocol the SDK used', async () => {
    const { ecs, elbv2, ec2 } = viaProxy();
    for (let i = 0; i < 3; i++)
      await ecs.send(new DescribeClustersCommand({ clusters: [sandbox.clusterName] }));
    for (let i = 0; i < 2; i++) await ecs.send(new ListServicesCommand({ cluster: sandbox.clusterName }));
    await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [sandbox.targetGroupArn] }));
    await elbv2.send(
      new ModifyTargetGroupCommand({ TargetGroupArn: sandbox.targetGroupArn, HealthCheckPath: '/healthz' }),
    );
    await ec2.send(new DescribeVpcsCommand({ VpcIds: [sandbox.vpcId] }));

    expect(proxy.counts()).toEqual({
      'ecs:DescribeClusters': 3,
      'ecs:ListServices': 2,
      'elasticloadbalancing:DescribeTargetGroups': 1,
      'elasticloadbalancing:ModifyTargetGroup': 1,
      'ec2:DescribeVpcs': 1,
    });
    expect(proxy.calls.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(proxy.calls.map((c) => c.protocol)).toEqual([
      ...Array(5).fill('awsJson'),
      'awsQuery',
      'awsQuery',
      'ec2Query',
    ]);
    expect(proxy.calls.every((c) => c.outcome === 'forwarded' && c.status === 200 && !c.injected)).toBe(true);
    // The mutation went through to moto.
    const tgs = await direct.elbv2.send(
      new DescribeTargetGroupsCommand({ TargetGroupArns: [sandbox.targetGroupArn] }),
    );
    expect(tgs.TargetGroups?.[0]?.HealthCheckPath).toBe('/healthz');

    proxy.resetCounts();
    expect(proxy.counts()).toEqual({});
    expect(proxy.calls).toHaveLength(0);
  });

  it('does not count moto API requests', async () => {
    const res = await fetch(`${proxy.endpoint}/moto-api/`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(proxy.calls).toHaveLength(0);
  });
});

/** One mutating call per protocol family, safe to repeat, plus how to check it reached moto. */
const services = [
  {
    protocol: 'JSON (ECS)',
    operation: 'ecs:UpdateService',
    throttleName: 'ThrottlingException',
    call: (maxAttempts?: number) =>
      viaProxy(maxAttempts).ecs.send(
        new UpdateServiceCommand({
          cluster: sandbox.clusterName,
          service: sandbox.serviceName,
          desiredCount: 1,
        }),
      ),
  },
  {
    protocol: 'awsQuery (ELBv2)',
    operation: 'elasticloadbalancing:ModifyTargetGroup',
    throttleName: 'Throttling',
    call: (maxAttempts?: number) =>
      viaProxy(maxAttempts).elbv2.send(
        new ModifyTargetGroupCommand({
          TargetGroupArn: sandbox.targetGroupArn,
          HealthCheckIntervalSeconds: 15,
        }),
      ),
  },
] as const;

describe.each(services)('fault injection, $protocol', ({ operation, throttleName, call }) => {
  it('throttle: with maxAttempts 1 the SDK rejects with a throttling error (HTTP 400)', async () => {
    proxy.inject({ operation, fault: 'throttle' });
    const error = await call(1).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toMatchObject({
      name: throttleName,
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    expect(proxy.counts()[operation]).toBe(1);
    expect(proxy.calls[0]).toMatchObject({ injected: true, outcome: 'throttle', status: 400 });
  });

  it('throttle: with the default retry strategy the SDK retries and succeeds', async () => {
    proxy.inject({ operation, fault: 'throttle' });
    const out = await call();
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.attempts).toBe(2);
    expect(proxy.counts()[operation]).toBe(2);
    expect(proxy.calls.map((c) => c.injected)).toEqual([true, false]);
  });

  it('server-error 500 surfaces as InternalFailure with maxAttempts 1, and is retried otherwise', async () => {
    proxy.inject({ operation, fault: 'server-error' });
    await expect(call(1)).rejects.toMatchObject({
      name: 'InternalFailure',
      $metadata: { httpStatusCode: 500 },
    });
    proxy.resetCounts();
    proxy.inject({ operation, fault: 'server-error' });
    const out = await call();
    expect(out.$metadata.attempts).toBe(2);
    expect(proxy.calls.map((c) => [c.injected, c.status])).toEqual([
      [true, 500],
      [false, 200],
    ]);
  });

  it('server-error 503 surfaces as ServiceUnavailable, and is retried', async () => {
    proxy.inject({ operation, fault: 'server-error', status: 503 });
    await expect(call(1)).rejects.toMatchObject({
      name: 'ServiceUnavailable',
      $metadata: { httpStatusCode: 503 },
    });
    proxy.inject({ operation, fault: 'server-error', status: 503, times: 2 });
    const out = await call();
    expect(out.$metadata.attempts).toBe(3);
    expect(proxy.counts()[operation]).toBe(4);
  });

  it('drop: surfaces as a network error with maxAttempts 1, and is retried otherwise', async () => {
    proxy.inject({ operation, fault: 'drop' });
    await expect(call(1)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(proxy.calls[0]).toMatchObject({ injected: true, outcome: 'drop' });
    expect(proxy.calls[0]?.status).toBeUndefined();
    proxy.resetCounts();
    proxy.inject({ operation, fault: 'drop' });
    const out = await call();
    expect(out.$metadata.attempts).toBe(2);
    expect(proxy.calls.map((c) => c.outcome)).toEqual(['drop', 'forwarded']);
  });

  it('nth and times pick which calls fail, counted from when the rule was added', async () => {
    await call(1); // before the rule: not counted by it
    const rule = proxy.inject({ operation, nth: 2, times: 2, fault: 'throttle' });
    const results: string[] = [];
    for (let i = 0; i < 4; i++) {
      results.push(
        await call(1).then(
          () => 'ok',
          (err: { name: string }) => err.name,
        ),
      );
    }
    expect(results).toEqual(['ok', throttleName, throttleName, 'ok']);
    expect(rule.seen).toBe(4);
    expect(rule.injected).toBe(2);
    expect(proxy.counts()[operation]).toBe(5);
  });
});

describe('fault injection, EC2 query protocol', () => {
  it('throttles with RequestLimitExceeded (HTTP 503), as EC2 does', async () => {
    proxy.inject({ operation: 'DescribeVpcs', fault: 'throttle' });
    await expect(viaProxy(1).ec2.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      $metadata: { httpStatusCode: 503 },
    });
    proxy.inject({ operation: 'ec2:DescribeVpcs', fault: 'throttle' });
    const out = await viaProxy().ec2.send(new DescribeVpcsCommand({ VpcIds: [sandbox.vpcId] }));
    expect(out.Vpcs?.[0]?.VpcId).toBe(sandbox.vpcId);
    expect(proxy.counts()).toEqual({ 'ec2:DescribeVpcs': 3 });
  });

  it('a service-qualified rule does not match the same operation name in another service', async () => {
    proxy.inject({ operation: 'elasticloadbalancing:DescribeVpcs', fault: 'throttle', times: Infinity });
    await viaProxy(1).ec2.send(new DescribeVpcsCommand({}));
    expect(proxy.calls[0]?.injected).toBe(false);
  });
});

describe('drop-after: moto did the work, the client saw the connection die', () => {
  it('ECS CreateService', async () => {
    const serviceName = `${sandbox.name}-dropped`;
    proxy.inject({ operation: 'ecs:CreateService', fault: 'drop-after' });
    await expect(
      viaProxy(1).ecs.send(
        new CreateServiceCommand({
          cluster: sandbox.clusterName,
          serviceName,
          taskDefinition: sandbox.taskDefinitionArn,
          desiredCount: 1,
          launchType: 'FARGATE',
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: sandbox.subnetIds,
              securityGroups: [sandbox.securityGroupId],
              assignPublicIp: 'ENABLED',
            },
          },
        }),
      ),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(proxy.calls).toEqual([
      expect.objectContaining({ operation: 'CreateService', injected: true, outcome: 'drop-after' }),
    ]);
    const described = await direct.ecs.send(
      new DescribeServicesCommand({ cluster: sandbox.clusterName, services: [serviceName] }),
    );
    expect(described.services?.[0]?.status).toBe('ACTIVE');
  });

  it('ELBv2 CreateTargetGroup', async () => {
    const name = `${sandbox.name}-tg2`;
    proxy.inject({ operation: 'CreateTargetGroup', fault: 'drop-after' });
    await expect(
      viaProxy(1).elbv2.send(
        new CreateTargetGroupCommand({
          Name: name,
          TargetType: 'ip',
          Protocol: 'HTTP',
          Port: 80,
          VpcId: sandbox.vpcId,
        }),
      ),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    const tgs = await direct.elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] }));
    expect(tgs.TargetGroups?.[0]?.TargetGroupName).toBe(name);
  });
});

describe('token buckets', () => {
  const modify = (elbv2: ElasticLoadBalancingV2Client) =>
    elbv2.send(
      new ModifyTargetGroupCommand({ TargetGroupArn: sandbox.targetGroupArn, HealthCheckTimeoutSeconds: 5 }),
    );

  it('throttles mutating calls beyond the burst; reads and other services are not limited', async () => {
    proxy.setRateLimits({ 'elasticloadbalancing:mutating': { burst: 3, refillPerSecond: 0.01 } });
    const { elbv2, ecs } = viaProxy(1);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        modify(elbv2).then(
          () => 'ok',
          (err: { name: string; $metadata?: { httpStatusCode?: number } }) =>
            `${err.name} ${err.$metadata?.httpStatusCode}`,
        ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(3);
    expect(results.filter((r) => r === 'Throttling 400')).toHaveLength(2);
    expect(proxy.throttled()).toBe(2);
    expect(proxy.calls.filter((c) => c.throttled && c.outcome === 'rate-limited')).toHaveLength(2);
    expect(proxy.counts()['elasticloadbalancing:ModifyTargetGroup']).toBe(5);

    for (let i = 0; i < 5; i++) {
      await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [sandbox.targetGroupArn] }));
      await ecs.send(
        new UpdateServiceCommand({ cluster: sandbox.clusterName, service: sandbox.serviceName }),
      );
    }
    expect(proxy.throttled()).toBe(2);
  });

  it('refills over time', async () => {
    proxy.setRateLimits({ 'elasticloadbalancing:ModifyTargetGroup': { burst: 1, refillPerSecond: 2 } });
    const { elbv2 } = viaProxy(1);
    await modify(elbv2);
    await expect(modify(elbv2)).rejects.toMatchObject({ name: 'Throttling' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    await modify(elbv2);
    expect(proxy.throttled()).toBe(1);
  });

  it('the SDK retry strategy backs off and gets through', async () => {
    proxy.setRateLimits({ ecs: { burst: 2, refillPerSecond: 5 } });
    const { ecs } = viaProxy(10);
    for (let i = 0; i < 5; i++) {
      await ecs.send(
        new DescribeServicesCommand({ cluster: sandbox.clusterName, services: [sandbox.serviceName] }),
      );
    }
    expect(proxy.throttled()).toBeGreaterThan(0);
    expect(proxy.counts()['ecs:DescribeServices']).toBe(5 + proxy.throttled());
  });
});
