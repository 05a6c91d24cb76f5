// Fixtures for preview-sweep: preview environments built straight in moto with the SDK, tagged exactly
// as preview-create tags them (its tag constants and the kit's suiteTags), and an inventory of every
// resource that carries an `ecs-actions:pr` tag, read back from AWS.
import { join } from 'node:path';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AWS_BUCKETS } from '@ecs-actions/ecs/aws-limits';
import {
  keyTags,
  MANAGED_BY,
  prKey,
  suiteTags,
  TAG,
  type Tags,
  toEcsTags,
  toElbTags,
} from '@ecs-actions/kit';
import { previewNames } from '../../packages/preview/src/names.js';
import type { AwsClients } from '../harness/aws/clients.js';
import type { RateLimits } from '../harness/aws/proxy.js';
import type { Sandbox } from '../harness/aws/sandbox.js';
import { builtAction, repoRoot, runAction, type StepResult } from '../harness/runner.js';
import { awsEnv, IMAGE, type PreviewWorld, REPOSITORY, TOKEN } from './preview-env.js';

export const SWEEP = join(repoRoot, 'actions', 'preview-sweep');

/** Runs the preview-sweep bundle in a preview world the way a scheduled workflow does. */
export function sweepIn(world: PreviewWorld, inputs: Record<string, string> = {}): Promise<StepResult> {
  builtAction('preview-sweep');
  return runAction({
    action: SWEEP,
    inputs: { cluster: world.sandbox.clusterName, ...inputs },
    env: awsEnv(world),
    token: TOKEN,
    apiUrl: world.gh.url,
    repository: REPOSITORY,
    event: { name: 'schedule', payload: { schedule: '17 * * * *' } },
  });
}
export const DAY = 24 * 60 * 60 * 1000;

export interface SeedSpec {
  pr: number;
  /** When the environment was created; its created-at tag. */
  createdAt: Date;
  /** preview-create's ttl: expires-at = created-at + ttl. Default 7 days. */
  ttlMs?: number;
  repository?: string;
  prefix?: string;
  /** Leave the managed-by tag off (a look-alike the suite did not create). */
  unmanaged?: boolean;
  /** Which pieces to create; default all four. */
  pieces?: { service?: boolean; targetGroup?: boolean; rule?: boolean; taskDefinition?: boolean };
  /** Listener for the rule; default the sandbox's HTTPS listener. */
  listenerArn?: string;
}

export interface Seeded {
  pr: number;
  service?: string;
  serviceArn?: string | undefined;
  targetGroupArn?: string;
  ruleArn?: string;
  taskDefinitionArn?: string;
}

/** Sets tags on a seeded service (a benchmark's or test's way to move a preview's history back). */
export async function tagService(
  clients: AwsClients,
  serviceArn: string,
  tags: Record<string, string>,
): Promise<void> {
  await clients.ecs.send(
    new TagResourceCommand({
      resourceArn: serviceArn,
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    }),
  );
}

