import {
  DescribeTagsCommand,
  type ElasticLoadBalancingV2Client,
  paginateDescribeListeners,
  paginateDescribeRules,
  paginateDescribeTargetGroups,
  type Rule,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsErrorCode, fromTags, type Tags } from '@ecs-actions/kit';

/** DescribeTags takes at most 20 ARNs per call. */
export const DESCRIBE_TAGS_BATCH = 20;

/**
 * The load balancer of a listener, read from the ARN itself (…:listener/app/NAME/LB-ID/LISTENER-ID →
 * …:loadbalancer/app/NAME/LB-ID), which saves a DescribeListeners call.
 */
export function loadBalancerArnOf(listenerArn: string): string {
  const match =
    /^(arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*:)listener\/(app|net|gwy)\/([^/]+)\/([^/]+)\/[^/]+$/.exec(
      listenerArn,
    );
  if (!match) throw new Error(`Not a listener ARN: ${listenerArn}`);
  return `${match[1]}loadbalancer/${match[2]}/${match[3]}/${match[4]}`;
}

/** Whether a rule sends traffic to the target group (plain forward or weighted forward config). */
export function forwardsTo(rule: Rule, targetGroupArn: string): boolean {
  return (rule.Actions ?? []).some(
    (a) =>
      a.TargetGroupArn === targetGroupArn ||
      (a.ForwardConfig?.TargetGroups ?? []).some((t) => t.TargetGroupArn === targetGroupArn),
  );
}

/** Host names of a rule's host-header conditions. */
export function hostsOf(rule: Rule): string[] {
  return (rule.Conditions ?? []).flatMap((c) =>
    c.Field === 'host-header' ? (c.HostHeaderConfig?.Values ?? c.Values ?? []) : [],
  );
}

/**
 * The largest page ELB's Describe* calls return. ELB takes it as `PageSize` in the request: the SDK's
 * ELBv2 paginators have no page-size parameter and silently ignore the paginator's `pageSize`.
 */
export const ELB_PAGE_SIZE = 400;

/** All rules of a listener (paginated), default rule included. */
export async function listRules(elb: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  for await (const page of paginateDescribeRules(
    { client: elb },
    { ListenerArn: listenerArn, PageSize: ELB_PAGE_SIZE },
  )) {
    rules.push(...(page.Rules ?? []));
  }
  return rules;
}

/**
 * The target groups of a load balancer, or of the account and region. A load balancer with none is
 * answered with TargetGroupNotFound (by moto, and as reported by users of AWS): that is an empty list.
 */
export async function listTargetGroups(
  elb: ElasticLoadBalancingV2Client,
  loadBalancerArn?: string,
): Promise<TargetGroup[]> {
  const groups: TargetGroup[] = [];
  try {
    for await (const page of paginateDescribeTargetGroups(
      { client: elb },
      { ...(loadBalancerArn ? { LoadBalancerArn: loadBalancerArn } : {}), PageSize: ELB_PAGE_SIZE },
    )) {
      groups.push(...(page.TargetGroups ?? []));
    }
  } catch (error) {
    if (awsErrorCode(error) === 'TargetGroupNotFoundException' && groups.length === 0) return [];
    throw error;
  }
  return groups;
}

/** The listener ARNs of a load balancer. */
export async function listListeners(
  elb: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateDescribeListeners(
    { client: elb },
    { LoadBalancerArn: loadBalancerArn, PageSize: ELB_PAGE_SIZE },
  )) {
    arns.push(...(page.Listeners ?? []).flatMap((l) => (l.ListenerArn ? [l.ListenerArn] : [])));
  }
  return arns;
}

/** Tags of many ELB resources, in batches of 20. */
export async function describeTags(
  elb: ElasticLoadBalancingV2Client,
  arns: string[],
): Promise<Map<string, Tags>> {
  const result = new Map<string, Tags>();
  for (let i = 0; i < arns.length; i += DESCRIBE_TAGS_BATCH) {
    const { TagDescriptions } = await elb.send(
      new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + DESCRIBE_TAGS_BATCH) }),
    );
    for (const d of TagDescriptions ?? []) if (d.ResourceArn) result.set(d.ResourceArn, fromTags(d.Tags));
  }
  return result;
}
