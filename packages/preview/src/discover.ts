import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  paginateListTaskDefinitions,
} from '@aws-sdk/client-ecs';
import {
  type Action,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  awsErrorCode,
  createAwsClient,
  fromTags,
  isOwned,
  keyOfTags,
  type PreviewKey,
  sameKey,
  type Tags,
  UserError,
} from '@ecs-actions/kit';
import { describeTags, hostsOf, listListeners, listRules, loadBalancerArnOf } from './elb.js';
import { type PreviewNames, previewNames } from './names.js';
import { routesTo } from './sleep.js';

export interface PreviewClients {
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
}

/** The ECS and ELB clients of a preview action (create, destroy), for the region given or the runner's. */
export function createPreviewClients(region: string | undefined): PreviewClients {
  return {
    ecs: createAwsClient(ECSClient, { region }),
    elb: createAwsClient(ElasticLoadBalancingV2Client, { region }),
  };
}

export interface PreviewTarget {
  cluster: string;
  repository: string;
  prefix: string;
  /** The preview's PR or branch. */
  key: PreviewKey;
  /** Listeners to look for rules on; when absent, the listeners of the target group's load balancers. */
  listenerArns?: string[];
}

export interface FoundService {
  arn: string;
  name: string;
  status: string;
  taskDefinition: string | undefined;
  /** The service's desired count (0 while the preview sleeps). */
  desiredCount?: number;
  tags: Tags;
}

export interface FoundTargetGroup {
  arn: string;
  name: string;
  loadBalancerArns: string[];
  tags: Tags;
}

export interface FoundRule {
  arn: string;
  listenerArn: string;
  priority: string;
  hosts: string[];
  /** The rule's actions: a login, then forward (awake) or the sleep page (asleep). */
  actions?: Action[];
  tags: Tags;
}

/** A task-definition family named for a preview, with the tags that prove it ours. */
export interface FoundFamily {
  name: string;
  tags: Tags;
}

/** One preview's environment as AWS shows it: only what carries our tags for this repository and key. */
export interface FoundPreview {
  key: PreviewKey;
  names: PreviewNames;
  /** The service, ACTIVE or DRAINING (INACTIVE ones are ignored). */
  service?: FoundService;
  targetGroup?: FoundTargetGroup;
  rules: FoundRule[];
  family?: FoundFamily;
  /** ACTIVE revisions of the family; findPreviews leaves it empty (see withRevisions). */
  taskDefinitions: string[];
  /** Resources with our names that lack our tags: reported, never touched. */
  foreign: string[];
  /**
   * Targets registered in the target group, read by findPreviews only when the service is not in this
   * cluster: ECS registers a running service's tasks, so targets mean a service elsewhere (another cluster
   * with the same prefix) still uses the group, and the environment is not an orphan.
   */
  registeredTargets?: number;
}

/** A listener's rule as discovery keeps it (its tags are read afterwards, in batches). */
export function foundRule(rule: Rule, listenerArn: string): Omit<FoundRule, 'tags'> {
  return {
    arn: rule.RuleArn ?? '',
    listenerArn,
    priority: rule.Priority ?? '',
    hosts: hostsOf(rule),
    actions: rule.Actions ?? [],
  };
}

/** True when tags say: ours, this repository, this PR or branch. */
export function ownedBy(tags: Tags, repository: string, key: PreviewKey): boolean {
  if (!isOwned(tags, repository)) return false;
  const tagged = keyOfTags(tags);
  return tagged !== undefined && sameKey(tagged, key);
}

/**
 * Finds a preview's resources. Names narrow the search; tags decide: a resource without the suite's
 * managed-by, repository and PR (or branch) tags is listed as foreign and left alone.
 */
