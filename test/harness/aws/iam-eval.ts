// The IAM check of the harness: what AWS decides for a call from a role with a given identity policy,
// including the tag conditions that keep repositories apart (aws:RequestTag, aws:ResourceTag and the
// services' tag-on-create keys ecs:CreateAction and elasticloadbalancing:CreateAction). The fault proxy asks
// it about every call of an action when enforcement is on. Only what the suite's policies use is modelled:
// Allow statements, Action lists with `*`, and the StringEquals / StringEqualsIfExists operators.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/tagging-resources-during-creation.html (ELB AddTags on create)

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Policy {
  Statement: Statement[];
}

/** One authorization AWS makes for a call: the IAM action and the condition keys it knows. */
export interface Authorization {
  action: string;
  keys: Record<string, string>;
}

/** Where a call's existing resource is, so its tags can be read before the call. */
export type ResourceRef =
  | { kind: 'elb'; arn: string }
  | { kind: 'ecs-arn'; arn: string }
  | { kind: 'ecs-service'; cluster: string; service: string }
  | { kind: 'ecs-task'; cluster: string; task: string };

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function matches(pattern: string, value: string): boolean {
  const regex = pattern
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${regex}$`, 'i').test(value);
}

/** The tags of a request in either SDK shape (`tags: [{key, value}]` or `Tags: [{Key, Value}]`). */
export function requestTags(params: Record<string, unknown>): Record<string, string> {
  const raw = (params.tags ?? params.Tags ?? []) as {
    key?: string;
    value?: string;
    Key?: string;
    Value?: string;
  }[];
  const out: Record<string, string> = {};
  for (const t of Array.isArray(raw) ? raw : []) {
    const key = t.key ?? t.Key;
    if (key !== undefined) out[key] = String(t.value ?? t.Value ?? '');
  }
  return out;
}

/** The existing resources a call acts on (whose tags AWS checks), by service and operation. */
export function resourcesOf(service: string, operation: string, p: Record<string, unknown>): ResourceRef[] {
  if (service === 'elasticloadbalancing') {
    const arn = p.RuleArn ?? p.TargetGroupArn;
    if (
      [
        'ModifyRule',
        'DeleteRule',
        'DeleteTargetGroup',
        'ModifyTargetGroup',
        'ModifyTargetGroupAttributes',
      ].includes(operation)
    )
      return arn ? [{ kind: 'elb', arn: String(arn) }] : [];
    if (operation === 'AddTags' || operation === 'RemoveTags')
      return list(p.ResourceArns as string[] | undefined).map((a) => ({ kind: 'elb', arn: String(a) }));
  }
  if (service === 'ecs') {
    if (operation === 'UpdateService' || operation === 'DeleteService')
      return [{ kind: 'ecs-service', cluster: String(p.cluster ?? 'default'), service: String(p.service) }];
    if (operation === 'TagResource' || operation === 'UntagResource')
      return [{ kind: 'ecs-arn', arn: String(p.resourceArn) }];
    if (operation === 'StopTask')
      return [{ kind: 'ecs-task', cluster: String(p.cluster ?? 'default'), task: String(p.task) }];
  }
  return [];
}

const TAG_ON_CREATE: Record<string, { action: string; key: string }> = {
  'ecs:CreateService': { action: 'ecs:TagResource', key: 'ecs:CreateAction' },
  'ecs:RegisterTaskDefinition': { action: 'ecs:TagResource', key: 'ecs:CreateAction' },
  'ecs:RunTask': { action: 'ecs:TagResource', key: 'ecs:CreateAction' },
  'elasticloadbalancing:CreateRule': {
    action: 'elasticloadbalancing:AddTags',
    key: 'elasticloadbalancing:CreateAction',
  },
  'elasticloadbalancing:CreateTargetGroup': {
    action: 'elasticloadbalancing:AddTags',
    key: 'elasticloadbalancing:CreateAction',
  },
};

/**
 * The authorizations AWS makes for one call: the call's own action (with the request's tags and, per
 * existing resource, that resource's tags), plus the tagging action a create with tags also needs.
 */
export function authorizationsOf(
  iamAction: string,
  params: Record<string, unknown>,
  resourceTags: Record<string, string>[],
): Authorization[] {
  const request = Object.fromEntries(
    Object.entries(requestTags(params)).map(([k, v]) => [`aws:RequestTag/${k}`, v]),
  );
  const own = (resourceTags.length ? resourceTags : [{}]).map((tags) => ({
    action: iamAction,
    keys: {
      ...request,
      ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])),
    },
  }));
  const onCreate = TAG_ON_CREATE[iamAction];
  if (onCreate && Object.keys(request).length > 0) {
    own.push({ action: onCreate.action, keys: { ...request, [onCreate.key]: iamAction.split(':')[1]! } });
  }
  return own;
}

function conditionHolds(condition: Statement['Condition'], keys: Record<string, string>): boolean {
  for (const [operator, tests] of Object.entries(condition ?? {})) {
    for (const [key, wanted] of Object.entries(tests)) {
      const value = keys[key];
      const ifExists = operator.endsWith('IfExists');
      const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
      if (value === undefined) {
        if (ifExists) continue;
        return false;
      }
      if (base === 'StringEquals' && !list(wanted).includes(value)) return false;
      if (base === 'StringLike' && !list(wanted).some((w) => matches(w, value))) return false;
      if (base !== 'StringEquals' && base !== 'StringLike')
        throw new Error(`iam-eval: condition operator ${operator} is not modelled`);
    }
  }
  return true;
}

/** The statement that allows an authorization, or undefined (an implicit deny). */
export function allowingStatement(policy: Policy, auth: Authorization): Statement | undefined {
  return policy.Statement.find(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((p) => matches(p, auth.action)) &&
      conditionHolds(s.Condition, auth.keys),
  );
}
