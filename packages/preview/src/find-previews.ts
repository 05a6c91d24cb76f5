// Finds every preview of one repository and name prefix from tags, with batched reads: a handful of calls
// for the whole cluster instead of findPreview's half-dozen per PR. Same result type and the same ownership
// rules as findPreview (one rule per resource kind, in discover.ts).
import {
  DescribeServicesCommand,
  type ECSClient,
  paginateListServices,
  paginateListTaskDefinitionFamilies,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  paginateGetResources,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  awsErrorCode,
  compareKeys,
  fromTags,
  isOwned,
  keyOfTags,
  MANAGED_BY,
  type PreviewKey,
  previewBaseName,
  TAG,
  type Tags,
  UserError,
} from '@ecs-actions/kit';
import {
  type FoundPreview,
  type FoundRule,
  type FoundService,
  type FoundTargetGroup,
  familyTags,
  foundRule,
  type PreviewClients,
} from './discover.js';
import { describeTags, listListeners, listRules, listTargetGroups as listTargetGroupsOf } from './elb.js';
import { previewNames } from './names.js';
import { routesTo } from './sleep.js';

/** Target groups asked for per DescribeTargetGroups call (no limit is published; DescribeTags' 20). */
export const DESCRIBE_TARGET_GROUPS_BATCH = 20;

/** DescribeServices takes at most 10 services per call. */
export const DESCRIBE_SERVICES_BATCH = 10;

export interface Scope {
  cluster: string;
  repository: string;
  prefix: string;
}

export interface Inventory {
  previews: FoundPreview[];
  /** Resources with our tags for this repository but another name prefix: left to that prefix's sweep. */
  otherPrefixes: number;
  /**
   * How services and target groups were found: `tags` (the Resource Groups Tagging API, calls scale with
   * the previews) or `listing` (every service of the cluster and every target group of the region).
   */
  discovery: 'tags' | 'listing';
  /** Why the listing was used when a tagging client was given. */
  discoveryNote?: string;
}

/** Clients of the sweep's discovery; with `tagging`, services and target groups are found by their tags. */
export interface DiscoveryClients extends PreviewClients {
  tagging?: ResourceGroupsTaggingAPIClient;
}

/** The preview (PR or branch) of a resource when its tags make it ours (this repository, this prefix). */
export function ownedKey(tags: Tags, scope: Scope): PreviewKey | undefined {
  if (!isOwned(tags, scope.repository)) return undefined;
  if (tags[TAG.namePrefix] !== scope.prefix) return undefined;
  return keyOfTags(tags);
}

/**
 * Every preview of a repository and name prefix. Reads the cluster's services (DescribeServices ≤ 10 per call), every target group and the rules of
 * their listeners (DescribeTags ≤ 20 per call), and the task-definition families named for this prefix,
 * and groups what carries our tags by preview (PR or branch). Nothing without the managed-by and repository
 * tags is kept.
 */
export async function findPreviews(clients: DiscoveryClients, scope: Scope): Promise<Inventory> {
  const byKey = new Map<string, FoundPreview>();
  const env = (key: PreviewKey): FoundPreview => {
    let found = byKey.get(key.id);
    if (!found) {
      found = { key, names: previewNames(scope.prefix, key), rules: [], taskDefinitions: [], foreign: [] };
      byKey.set(key.id, found);
    }
    return found;
  };
  let otherPrefixes = 0;
  const sortOut = (tags: Tags): PreviewKey | undefined => {
    const key = ownedKey(tags, scope);
    if (key === undefined && isOwned(tags, scope.repository)) otherPrefixes++;
    return key;
  };

  const [found, families] = await Promise.all([
    findServicesAndGroups(clients, scope),
    listFamilies(clients.ecs, scope.prefix),
  ]);
  const { services, groups } = found;

  for (const service of services) {
    const key = sortOut(service.tags);
    if (key !== undefined && previewNames(scope.prefix, key).service === service.name)
      env(key).service = service;
  }

  const ownedGroups = new Map<string, { group: FoundTargetGroup; key: PreviewKey }>();
  for (const group of groups) {
    const key = sortOut(group.tags);
    if (key === undefined) continue;
    env(key).targetGroup = group;
    ownedGroups.set(group.arn, { group, key });
  }

  // Rules: on the listeners of the load balancers our target groups are attached to.
  const loadBalancers = [...new Set([...ownedGroups.values()].flatMap((g) => g.group.loadBalancerArns))];
  const listeners = (await Promise.all(loadBalancers.map((lb) => listListeners(clients.elb, lb)))).flat();
  const candidates: Omit<FoundRule, 'tags'>[] = [];
  for (const [listenerArn, rules] of await Promise.all(
    listeners.map(async (l) => [l, await listRules(clients.elb, l)] as const),
  )) {
    for (const rule of rules) {
      if (rule.IsDefault || !rule.RuleArn) continue;
      if ([...ownedGroups.keys()].some((arn) => routesTo(rule, arn))) {
        candidates.push(foundRule(rule, listenerArn));
      }
    }
  }
  const ruleTags = await describeTags(
    clients.elb,
    candidates.map((r) => r.arn),
  );
  for (const rule of candidates) {
    const tags = ruleTags.get(rule.arn) ?? {};
    const key = sortOut(tags);
    if (key !== undefined) env(key).rules.push({ ...rule, tags });
  }

  // Families: the same rule as findPreview (familyTags): our service's revision, else the latest's tags.
  // A family is ours when those tags name a preview whose family has exactly this name.
  const byFamily = new Map([...byKey.values()].map((e) => [e.names.family, e]));
  await Promise.all(
    families.map(async (name) => {
      const tags = await familyTags(clients.ecs, name, byFamily.get(name)?.service);
      const key = tags && sortOut(tags);
      if (tags && key && previewNames(scope.prefix, key).family === name) env(key).family = { name, tags };
    }),
  );

  await Promise.all(
    [...byKey.values()]
      .filter((e) => e.targetGroup && e.service?.status !== 'ACTIVE')
      .map(async (e) => {
        const { TargetHealthDescriptions = [] } = await clients.elb.send(
          new DescribeTargetHealthCommand({ TargetGroupArn: e.targetGroup!.arn }),
        );
        e.registeredTargets = TargetHealthDescriptions.filter(
          (t) => t.TargetHealth?.State !== 'draining' && t.TargetHealth?.State !== 'unused',
        ).length;
      }),
  );

  return {
    previews: [...byKey.values()].sort((a, b) => compareKeys(a.key, b.key)),
    otherPrefixes,
    discovery: found.discovery,
    ...(found.note ? { discoveryNote: found.note } : {}),
  };
}

