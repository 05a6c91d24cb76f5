import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import {
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from './clients.js';
import { findMoto, type Moto, repoRoot, startMoto } from './moto.js';
import { createSandbox, SANDBOX_IMAGE, type Sandbox } from './sandbox.js';

let moto: Moto;
let ec2: EC2Client;
let ecs: ECSClient;
let elbv2: ElasticLoadBalancingV2Client;
let acm: ACMClient;

beforeAll(async () => {
  moto = await startMoto();
  console.info(`moto (${moto.mode}) answered on ${moto.endpoint} after ${moto.startupMs} ms`);
  const config = awsClientConfig(moto.endpoint);
  ec2 = new EC2Client(config);
  ecs = new ECSClient(config);
  elbv2 = new ElasticLoadBalancingV2Client(config);
  acm = new ACMClient(config);
});

afterAll(async () => {
  for (const client of [ec2, ecs, elbv2, acm]) client?.destroy();
  await moto?.stop();
});

describe('startMoto', () => {
  it('listens on 127.0.0.1 and answers the moto API', async () => {
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(moto.endpoint).toBe(`http://127.0.0.1:${moto.port}`);
    expect(moto.startupMs).toBeGreaterThan(0);
    const res = await fetch(`${moto.endpoint}/moto-api/`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  });

  it('falls back to the moto_server CLI, polled until it answers', async () => {
    const cli = await startMoto({ mode: 'cli' });
    try {
      expect(cli.mode).toBe('cli');
      expect(cli.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = new ECSClient(awsClientConfig(cli.endpoint));
      const clusters = await client.send(new ListClustersCommand({}));
      client.destroy();
      expect(clusters.clusterArns).toEqual([]);
    } finally {
      await cli.stop();
    }
    await expect(fetch(`${cli.endpoint}/moto-api/`)).rejects.toThrow();
  });

  it('stops, and stop() is idempotent', async () => {
    const other = await startMoto();
    expect(other.port).not.toBe(moto.port);
    await other.stop();
    await other.stop();
    await expect(fetch(`${other.endpoint}/moto-api/`)).rejects.toThrow();
  });
});

describe('moto_launcher.py', () => {
  const launch = (args: string[]) => {
    const found = findMoto();
    if (found.mode !== 'launcher') throw new Error('these tests need the .venv (bash scripts/setup.sh)');
    const child = spawn(found.python, [join(repoRoot, 'test/harness/aws/moto_launcher.py'), ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const ready = new Promise<{ port: number }>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString('utf8'))));
      child.once('exit', () => reject(new Error('launcher exited before its ready line')));
    });
    return { child, ready, exited };
  };

  it('exits by itself when its stdin closes (the parent died)', async () => {
    const { child, ready, exited } = launch([]);
    const { port } = await ready;
    expect(port).toBeGreaterThan(0);
    child.stdin.end();
    const code = await Promise.race([exited, sleep(10_000).then(() => 'still running')]);
    child.kill('SIGKILL');
    expect(code).toBe(0);
  });

  it('exits by itself when the parent process is killed', async () => {
    const found = findMoto();
    if (found.mode !== 'launcher') throw new Error('this test needs the .venv (bash scripts/setup.sh)');
    // A parent that starts the launcher, reports its pid, then gets SIGKILLed (no cleanup code runs).
    const script = `
      const { spawn } = require('node:child_process');
      const moto = spawn(process.argv[1], [process.argv[2]], { stdio: ['pipe', 'pipe', 'inherit'] });
      moto.stdout.once('data', (line) => process.stdout.write(line));
      setInterval(() => {}, 1000);`;
    const parent = spawn(
      process.execPath,
      ['-e', script, found.python, join(repoRoot, 'test/harness/aws/moto_launcher.py')],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const { pid } = await new Promise<{ pid: number }>((resolve) =>
      parent.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString('utf8')))),
    );
    expect(isAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(50);
    const survived = isAlive(pid);
    if (survived) process.kill(pid, 'SIGKILL');
    expect(survived).toBe(false);
  });

  it('exits by itself after its maximum lifetime', async () => {
    const { child, ready, exited } = launch(['--max-lifetime', '1']);
    await ready;
    const code = await Promise.race([exited, sleep(10_000).then(() => 'still running')]);
    child.kill('SIGKILL');
    expect(code).toBe(0);
  });
});

