// Everything in moto that carries the given tags, read straight from AWS (services, target groups, listener
// rules, task definitions): what the demo and tests use to show what a run left behind.
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createClients } from './clients.js';
import type { Sandbox } from './sandbox.js';

/** One line per resource whose tags include every `wanted` tag. */
export async function taggedWith(
  endpoint: string,
  sandbox: Pick<Sandbox, 'region' | 'clusterName' | 'loadBalancerArn'>,
  wanted: Record<string, string>,
): Promise<string[]> {
  const { ecs, elbv2, destroy } = createClients(endpoint, sandbox.region);
  const matches = (tags: Record<string, string | undefined>) =>
    Object.entries(wanted).every(([k, v]) => tags[k] === v);
  const out: string[] = [];
  try {
    const { serviceArns = [] } = await ecs.send(
      new ListServicesCommand({ cluster: sandbox.clusterName, maxResults: 100 }),
    );
    for (let i = 0; i < serviceArns.length; i += 10) {
      const { services = [] } = await ecs.send(
        new DescribeServicesCommand({
          cluster: sandbox.clusterName,
          services: serviceArns.slice(i, i + 10),
          include: ['TAGS'],
        }),
      );
      for (const s of services) {
        const tags = Object.fromEntries((s.tags ?? []).map((t) => [t.key!, t.value]));
        if (s.status !== 'INACTIVE' && matches(tags)) out.push(`service ${s.serviceName} (${s.status})`);
      }
    }
    const { TargetGroups = [] } = await elbv2.send(new DescribeTargetGroupsCommand({}));
    const { Listeners = [] } = await elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: sandbox.loadBalancerArn }),
    );
    const rules = [];
    for (const l of Listeners) {
      const { Rules = [] } = await elbv2.send(
        new DescribeRulesCommand({ ListenerArn: l.ListenerArn, PageSize: 400 }),
      );
      rules.push(...Rules.filter((r) => !r.IsDefault));
    }
    const arns = [...TargetGroups.map((g) => g.TargetGroupArn!), ...rules.map((r) => r.RuleArn!)];
    for (let i = 0; i < arns.length; i += 20) {
      const { TagDescriptions = [] } = await elbv2.send(
        new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }),
      );
      for (const d of TagDescriptions) {
        if (!matches(Object.fromEntries((d.Tags ?? []).map((t) => [t.Key!, t.Value])))) continue;
        out.push(
          `${d.ResourceArn!.includes(':targetgroup/') ? 'target group' : 'listener rule'} ${d.ResourceArn}`,
        );
      }
    }
    const { taskDefinitionArns = [] } = await ecs.send(new ListTaskDefinitionsCommand({ status: 'ACTIVE' }));
    for (const arn of taskDefinitionArns) {
      const { tags = [] } = await ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }),
      );
      if (matches(Object.fromEntries(tags.map((t) => [t.key!, t.value])))) out.push(`task definition ${arn}`);
    }
  } finally {
    destroy();
  }
  return out;
}
