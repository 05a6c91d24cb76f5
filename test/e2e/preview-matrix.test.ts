// The preview lifecycle from the starting points users really have (issue: first contact). Each case runs
// create → no-op re-run → image update → destroy → destroy again through the bundles, behind the realism
// layer, and checks what exists in moto after each step.
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { choosePriority } from '../../actions/preview-create/src/priority.js';
import { createClients } from '../harness/aws/clients.js';
import {
  bridgeService,
  crowdedListener,
  freshAlb,
  sharedListener,
  sidecarTaskDefinition,
  templateService,
} from '../harness/aws/starting-points.js';
import {
  CREATE,
  callTotals,
  DESTROY,
  IMAGE,
  type PreviewWorld,
  REPOSITORY,
  runForPr,
  taggedFor,
  usePreviewWorld,
} from './preview-env.js';

const world = usePreviewWorld();
const IMAGE_2 = `${IMAGE.split(':')[0]}:2222222`;

/** Inputs that point preview-create at a listener, with the rest from `extra`. */
function inputsFor(w: PreviewWorld, listenerArn: string, extra: Record<string, string>) {
  return {
    cluster: w.sandbox.clusterName,
    'listener-arn': listenerArn,
    host: 'pr-{pr}.preview.example.com',
    image: IMAGE,
    'poll-interval': '200ms',
    timeout: '30s',
    ...extra,
  };
}

/**
 * The whole lifecycle; returns the first create's outputs and the service as ECS described it after the
 * create, so each case can assert what its starting point must carry into the preview.
 */
async function lifecycle(
  pr: number,
  listeners: string | string[],
  extra: Record<string, string>,
  budget = 15,
) {
  const w = world();
  const pool = [listeners].flat();
  const listenerArn = pool.join(',');
  const inputs = inputsFor(w, listenerArn, extra);
  w.proxy.resetCounts();
  const first = await runForPr(w, CREATE, pr, inputs);
  expect(first.errors).toEqual([]);
  expect(first.exitCode).toBe(0);
  expect(first.outputs.created).toBe('true');
  expect(callTotals(w).total).toBeLessThanOrEqual(budget);
  let env = await taggedFor(w, pr, pool);
  const created = env;
  expect(env.services.map((s) => s.taskDefinition)).toEqual([first.outputs['task-definition-arn']]);
  expect(env.targetGroups.map((g) => g.TargetGroupArn)).toEqual([first.outputs['target-group-arn']]);
  expect(env.rules.map((r) => r.RuleArn)).toEqual([first.outputs['rule-arn']]);
  expect(env.rules[0]!.Conditions?.[0]?.HostHeaderConfig?.Values).toEqual([`pr-${pr}.preview.example.com`]);
  // Read through the proxy, which restores what moto forgets (a service's capacity-provider strategy).
  const viaProxy = createClients(w.proxy.endpoint, w.sandbox.region);
  const { services } = await viaProxy.ecs
    .send(
      new DescribeServicesCommand({
        cluster: w.sandbox.clusterName,
        services: [first.outputs['service-arn']!],
      }),
    )
    .finally(() => viaProxy.destroy());
  const service = services![0]!;
  const revision = await describeRevision(first.outputs['task-definition-arn']!);

  w.proxy.resetCounts();
  const again = await runForPr(w, CREATE, pr, inputs);
  expect(again.exitCode).toBe(0);
  expect(again.outputs.created).toBe('false');
  expect(callTotals(w).mutating).toEqual([]);

  w.proxy.resetCounts();
  const updated = await runForPr(w, CREATE, pr, { ...inputs, image: IMAGE_2 });
  expect(updated.errors).toEqual([]);
  expect(updated.outputs['task-definition-arn']).not.toBe(first.outputs['task-definition-arn']);
  env = await taggedFor(w, pr, pool);
  expect(env.services.map((s) => s.taskDefinition)).toEqual([updated.outputs['task-definition-arn']]);
  expect(env.rules).toHaveLength(1);

  const destroyed = await runForPr(w, DESTROY, pr, {
    cluster: w.sandbox.clusterName,
    'listener-arn': listenerArn,
  });
  expect(destroyed.errors).toEqual([]);
  expect(destroyed.outputs.destroyed).toBe('true');
  expect(await taggedFor(w, pr, pool)).toEqual({
    services: [],
    targetGroups: [],
    rules: [],
    taskDefinitions: [],
  });
  w.proxy.resetCounts();
  const twice = await runForPr(w, DESTROY, pr, {
    cluster: w.sandbox.clusterName,
    'listener-arn': listenerArn,
  });
  expect(twice.exitCode).toBe(0);
  expect(twice.outputs.destroyed).toBe('false');
  expect(callTotals(w).mutating).toEqual([]);
  return {
    first,
    updated,
    service,
    revision,
    rule: created.rules[0]!,
    targetGroup: created.targetGroups[0]!,
  };
}