describe('createSandbox', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    const started = performance.now();
    sandbox = await createSandbox(moto.endpoint, { name: 'moto-test' });
    console.info(`sandbox ${sandbox.name} created in ${Math.round(performance.now() - started)} ms`);
  });

  it('creates a VPC with DNS support and DNS hostnames, and two subnets in two AZs', async () => {
    expect(sandbox.name).toMatch(/^moto-test-[0-9a-f]{6}$/);
    const vpcs = await ec2.send(new DescribeVpcsCommand({ VpcIds: [sandbox.vpcId] }));
    expect(vpcs.Vpcs?.[0]?.CidrBlock).toBe('10.0.0.0/16');
    const hostnames = await ec2.send(
      new DescribeVpcAttributeCommand({ VpcId: sandbox.vpcId, Attribute: 'enableDnsHostnames' }),
    );
    expect(hostnames.EnableDnsHostnames?.Value).toBe(true);
    const support = await ec2.send(
      new DescribeVpcAttributeCommand({ VpcId: sandbox.vpcId, Attribute: 'enableDnsSupport' }),
    );
    expect(support.EnableDnsSupport?.Value).toBe(true);

    const subnets = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: sandbox.subnetIds }));
    expect(subnets.Subnets).toHaveLength(2);
    const zones = new Set(subnets.Subnets?.map((s) => s.AvailabilityZone));
    expect(zones.size).toBe(2);
    expect([...zones].sort()).toEqual([...sandbox.availabilityZones].sort());
    for (const subnet of subnets.Subnets ?? []) expect(subnet.VpcId).toBe(sandbox.vpcId);
  });

  it('creates an internet-facing ALB across both subnets with the security group', async () => {
    const lbs = await elbv2.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [sandbox.loadBalancerArn] }),
    );
    const lb = lbs.LoadBalancers?.[0];
    expect(lb?.Scheme).toBe('internet-facing');
    expect(lb?.Type).toBe('application');
    expect(lb?.VpcId).toBe(sandbox.vpcId);
    expect(lb?.DNSName).toBe(sandbox.loadBalancerDnsName);
    expect(lb?.SecurityGroups).toEqual([sandbox.securityGroupId]);
    expect(lb?.AvailabilityZones?.map((z) => z.SubnetId).sort()).toEqual([...sandbox.subnetIds].sort());
  });

  it('creates HTTP :80 and HTTPS :443 listeners with a fixed 404 default and a rule to the target group', async () => {
    const listeners = await elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: sandbox.loadBalancerArn }),
    );
    const byPort = new Map(listeners.Listeners?.map((l) => [l.Port, l]));
    expect([...byPort.keys()].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([80, 443]);
    const http = byPort.get(80)!;
    expect(http.ListenerArn).toBe(sandbox.httpListenerArn);
    expect(http.Protocol).toBe('HTTP');
    expect(http.DefaultActions?.[0]?.Type).toBe('fixed-response');
    expect(http.DefaultActions?.[0]?.FixedResponseConfig?.StatusCode).toBe('404');

    expect(sandbox.httpsListenerArn).toBeDefined();
    const https = byPort.get(443)!;
    expect(https.ListenerArn).toBe(sandbox.httpsListenerArn);
    expect(https.Protocol).toBe('HTTPS');
    expect(https.Certificates?.[0]?.CertificateArn).toBe(sandbox.certificateArn);
    const cert = await acm.send(new DescribeCertificateCommand({ CertificateArn: sandbox.certificateArn }));
    expect(cert.Certificate?.DomainName).toBe('*.preview.example.com');
    expect(cert.Certificate?.Status).toBe('ISSUED');

    for (const listenerArn of [sandbox.httpListenerArn, sandbox.httpsListenerArn!]) {
      const rules = await elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
      const forward = rules.Rules?.find((r) => !r.IsDefault);
      expect(forward?.Priority).toBe('1');
      expect(forward?.Conditions?.[0]?.HostHeaderConfig?.Values).toEqual([sandbox.hostName]);
      expect(forward?.Actions?.[0]?.TargetGroupArn).toBe(sandbox.targetGroupArn);
    }

    const tgs = await elbv2.send(
      new DescribeTargetGroupsCommand({ TargetGroupArns: [sandbox.targetGroupArn] }),
    );
    const tg = tgs.TargetGroups?.[0];
    expect(tg).toMatchObject({ TargetType: 'ip', Protocol: 'HTTP', Port: 80, HealthCheckPath: '/' });
    expect(tg?.VpcId).toBe(sandbox.vpcId);
    // moto quirk: the ALB is listed once per rule forwarding to the group (twice here); AWS lists it once.
    expect([...new Set(tg?.LoadBalancerArns)]).toEqual([sandbox.loadBalancerArn]);
  });

  it('registers a Fargate task definition whose containers all have memoryReservation', async () => {
    const td = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: sandbox.taskDefinitionArn }),
    );
    const def = td.taskDefinition;
    expect(def?.family).toBe(sandbox.taskDefinitionFamily);
    expect(def).toMatchObject({ networkMode: 'awsvpc', cpu: '256', memory: '512' });
    expect(def?.requiresCompatibilities).toEqual(['FARGATE']);
    expect(def?.containerDefinitions?.map((c) => c.name)).toEqual(['web']);
    const web = def?.containerDefinitions?.[0];
    expect(web?.image).toBe(SANDBOX_IMAGE);
    expect(web?.portMappings).toEqual([expect.objectContaining({ containerPort: 80, protocol: 'tcp' })]);
    for (const container of def?.containerDefinitions ?? [])
      expect(container.memoryReservation).toBeGreaterThan(0);
  });

  it('creates an ACTIVE, stable Fargate service behind the target group', async () => {
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: sandbox.clusterName, services: [sandbox.serviceName] }),
    );
    expect(described.failures).toEqual([]);
    const service = described.services?.[0];
    expect(service?.serviceArn).toBe(sandbox.serviceArn);
    expect(service?.clusterArn).toBe(sandbox.clusterArn);
    expect(service?.status).toBe('ACTIVE');
    expect(service?.launchType).toBe('FARGATE');
    expect(service?.taskDefinition).toBe(sandbox.taskDefinitionArn);
    expect(service?.desiredCount).toBe(1);
    expect(service?.runningCount).toBe(1);
    expect(service?.deployments).toHaveLength(1);
    expect(service?.loadBalancers).toEqual([
      { targetGroupArn: sandbox.targetGroupArn, containerName: 'web', containerPort: 80 },
    ]);
    const vpcConfig = service?.networkConfiguration?.awsvpcConfiguration;
    expect(vpcConfig?.subnets?.slice().sort()).toEqual([...sandbox.subnetIds].sort());
    expect(vpcConfig?.securityGroups).toEqual([sandbox.securityGroupId]);
    expect(vpcConfig?.assignPublicIp).toBe('ENABLED');
  });

  it('two sandboxes in one moto do not collide', async () => {
    const [a, b] = await Promise.all([createSandbox(moto.endpoint), createSandbox(moto.endpoint)]);
    expect(a.name).toMatch(/^sbx-[0-9a-f]{6}$/);
    expect(a.name).not.toBe(b.name);
    for (const key of ['vpcId', 'loadBalancerArn', 'clusterArn', 'serviceArn', 'targetGroupArn'] as const) {
      expect(a[key]).not.toBe(b[key]);
    }
    expect(new Set([a.subnetIds, b.subnetIds, sandbox.subnetIds].flat()).size).toBe(6);
    const clusters = await ecs.send(new ListClustersCommand({}));
    expect(clusters.clusterArns).toEqual(
      expect.arrayContaining([a.clusterArn, b.clusterArn, sandbox.clusterArn]),
    );
    for (const s of [a, b]) {
      const services = await ecs.send(new ListServicesCommand({ cluster: s.clusterName }));
      expect(services.serviceArns).toEqual([s.serviceArn]);
    }
  });

  // Last in this file: reset() wipes everything in this moto.
  it('reset() clears all state', async () => {
    await moto.reset();
    await expect(ec2.send(new DescribeVpcsCommand({ VpcIds: [sandbox.vpcId] }))).rejects.toMatchObject({
      name: 'InvalidVpcID.NotFound',
    });
    const clusters = await ecs.send(new ListClustersCommand({}));
    expect(clusters.clusterArns).toEqual([]);
    const lbs = await elbv2.send(new DescribeLoadBalancersCommand({}));
    expect(lbs.LoadBalancers).toEqual([]);
    // And the emulator is usable again right away.
    const again = await createSandbox(moto.endpoint);
    const after = await ecs.send(new ListClustersCommand({}));
    expect(after.clusterArns).toEqual([again.clusterArn]);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
