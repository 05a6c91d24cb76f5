import {
  DescribeTagsCommand,
  type ElasticLoadBalancingV2Client,
  paginateDescribeRules,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { fromTags, type Tags } from '@ecs-actions/kit';

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

/** All rules of a listener (paginated), default rule included. */
export async function listRules(elb: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  for await (const page of paginateDescribeRules(
    { client: elb, pageSize: 400 },
    { ListenerArn: listenerArn },
  )) {
    rules.push(...(page.Rules ?? []));
  }
  return rules;
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
