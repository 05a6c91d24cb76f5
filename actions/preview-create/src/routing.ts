// The preview's route: its target group and listener rule on one listener of the pool. Found first (with
// ownership and host checks, before anything is created), then created or corrected.
import {
  type Action,
  AddTagsCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DescribeListenersCommand,
  type ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  RemoveTagsCommand,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  awsErrorCode,
  keyLabel,
  type PreviewKey,
  TAG,
  type Tags,
  toElbTags,
  UserError,
} from '@ecs-actions/kit';
import {
  asleepFor,
  describeTags,
  describeTargetGroup,
  type FoundTargetGroup,
  forwardsTo,
  hostsOf,
  listRules,
  loadBalancerArnOf,
  ownedBy,
  routesTo,
} from '@ecs-actions/preview';
import { authChange, authenticateActionOf, ruleActions, withClient } from '@ecs-actions/preview/auth';
import { type AuthSettings, userPoolOf } from '@ecs-actions/preview/auth-settings';
import { chooseListener } from './capacity.js';
import type { CreateInputs } from './inputs.js';
import type { Plan } from './plan.js';
import { choosePriority } from './priority.js';

/** What exists of the route, and where a missing piece will go. */
export interface Routing {
  group: FoundTargetGroup | undefined;
  listenerArn: string;
  rules: Rule[];
  /** The VPC of the chosen load balancer (for a new target group). */
  vpcId: string | undefined;
  rule: Rule | undefined;
  /** The tags of the existing rule. */
  ruleTags: Tags;
  /** The login as it will be on the rule (with the Cognito app client chosen for this host). */
  auth: AuthSettings;
  /** With managed Cognito callback URLs: the client that lists (or will list) the host's URL. */
  callback: { poolId: string; clientId: string; listed: boolean } | undefined;
}

/** Callback-URL bookkeeping, loaded only when a preview uses a Cognito login with managed callbacks. */
export type Callbacks = typeof import('@ecs-actions/preview/callbacks');

/**
 * The PR's target group and rule, if they exist, and the listener: the one its group is on, or the first of
 * the pool with room. Refuses pieces with our names but not our tags, and a host another rule routes.
 */
export async function findRouting(
  elb: ElasticLoadBalancingV2Client,
  inputs: CreateInputs,
  plan: Plan,
  repository: string,
): Promise<Routing> {
  if (inputs.auth.kind !== 'none') await requireHttps(elb, inputs.listenerArns, inputs.auth.kind);
  const group = await describeTargetGroup(elb, plan.names.targetGroup);
  const listenerOfGroup = group
    ? inputs.listenerArns.find((l) => group.loadBalancerArns.includes(loadBalancerArnOf(l)))
    : undefined;
  let listenerArn: string;
  let rules: Rule[];
  let vpcId: string | undefined;
  if (listenerOfGroup) {
    listenerArn = listenerOfGroup;
    rules = await listRules(elb, listenerArn);
  } else {
    ({ listenerArn, rules, vpcId } = await chooseListener(elb, inputs.listenerArns, inputs.maxRulesPerAlb));
  }
  const rule = group ? lowestRuleFor(rules, group.arn) : undefined;
  const toVerify = [group?.arn, rule?.RuleArn].filter((a): a is string => Boolean(a));
  let ruleTags: Tags = {};
  if (toVerify.length > 0) {
    const tags = await describeTags(elb, toVerify);
    ruleTags = (rule?.RuleArn && tags.get(rule.RuleArn)) || {};
    for (const arn of toVerify) {
      if (!ownedBy(tags.get(arn) ?? {}, repository, plan.key)) {
        throw new UserError(
          `${arn} has the name or route of the preview of ${keyLabel(plan.key)} but not its ecs-actions tags; refusing to touch it. Choose another 'name-prefix'.`,
        );
      }
    }
  }
  const conflict = rules.find(
    (r) => !r.IsDefault && hostsOf(r).includes(plan.host) && (!group || !routesTo(r, group.arn)),
  );
  if (conflict) {
    throw new UserError(
      `Host '${plan.host}' is already routed by another rule of the listener (${conflict.RuleArn}); pick another 'host'.`,
    );
  }
  let auth = inputs.auth;
  let callback: Routing['callback'];
  if (auth.kind === 'cognito' && auth.manageCallbacks) {
    const callbacks: Callbacks = await import('@ecs-actions/preview/callbacks');
    const poolId = callbacks.parseCallbackTag(ruleTags[TAG.authCallback])?.poolId;
    const current = rule && authenticateActionOf(rule)?.AuthenticateCognitoConfig?.UserPoolClientId;
    const pool = userPoolOf(auth.userPoolArn)!.id;
    const chosen = await callbacks.chooseCallbackClient(
      callbacks.createCognitoClient(pool),
      auth.userPoolArn,
      auth.clientIds,
      plan.host,
      poolId === pool ? current : undefined,
    );
    auth = withClient(auth, chosen.clientId);
    callback = { poolId: pool, ...chosen };
  }
  return { group, listenerArn, rules, vpcId, rule, ruleTags, auth, callback };
}