/** Errors that mean "this principal may not call the Tagging API" (then the listing is used). */
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

/**
 * The cluster's services and the region's target groups that carry this repository's tags. With a tagging
 * client: one GetResources page per 100 tagged resources, then DescribeServices and DescribeTargetGroups
 * for those only. Without one, or where the Tagging API is denied: every service and target group, each
 * with its tags.
 */
async function findServicesAndGroups(
  clients: DiscoveryClients,
  scope: Scope,
): Promise<{
  services: FoundService[];
  groups: FoundTargetGroup[];
  discovery: 'tags' | 'listing';
  note?: string;
}> {
  let note: string | undefined;
  if (clients.tagging) {
    try {
      return { ...(await findByTags(clients, clients.tagging, scope)), discovery: 'tags' };
    } catch (error) {
      // The kit's clients turn a denial into a UserError that keeps AWS's error as its cause.
      const code = [error, (error as { cause?: unknown }).cause]
        .map(awsErrorCode)
        .find((c) => c !== undefined && DENIED.has(c));
      if (!code) throw error;
      note = `tag:GetResources was denied (${code}): listed every service and target group instead. Allow tag:GetResources to make discovery scale with the previews.`;
    }
  }
  const [services, groups] = await Promise.all([
    listServices(clients.ecs, scope.cluster),
    listTargetGroups(clients.elb),
  ]);
  return { services, groups, discovery: 'listing', ...(note ? { note } : {}) };
}