/** The one place environments are built without preview-create: same names, same tags, same shape. */
export async function seedPreview(clients: AwsClients, sandbox: Sandbox, spec: SeedSpec): Promise<Seeded> {
  const prefix = spec.prefix ?? REPOSITORY.split('/')[1]!;
  const names = previewNames(prefix, prKey(spec.pr));
  const host = `pr-${spec.pr}.preview.example.com`;
  const tags: Tags = {
    ...suiteTags({
      repository: spec.repository ?? REPOSITORY,
      keyTags: keyTags(prKey(spec.pr)),
      namePrefix: prefix,
      now: spec.createdAt,
      ttlMs: spec.ttlMs ?? 7 * DAY,
    }),
    [TAG.host]: host,
  };
  if (spec.unmanaged) delete tags[TAG.managedBy];
  const pieces = { service: true, targetGroup: true, rule: true, taskDefinition: true, ...spec.pieces };
  const seeded: Seeded = { pr: spec.pr };
  const spec256 = `seeded-${spec.pr}`;

  if (pieces.targetGroup || pieces.service) {
    const { TargetGroups } = await clients.elbv2.send(
      new CreateTargetGroupCommand({
        Name: names.targetGroup,
        Protocol: 'HTTP',
        Port: 80,
        VpcId: sandbox.vpcId,
        TargetType: 'ip',
        HealthCheckPath: '/',
        Tags: toElbTags(tags),
      }),
    );
    seeded.targetGroupArn = TargetGroups![0]!.TargetGroupArn!;
  }
  if (pieces.rule && seeded.targetGroupArn) {
    const { Rules } = await clients.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: spec.listenerArn ?? sandbox.httpsListenerArn ?? sandbox.httpListenerArn,
        Priority: 10_000 + spec.pr,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [host] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: seeded.targetGroupArn }],
        Tags: toElbTags(tags),
      }),
    );
    seeded.ruleArn = Rules![0]!.RuleArn!;
  }
  if (pieces.taskDefinition || pieces.service) {
    const { taskDefinition } = await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: names.family,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'web',
            image: IMAGE,
            memoryReservation: 128,
            portMappings: [{ containerPort: 80 }],
            environment: [{ name: 'PREVIEW_PR', value: String(spec.pr) }],
          },
        ],
        tags: toEcsTags({ ...tags, [TAG.spec]: spec256 }),
      }),
    );
    seeded.taskDefinitionArn = taskDefinition!.taskDefinitionArn!;
  }
  if (pieces.service) {
    const { service } = await clients.ecs.send(
      new CreateServiceCommand({
        cluster: sandbox.clusterName,
        serviceName: names.service,
        taskDefinition: seeded.taskDefinitionArn,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: sandbox.subnetIds, securityGroups: [sandbox.securityGroupId] },
        },
        loadBalancers: [{ targetGroupArn: seeded.targetGroupArn, containerName: 'web', containerPort: 80 }],
        propagateTags: 'SERVICE',
        enableECSManagedTags: true,
        tags: toEcsTags({ ...tags, [TAG.spec]: spec256 }),
      }),
    );
    seeded.service = names.service;
    seeded.serviceArn = service?.serviceArn;
  }
  return seeded;
}

export interface Resource {
  kind: 'service' | 'target-group' | 'listener-rule' | 'task-definition';
  id: string;
  pr: string;
  repository: string;
  prefix: string;
  managed: boolean;
}