/** ALB logins work on HTTPS listeners only: refuse before anything is created, naming the listener. */
async function requireHttps(elb: ElasticLoadBalancingV2Client, listenerArns: string[], kind: string) {
  const { Listeners } = await elb.send(new DescribeListenersCommand({ ListenerArns: listenerArns }));
  const plain = (Listeners ?? []).filter((l) => l.Protocol !== 'HTTPS');
  if (plain.length > 0) {
    throw new UserError(
      `Input 'auth' is '${kind}', but an ALB login needs an HTTPS listener and ${plain.map((l) => `${l.ListenerArn} is ${l.Protocol}:${l.Port}`).join(', ')}. Give 'listener-arn' the HTTPS listener (port 443), or set 'auth: none' for this environment. Nothing was created.`,
    );
  }
}

/** Creates what the route lacks (target group, rule) and corrects the rule's host; converges on re-runs. */
export async function applyRouting(
  elb: ElasticLoadBalancingV2Client,
  inputs: CreateInputs,
  plan: Plan,
  routing: Routing,
  target: { networkMode: string | undefined; port: number },
  repository: string,
  log: (line: string) => void,
  changes: string[],
): Promise<{ groupArn: string; ruleArn: string }> {
  let groupArn = routing.group?.arn;
  if (!groupArn) {
    groupArn = await createTargetGroup(
      elb,
      plan.names.targetGroup,
      target.networkMode,
      target.port,
      routing.vpcId,
      inputs,
      plan.tags,
    );
    changes.push(`created target group ${plan.names.targetGroup}`);
  }
  let wantedTag: string | undefined;
  if (routing.callback) {
    const callbacks: Callbacks = await import('@ecs-actions/preview/callbacks');
    const { poolId, clientId, listed } = routing.callback;
    wantedTag = callbacks.callbackTagValue(poolId, clientId);
    // The login must accept the host before the rule sends anyone to it.
    if (!listed) {
      await callbacks.setCallback(callbacks.createCognitoClient(poolId), poolId, clientId, plan.host, true);
      changes.push(`added ${callbacks.callbackUrl(plan.host)} to Cognito app client ${clientId}`);
    }
  }
  let rule = routing.rule;
  if (!rule) {
    rule = await createRule(
      elb,
      routing.listenerArn,
      routing.rules,
      ruleActions(groupArn, routing.auth),
      plan.host,
      inputs,
      plan.identity,
      wantedTag ? { ...plan.tags, [TAG.authCallback]: wantedTag } : plan.tags,
    );
    changes.push(`created listener rule for ${plan.host} (priority ${rule.Priority})`);
    rule = await settleDuplicateRules(elb, routing.listenerArn, groupArn, repository, plan.key, log);
  } else if (!hostsOf(rule).includes(plan.host)) {
    await elb.send(
      new ModifyRuleCommand({
        RuleArn: rule.RuleArn,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [plan.host] } }],
      }),
    );
    changes.push(`changed the rule's host to ${plan.host}`);
  }
  if (routing.rule) {
    const change = authChange(routing.rule, groupArn, routing.auth);
    if (change) {
      await elb.send(new ModifyRuleCommand({ RuleArn: rule.RuleArn, Actions: change.actions }));
      const before = authenticateActionOf(routing.rule)?.Type;
      const after = routing.auth.kind === 'none' ? undefined : `authenticate-${routing.auth.kind}`;
      const woke = asleepFor(routing.rule, groupArn);
      if (woke) changes.push('woke the preview: its rule forwards again instead of the sleep page');
      if (!woke || before !== after)
        changes.push(
          !after
            ? 'turned the login off'
            : !before
              ? `turned on the ${routing.auth.kind === 'oidc' ? 'OIDC' : 'Cognito'} login`
              : `changed the rule's login${change.secretSent ? ' (client secret sent)' : ''}`,
        );
    }
    await retag(elb, rule.RuleArn!, routing.ruleTags, wantedTag, plan.host, log);
  }
  return { groupArn, ruleArn: rule.RuleArn ?? '' };
}

/**
 * Keeps the rule's callback tag in step with the login: a client that no longer serves the host loses its
 * callback URL (so its slot is free again), and the tag names the current one or is removed.
 */
async function retag(
  elb: ElasticLoadBalancingV2Client,
  ruleArn: string,
  tags: Tags,
  wanted: string | undefined,
  host: string,
  log: (line: string) => void,
): Promise<void> {
  const current = tags[TAG.authCallback];
  if (current === wanted) return;
  const callbacks: Callbacks = await import('@ecs-actions/preview/callbacks');
  const old = callbacks.parseCallbackTag(current);
  if (wanted) {
    await elb.send(
      new AddTagsCommand({ ResourceArns: [ruleArn], Tags: [{ Key: TAG.authCallback, Value: wanted }] }),
    );
  } else {
    await elb.send(new RemoveTagsCommand({ ResourceArns: [ruleArn], TagKeys: [TAG.authCallback] }));
  }
  if (old) {
    await callbacks.setCallback(
      callbacks.createCognitoClient(old.poolId),
      old.poolId,
      old.clientId,
      host,
      false,
    );
    log(`removed ${callbacks.callbackUrl(host)} from Cognito app client ${old.clientId}`);
  }
}