async function describeRevision(arn: string) {
  const { taskDefinition } = await world().clients.ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: arn }),
  );
  return taskDefinition!;
}

describe('preview lifecycle from realistic starting points', () => {
  it('1. a fresh ALB: HTTPS listener only, fixed-response default, no target groups yet', async () => {
    const alb = await freshAlb(world().moto.endpoint, world().sandbox);
    await lifecycle(601, alb.listenerArn, { 'template-service': world().sandbox.serviceName });
  });

  it("2. a listener shared with other teams: their rules in the preview range (one at this PR's first choice, one with 5 conditions), a default that forwards to production", async () => {
    const pr = 602;
    const first = choosePriority(new Set(), [10000, 49999], `${REPOSITORY}#${pr}`);
    const occupied = [first!, 10000, 10001, 25000, 49999];
    const shared = await sharedListener(world().moto.endpoint, world().sandbox, occupied);
    const { rule } = await lifecycle(pr, shared.listenerArn, {
      'template-service': world().sandbox.serviceName,
    });
    const { Rules = [] } = await world().clients.elbv2.send(
      new DescribeRulesCommand({ ListenerArn: shared.listenerArn }),
    );
    // Their rules and default action are as they were; ours took another priority while it lived.
    expect(
      Rules.filter((r) => !r.IsDefault)
        .map((r) => r.RuleArn)
        .sort(),
    ).toEqual([...shared.otherRuleArns].sort());
    expect(Rules.find((r) => r.IsDefault)?.Actions?.[0]?.TargetGroupArn).toBe(
      shared.productionTargetGroupArn,
    );
    expect(Rules.find((r) => r.RuleArn === shared.otherRuleArns[0])?.Conditions).toHaveLength(2);
    expect(occupied).not.toContain(Number(rule.Priority));
    expect(Number(rule.Priority)).toBeGreaterThanOrEqual(10000);
  });

  it('3. a listener with 90 other previews: rules and target groups take several pages, within the call budget', async () => {
    const crowded = await crowdedListener(world().moto.endpoint, world().sandbox, 90, 'octo-org/other');
    await lifecycle(603, crowded.listenerArn, { 'template-service': world().sandbox.serviceName });
  });

  it('4a. no template service: the task definition from a file, subnets and security groups as inputs', async () => {
    const w = world();
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'matrix-td-'));
    try {
      const file = join(dir, 'web.yml');
      const base = await describeRevision(w.sandbox.taskDefinitionArn);
      // As `aws ecs describe-task-definition` prints it, in YAML.
      const { stringify } = await import('yaml');
      writeFileSync(file, stringify({ taskDefinition: base }));
      const { service } = await lifecycle(604, w.sandbox.httpsListenerArn!, {
        'task-definition': file,
        subnets: w.sandbox.subnetIds.join(','),
        'security-groups': w.sandbox.securityGroupId,
      });
      expect(service.networkConfiguration?.awsvpcConfiguration?.subnets?.sort()).toEqual(
        [...w.sandbox.subnetIds].sort(),
      );
      expect(service.launchType).toBe('FARGATE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('4b. a template service in another cluster, named by its ARN', async () => {
    const w = world();
    const other = await templateService(w.moto.endpoint, w.sandbox, {
      name: 'elsewhere',
      cluster: `${w.sandbox.name}-shared`,
    });
    // One DescribeServices more than the budget of 15: the template is read in its own cluster.
    const { service } = await lifecycle(
      605,
      w.sandbox.httpsListenerArn!,
      { 'template-service': other.serviceArn },
      16,
    );
    expect(service.networkConfiguration?.awsvpcConfiguration?.subnets?.sort()).toEqual(
      [...w.sandbox.subnetIds].sort(),
    );
  });

  it('5. a template service on FARGATE_SPOT with a platform version: both copied', async () => {
    const w = world();
    // Through the proxy, which keeps the strategy that moto forgets (AWS reports it in DescribeServices).
    const spot = await templateService(w.proxy.endpoint, w.sandbox, {
      name: 'spot',
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
        { capacityProvider: 'FARGATE', weight: 1, base: 1 },
      ],
      platformVersion: '1.4.0',
    });
    const { service } = await lifecycle(606, w.sandbox.httpsListenerArn!, {
      'template-service': spot.serviceName,
    });
    expect(service.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 0 },
      { capacityProvider: 'FARGATE', weight: 1, base: 1 },
    ]);
    expect(service.launchType ?? '').toBe('');
    expect(service.platformVersion).toBe('1.4.0');
  });

  it('6. a sidecar, secrets, awslogs and ARM64: carried into the revision unchanged but for image and environment', async () => {
    const w = world();
    const td = await sidecarTaskDefinition(w.moto.endpoint, w.sandbox);
    const template = await templateService(w.moto.endpoint, w.sandbox, {
      name: 'sidecar',
      taskDefinition: td.taskDefinitionArn!,
    });
    const { revision, targetGroup } = await lifecycle(607, w.sandbox.httpsListenerArn!, {
      'template-service': template.serviceName,
    });
    expect(revision.runtimePlatform).toEqual({ operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' });
    expect(revision.executionRoleArn).toBe(td.executionRoleArn);
    const [web, router] = [
      revision.containerDefinitions!.find((c) => c.name === 'web')!,
      revision.containerDefinitions!.find((c) => c.name === 'log-router')!,
    ];
    const [tdWeb, tdRouter] = [
      td.containerDefinitions!.find((c) => c.name === 'web')!,
      td.containerDefinitions!.find((c) => c.name === 'log-router')!,
    ];
    expect(router).toEqual(tdRouter);
    expect(web.image).toBe(IMAGE);
    expect(web.secrets).toEqual(tdWeb.secrets);
    expect(web.logConfiguration).toEqual(tdWeb.logConfiguration);
    expect(web.portMappings).toEqual(tdWeb.portMappings);
    expect(web.environment).toEqual(
      expect.arrayContaining([
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'PREVIEW_PR', value: '607' },
      ]),
    );
    expect(targetGroup.Port).toBe(8080);
  });

  it('7. EC2 launch type with bridge networking: a target group of type instance, no network configuration', async () => {
    const w = world();
    const bridge = await bridgeService(w.moto.endpoint, w.sandbox);
    const { revision, service, targetGroup } = await lifecycle(608, w.sandbox.httpsListenerArn!, {
      'template-service': bridge.serviceName,
    });
    expect(targetGroup.TargetType).toBe('instance');
    expect(service.launchType).toBe('EC2');
    expect(service.networkConfiguration?.awsvpcConfiguration).toBeUndefined();
    expect(revision.networkMode).toBe('bridge');
    expect(revision.containerDefinitions?.[0]?.portMappings).toEqual([
      { containerPort: 80, hostPort: 0, protocol: 'tcp' },
    ]);
  });

  it('8. a listener pool whose first ALB is at the hard limit of 100 target groups: the preview goes to the next', async () => {
    const w = world();
    const full = await freshAlb(w.moto.endpoint, w.sandbox);
    for (let i = 0; i < 100; i++) {
      const { TargetGroups } = await w.clients.elbv2.send(
        new CreateTargetGroupCommand({
          Name: `full-${w.sandbox.name}-${i}`.slice(0, 32),
          Protocol: 'HTTP',
          Port: 80,
          VpcId: w.sandbox.vpcId,
          TargetType: 'ip',
        }),
      );
      await w.clients.elbv2.send(
        new CreateRuleCommand({
          ListenerArn: full.listenerArn,
          Priority: 100 + i,
          Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [`full-${i}.example.com`] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: TargetGroups![0]!.TargetGroupArn }],
        }),
      );
    }
    const next = await freshAlb(w.moto.endpoint, w.sandbox);
    const { rule } = await lifecycle(
      609,
      [full.listenerArn, next.listenerArn],
      {
        'template-service': w.sandbox.serviceName,
      },
      17,
    );
    expect(rule.RuleArn).toContain(next.listenerArn.split('/').slice(-3, -1).join('/'));
  });
});