async function findByTags(
  clients: PreviewClients,
  tagging: ResourceGroupsTaggingAPIClient,
  scope: Scope,
): Promise<{ services: FoundService[]; groups: FoundTargetGroup[] }> {
  const tagged: { arn: string; tags: Tags }[] = [];
  for await (const page of paginateGetResources(
    { client: tagging },
    {
      TagFilters: [
        { Key: TAG.managedBy, Values: [MANAGED_BY] },
        { Key: TAG.repository, Values: [scope.repository] },
      ],
      ResourceTypeFilters: ['elasticloadbalancing:targetgroup', 'ecs:service'],
      ResourcesPerPage: 100,
    },
  )) {
    for (const r of page.ResourceTagMappingList ?? []) {
      if (r.ResourceARN) tagged.push({ arn: r.ResourceARN, tags: fromTags(r.Tags) });
    }
  }
  // The Tagging API is eventually consistent and lists resources deleted a moment ago: what it names is
  // described again, and only what still exists is kept (with the tags the describe call returns).
  const serviceArns = tagged
    .filter((r) => /:service\//.test(r.arn) && serviceCluster(r.arn) === scope.cluster)
    .map((r) => r.arn);
  const groupArns = tagged.filter((r) => /:targetgroup\//.test(r.arn)).map((r) => r.arn);
  const groupTags = new Map(tagged.map((r) => [r.arn, r.tags]));
  const [services, groups] = await Promise.all([
    describeServices(clients.ecs, scope.cluster, serviceArns),
    describeTargetGroups(clients.elb, groupArns),
  ]);
  return {
    services,
    groups: groups.map((g) => ({
      arn: g.TargetGroupArn!,
      name: g.TargetGroupName ?? g.TargetGroupArn!,
      loadBalancerArns: [...new Set(g.LoadBalancerArns ?? [])],
      tags: groupTags.get(g.TargetGroupArn!) ?? {},
    })),
  };
}

/** The cluster of a service ARN (`…:service/CLUSTER/NAME`); the old format without a cluster gives ''. */
function serviceCluster(arn: string): string {
  const parts = arn.split(':service/')[1]?.split('/') ?? [];
  return parts.length === 2 ? parts[0]! : '';
}

/** Target groups by ARN, 20 per call; one deleted meanwhile (TargetGroupNotFound) is left out. */
async function describeTargetGroups(
  elb: ElasticLoadBalancingV2Client,
  arns: string[],
): Promise<TargetGroup[]> {
  const out: TargetGroup[] = [];
  const describe = async (batch: string[]): Promise<void> => {
    try {
      const { TargetGroups = [] } = await elb.send(
        new DescribeTargetGroupsCommand({ TargetGroupArns: batch }),
      );
      out.push(...TargetGroups);
    } catch (error) {
      if (awsErrorCode(error) !== 'TargetGroupNotFoundException' || batch.length === 1) {
        if (awsErrorCode(error) === 'TargetGroupNotFoundException') return;
        throw error;
      }
      for (const arn of batch) await describe([arn]);
    }
  };
  for (let i = 0; i < arns.length; i += DESCRIBE_TARGET_GROUPS_BATCH)
    await describe(arns.slice(i, i + DESCRIBE_TARGET_GROUPS_BATCH));
  return out;
}

/** Every service of the cluster with its tags (ListServices, then DescribeServices 10 at a time); INACTIVE left out. */
export async function listServices(ecs: ECSClient, cluster: string): Promise<FoundService[]> {
  const arns: string[] = [];
  try {
    for await (const page of paginateListServices({ client: ecs }, { cluster, maxResults: 100 })) {
      arns.push(...(page.serviceArns ?? []));
    }
  } catch (error) {
    if (awsErrorCode(error) === 'ClusterNotFoundException') {
      throw new UserError(`Input 'cluster': cluster '${cluster}' does not exist in this account and region.`);
    }
    throw error;
  }
  return describeServices(ecs, cluster, arns);
}

/** Services by ARN, 10 per DescribeServices call, with their tags; INACTIVE ones are left out. */
async function describeServices(ecs: ECSClient, cluster: string, arns: string[]): Promise<FoundService[]> {
  const batches: string[][] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_SERVICES_BATCH) {
    batches.push(arns.slice(i, i + DESCRIBE_SERVICES_BATCH));
  }
  const described = await Promise.all(
    batches.map(async (services) => {
      const { services: found = [] } = await ecs.send(
        new DescribeServicesCommand({ cluster, services, include: ['TAGS'] }),
      );
      return found;
    }),
  );
  return described
    .flat()
    .filter((s) => s.serviceArn && s.status !== 'INACTIVE')
    .map((s) => ({
      arn: s.serviceArn!,
      name: s.serviceName ?? s.serviceArn!.split('/').pop()!,
      status: s.status ?? 'UNKNOWN',
      taskDefinition: s.taskDefinition,
      desiredCount: s.desiredCount,
      tags: fromTags(s.tags),
    }));
}

async function listTargetGroups(elb: ElasticLoadBalancingV2Client): Promise<FoundTargetGroup[]> {
  const groups: FoundTargetGroup[] = (await listTargetGroupsOf(elb)).flatMap((g) =>
    g.TargetGroupArn
      ? [
          {
            arn: g.TargetGroupArn,
            name: g.TargetGroupName ?? g.TargetGroupArn,
            loadBalancerArns: [...new Set(g.LoadBalancerArns ?? [])],
            tags: {},
          },
        ]
      : [],
  );
  const tags = await describeTags(
    elb,
    groups.map((g) => g.arn),
  );
  for (const group of groups) group.tags = tags.get(group.arn) ?? {};
  return groups;
}

/**
 * Families named like a preview's: `<prefix>-pr-<n>` and `<prefix>-br-<slug>` (ListTaskDefinitionFamilies
 * filters by a true prefix). A PR family's name proves nothing either: its tags decide (findPreviews).
 */
async function listFamilies(ecs: ECSClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const stem of [previewBaseName(prefix, 'pr-'), previewBaseName(prefix, 'br-')]) {
    for await (const page of paginateListTaskDefinitionFamilies(
      { client: ecs },
      { familyPrefix: stem, status: 'ACTIVE' },
    )) {
      for (const name of page.families ?? []) {
        // A PR family's name must end in its number; anything else after `-pr-` is not a preview's.
        if (stem.endsWith('-br-') || /^[1-9]\d*$/.test(name.slice(stem.length))) found.push(name);
      }
    }
  }
  return found;
}