/** Of the rules of the group (forwarding, or asleep), the one every run agrees on: the lowest priority. */
function lowestRuleFor(rules: Rule[], groupArn: string): Rule | undefined {
  return rules
    .filter((r) => !r.IsDefault && routesTo(r, groupArn))
    .sort((a, b) => Number(a.Priority) - Number(b.Priority))[0];
}

async function createTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  name: string,
  networkMode: string | undefined,
  port: number,
  vpcId: string | undefined,
  inputs: CreateInputs,
  tags: Tags,
): Promise<string> {
  const interval = inputs.healthCheckIntervalSeconds;
  try {
    const { TargetGroups } = await elb.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: port,
        VpcId: vpcId,
        TargetType: (networkMode ?? 'awsvpc') === 'awsvpc' ? 'ip' : 'instance',
        HealthCheckPath: inputs.healthCheckPath,
        HealthCheckIntervalSeconds: interval,
        HealthCheckTimeoutSeconds: Math.max(2, Math.min(interval - 1, 5)),
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        Matcher: { HttpCode: '200-399' },
        Tags: toElbTags(tags),
      }),
    );
    return TargetGroups![0]!.TargetGroupArn!;
  } catch (error) {
    // A concurrent run for the same PR created it first: use theirs (it carries the same tags).
    if (awsErrorCode(error) === 'DuplicateTargetGroupNameException') {
      const group = await describeTargetGroup(elb, name);
      if (group) return group.arn;
    }
    throw error;
  }
}

const MAX_PRIORITY_ATTEMPTS = 6;

async function createRule(
  elb: ElasticLoadBalancingV2Client,
  listenerArn: string,
  known: Rule[],
  actions: Action[],
  host: string,
  inputs: CreateInputs,
  identity: string,
  tags: Tags,
): Promise<Rule> {
  let rules = known;
  for (let attempt = 0; attempt < MAX_PRIORITY_ATTEMPTS; attempt++) {
    const used = new Set(rules.filter((r) => !r.IsDefault).map((r) => Number(r.Priority)));
    const priority = choosePriority(used, inputs.priorityRange, identity, attempt);
    if (priority === undefined) {
      throw new UserError(
        `Input 'rule-priorities': every priority in ${inputs.priorityRange.join('-')} is taken on ${listenerArn}.`,
      );
    }
    try {
      const { Rules } = await elb.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: priority,
          Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [host] } }],
          Actions: actions,
          Tags: toElbTags(tags),
        }),
      );
      return Rules![0]!;
    } catch (error) {
      const code = awsErrorCode(error);
      if (code === 'PriorityInUseException') {
        rules = await listRules(elb, listenerArn);
        continue;
      }
      if (code === 'TooManyRulesException' || code === 'TooManyTargetGroupsException') {
        throw new UserError(
          `The load balancer of ${listenerArn} is at an AWS limit (${code}); the target group ${actions.at(-1)?.TargetGroupArn} is tagged and will be removed by preview-destroy or preview-sweep.`,
        );
      }
      throw error;
    }
  }
  throw new UserError(
    `Could not find a free rule priority on ${listenerArn} after ${MAX_PRIORITY_ATTEMPTS} attempts (PriorityInUse each time).`,
  );
}

/**
 * Two runs for the same PR at once may each create a rule. Both then keep the one with the lowest
 * priority and delete the others (ours by tag), so the PR ends with one route.
 */
async function settleDuplicateRules(
  elb: ElasticLoadBalancingV2Client,
  listenerArn: string,
  groupArn: string,
  repository: string,
  key: PreviewKey,
  log: (line: string) => void,
): Promise<Rule> {
  const mine = (await listRules(elb, listenerArn))
    .filter((r) => !r.IsDefault && forwardsTo(r, groupArn))
    .sort((a, b) => Number(a.Priority) - Number(b.Priority));
  const [keep, ...extra] = mine;
  if (!keep) throw new UserError(`The rule just created on ${listenerArn} is gone; re-run the job.`);
  if (extra.length > 0) {
    const tags = await describeTags(
      elb,
      extra.map((r) => r.RuleArn!),
    );
    for (const rule of extra) {
      if (!ownedBy(tags.get(rule.RuleArn!) ?? {}, repository, key)) continue;
      await elb.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn })).catch(() => {});
      log(`removed duplicate rule ${rule.RuleArn} (a concurrent run created it)`);
    }
  }
  return keep;
}
