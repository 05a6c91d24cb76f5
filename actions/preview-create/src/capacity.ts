import {
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { UserError } from '@ecs-actions/kit';
import { listRules, listTargetGroups, loadBalancerArnOf } from '@ecs-actions/preview';

/** Target groups per Application Load Balancer: a hard AWS limit. */
export const TARGET_GROUPS_PER_ALB = 100;

export interface ChosenListener {
  listenerArn: string;
  loadBalancerArn: string;
  vpcId: string;
  rules: Rule[];
}

/**
 * Picks the first listener of the pool whose load balancer has room for one more target group and one
 * more rule, reading counts before anything is created. When every listener is full, fails naming the
 * limits and the counts, so nothing is left half-made.
 */
export async function chooseListener(
  elb: ElasticLoadBalancingV2Client,
  pool: string[],
  maxRulesPerAlb: number,
): Promise<ChosenListener> {
  const full: string[] = [];
  for (const listenerArn of pool) {
    const loadBalancerArn = loadBalancerArnOf(listenerArn);
    // A fresh ALB made for previews has no target groups yet: that counts as 0, not as an error.
    const targetGroups = (await listTargetGroups(elb, loadBalancerArn)).length;
    const rules = await listRules(elb, listenerArn);
    const custom = rules.filter((r) => !r.IsDefault).length;
    if (targetGroups >= TARGET_GROUPS_PER_ALB || custom >= maxRulesPerAlb) {
      full.push(
        `${listenerArn}: ${targetGroups}/${TARGET_GROUPS_PER_ALB} target groups (hard limit), ${custom}/${maxRulesPerAlb} rules (max-rules-per-alb)`,
      );
      continue;
    }
    const { LoadBalancers } = await elb.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] }),
    );
    const vpcId = LoadBalancers?.[0]?.VpcId;
    if (!vpcId)
      throw new UserError(
        `Input 'listener-arn': load balancer ${loadBalancerArn} has no VPC; is it an Application Load Balancer?`,
      );
    return { listenerArn, loadBalancerArn, vpcId, rules };
  }
  throw new UserError(
    `Every load balancer in the 'listener-arn' pool is full, so no preview was created:\n${full.map((f) => `  - ${f}`).join('\n')}\nAdd a listener of another ALB to 'listener-arn', or destroy stale previews (preview-sweep).`,
  );
}