export async function findPreview(clients: PreviewClients, target: PreviewTarget): Promise<FoundPreview> {
  const names = previewNames(target.prefix, target.key);
  const found: FoundPreview = { key: target.key, names, rules: [], taskDefinitions: [], foreign: [] };
  const owned = (tags: Tags) => ownedBy(tags, target.repository, target.key);

  const service = await describeService(clients.ecs, target.cluster, names.service);
  if (service && service.status !== 'INACTIVE') {
    if (owned(service.tags)) found.service = service;
    else found.foreign.push(`service ${service.name}`);
  }

  const group = await describeTargetGroup(clients.elb, names.targetGroup);
  if (group) {
    let listeners = (target.listenerArns ?? []).filter((l) =>
      group.loadBalancerArns.includes(loadBalancerArnOf(l)),
    );
    if (!target.listenerArns?.length) {
      listeners = [];
      for (const lb of group.loadBalancerArns) listeners.push(...(await listListeners(clients.elb, lb)));
    }
    const rules: Omit<FoundRule, 'tags'>[] = [];
    for (const listenerArn of listeners) {
      for (const rule of await listRules(clients.elb, listenerArn)) {
        if (!rule.IsDefault && rule.RuleArn && routesTo(rule, group.arn)) {
          rules.push(foundRule(rule, listenerArn));
        }
      }
    }
    const tags = await describeTags(clients.elb, [group.arn, ...rules.map((r) => r.arn)]);
    group.tags = tags.get(group.arn) ?? {};
    if (owned(group.tags)) {
      found.targetGroup = group;
      for (const rule of rules) {
        const ruleTags = tags.get(rule.arn) ?? {};
        if (owned(ruleTags)) found.rules.push({ ...rule, tags: ruleTags });
        else found.foreign.push(`listener rule ${rule.arn}`);
      }
    } else {
      found.foreign.push(`target group ${group.name}`);
    }
  }

  const revisions = await listRevisions(clients.ecs, names.family);
  if (revisions.length > 0) {
    const tags = await familyTags(clients.ecs, names.family, found.service);
    if (tags && owned(tags)) {
      found.family = { name: names.family, tags };
      found.taskDefinitions = revisions;
    } else {
      found.foreign.push(`task definition family ${names.family}`);
    }
  }
  return found;
}

/**
 * The tags that decide whether a task-definition family is ours: our service's when it runs one of the
 * family's revisions, else the latest ACTIVE revision's; undefined when the family has no ACTIVE revision
 * (it is listed a while after its last deregistration).
 */
export async function familyTags(
  ecs: ECSClient,
  family: string,
  service: FoundService | undefined,
): Promise<Tags | undefined> {
  if (service?.taskDefinition && familyOf(service.taskDefinition) === family) return service.tags;
  try {
    const { tags } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }),
    );
    return fromTags(tags);
  } catch (error) {
    if (awsErrorCode(error) === 'ClientException') return undefined;
    throw error;
  }
}

/** The preview with its family's ACTIVE revisions listed (findPreviews reads families, not revisions). */
export async function withRevisions(ecs: ECSClient, found: FoundPreview): Promise<FoundPreview> {
  return found.family ? { ...found, taskDefinitions: await listRevisions(ecs, found.family.name) } : found;
}

/** The family of a task-definition ARN or family:revision. */
export function familyOf(taskDefinition: string): string {
  return (taskDefinition.split('/').pop() ?? taskDefinition).split(':')[0] ?? taskDefinition;
}

/** A service with its tags, or undefined when ECS does not know it. */
export async function describeService(
  ecs: ECSClient,
  cluster: string,
  name: string,
): Promise<FoundService | undefined> {
  try {
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster, services: [name], include: ['TAGS'] }),
    );
    const s = services?.[0];
    if (!s?.serviceArn) return undefined;
    return {
      arn: s.serviceArn,
      name: s.serviceName ?? name,
      status: s.status ?? 'UNKNOWN',
      taskDefinition: s.taskDefinition,
      desiredCount: s.desiredCount,
      tags: fromTags(s.tags),
    };
  } catch (error) {
    if (awsErrorCode(error) === 'ClusterNotFoundException') {
      throw new UserError(`Input 'cluster': cluster '${cluster}' does not exist in this account and region.`);
    }
    throw error;
  }
}

/** A target group by name (with empty tags: the caller reads them with its rules), or undefined. */
export async function describeTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  name: string,
): Promise<FoundTargetGroup | undefined> {
  try {
    const { TargetGroups } = await elb.send(new DescribeTargetGroupsCommand({ Names: [name] }));
    const g = TargetGroups?.[0];
    if (!g?.TargetGroupArn) return undefined;
    return {
      arn: g.TargetGroupArn,
      name,
      loadBalancerArns: [...new Set(g.LoadBalancerArns ?? [])],
      tags: {},
    };
  } catch (error) {
    if (awsErrorCode(error) === 'TargetGroupNotFoundException') return undefined;
    throw error;
  }
}

/** The ACTIVE revisions of a task-definition family, oldest first. */
export async function listRevisions(ecs: ECSClient, family: string): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListTaskDefinitions(
    { client: ecs },
    { familyPrefix: family, status: 'ACTIVE', sort: 'ASC' },
  )) {
    // familyPrefix is documented as the full family name; filter anyway so `app-pr-1` never takes `app-pr-12`.
    arns.push(...(page.taskDefinitionArns ?? []).filter((arn) => familyOf(arn) === family));
  }
  return arns;
}