/** Every live resource carrying an `ecs-actions:pr` tag, whoever's, sorted. */
export async function inventory(clients: AwsClients, sandbox: Sandbox): Promise<Resource[]> {
  const out: Resource[] = [];
  const add = (kind: Resource['kind'], id: string, tags: Record<string, string | undefined>) => {
    if (tags[TAG.pr] === undefined) return;
    out.push({
      kind,
      id,
      pr: tags[TAG.pr]!,
      repository: tags[TAG.repository] ?? '',
      prefix: tags[TAG.namePrefix] ?? '',
      managed: tags[TAG.managedBy] === MANAGED_BY,
    });
  };
  const record = (list: { key?: string; value?: string; Key?: string; Value?: string }[] = []) =>
    Object.fromEntries(list.map((t) => [t.key ?? t.Key, t.value ?? t.Value]));

  const serviceArns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.ecs.send(new ListServicesCommand({ cluster: sandbox.clusterName, nextToken }));
    serviceArns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  for (let i = 0; i < serviceArns.length; i += 10) {
    const { services = [] } = await clients.ecs.send(
      new DescribeServicesCommand({
        cluster: sandbox.clusterName,
        services: serviceArns.slice(i, i + 10),
        include: ['TAGS'],
      }),
    );
    for (const s of services) if (s.status !== 'INACTIVE') add('service', s.serviceName!, record(s.tags));
  }

  const groups: string[] = [];
  let marker: string | undefined;
  do {
    const page = await clients.elbv2.send(new DescribeTargetGroupsCommand({ Marker: marker }));
    groups.push(...(page.TargetGroups ?? []).map((g) => g.TargetGroupArn!));
    marker = page.NextMarker;
  } while (marker);
  const rules: string[] = [];
  for (const listener of [sandbox.httpListenerArn, sandbox.httpsListenerArn].filter(Boolean) as string[]) {
    let ruleMarker: string | undefined;
    do {
      const page = await clients.elbv2.send(
        new DescribeRulesCommand({ ListenerArn: listener, Marker: ruleMarker }),
      );
      rules.push(...(page.Rules ?? []).filter((r) => !r.IsDefault).map((r) => r.RuleArn!));
      ruleMarker = page.NextMarker;
    } while (ruleMarker);
  }
  const arns = [...groups, ...rules];
  for (let i = 0; i < arns.length; i += 20) {
    const { TagDescriptions = [] } = await clients.elbv2.send(
      new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }),
    );
    for (const d of TagDescriptions) {
      const kind = d.ResourceArn!.includes(':targetgroup/') ? 'target-group' : 'listener-rule';
      add(kind, d.ResourceArn!, record(d.Tags));
    }
  }

  const definitions: string[] = [];
  let tdToken: string | undefined;
  do {
    const page = await clients.ecs.send(
      new ListTaskDefinitionsCommand({ status: 'ACTIVE', nextToken: tdToken }),
    );
    definitions.push(...(page.taskDefinitionArns ?? []));
    tdToken = page.nextToken;
  } while (tdToken);
  for (const arn of definitions) {
    const { tags = [] } = await clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }),
    );
    add('task-definition', arn, record(tags));
  }
  return out.sort((a, b) => `${a.kind}${a.id}`.localeCompare(`${b.kind}${b.id}`));
}

/** The PR numbers (as text) that still have a resource of the given repository, managed or not. */
export function prsOf(resources: Resource[], repository = REPOSITORY): string[] {
  return [...new Set(resources.filter((r) => r.repository === repository).map((r) => r.pr))].sort(
    (a, b) => Number(a) - Number(b),
  );
}

/**
 * AWS's published buckets, from the pacer's own table (packages/ecs/src/aws-limits.ts), for the fault proxy
 * (one bucket per call: the ELB account bucket cannot be modelled), and under `ecs` the bucket the pacer
 * assumes for the other ECS calls.
 */
export const PROXY_BUCKETS: RateLimits = {
  ecs: AWS_BUCKETS['ecs:other']!,
  'elasticloadbalancing:mutating': AWS_BUCKETS['elb:mutating']!,
  'elasticloadbalancing:read': AWS_BUCKETS['elb:read']!,
  'ecs:CreateService': AWS_BUCKETS['ecs:service-changes']!,
  'ecs:UpdateService': AWS_BUCKETS['ecs:service-changes']!,
  'ecs:DeleteService': AWS_BUCKETS['ecs:service-changes']!,
  'ecs:DescribeServices': AWS_BUCKETS['ecs:DescribeServices']!,
  'ecs:RegisterTaskDefinition': AWS_BUCKETS['ecs:RegisterTaskDefinition']!,
};

/** Other teams' target groups (tagged as theirs, not the suite's), created 10 at a time. */
export async function createUnrelatedTargetGroups(
  clients: AwsClients,
  sandbox: Sandbox,
  count: number,
): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, (_, j) =>
        clients.elbv2.send(
          new CreateTargetGroupCommand({
            Name: `other-team-${i + j}`,
            Protocol: 'HTTP',
            Port: 80,
            VpcId: sandbox.vpcId,
            TargetType: 'ip',
            Tags: [{ Key: 'team', Value: `team-${(i + j) % 40}` }],
          }),
        ),
      ),
    );
  }
}
