// The realism layer: what AWS refuses and moto accepts. The fault proxy asks `refusal()` about every request
// before moto sees it, and answers a refusal in the service's own error format, so an action that sends what
// real AWS would refuse fails in tests the way it would fail for users. Each rule cites the page it follows.
import type { Protocol } from './proxy.js';

export interface Refusal {
  code: string;
  message: string;
  /** HTTP status AWS answers with. */
  status: number;
}

export interface RealismRequest {
  service: string;
  operation: string;
  protocol: Protocol;
  /** The request's parameters: the JSON body, or the awsQuery form decoded into nested objects. */
  params: Record<string, unknown>;
}

/** Reads what a rule needs from moto (today: a task definition's network mode). */
export interface RealismLookup {
  networkModeOf(taskDefinition: string): Promise<string | undefined>;
  /** A listener's protocol (HTTP, HTTPS), from moto. */
  listenerProtocolOf(listenerArn: string): Promise<string | undefined>;
  /** Whether the rule was given an OIDC client secret that AWS still keeps for it. */
  hasOidcSecret(ruleArn: string): boolean;
}

type Rule = (
  request: RealismRequest,
  lookup: RealismLookup,
) => Refusal | undefined | Promise<Refusal | undefined>;

const ecsError = (code: string, message: string): Refusal => ({ code, message, status: 400 });
const elbError = (code: string, message: string): Refusal => ({ code, message, status: 400 });

// ECS: family and container names: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and
// hyphens are allowed." https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
// and https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html (name).
const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
// ECS: image: "Up to 255 letters (uppercase and lowercase), numbers, hyphens, underscores, colons, periods,
// forward slashes, and number signs are allowed" (and `@` for a digest reference).
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html (image).
const ECS_IMAGE = /^[A-Za-z0-9_.:/#@-]{1,255}$/;

/** ECS tags: ≤ 50 per resource, key 1–128, value 0–256, `aws:` reserved. https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html */
function ecsTags(tags: unknown): Refusal | undefined {
  const list = Array.isArray(tags) ? (tags as { key?: string; value?: string }[]) : [];
  if (list.length > 50)
    return ecsError('InvalidParameterException', `Too many tags: ${list.length} (at most 50).`);
  for (const t of list) {
    if (!t.key || t.key.length > 128)
      return ecsError('InvalidParameterException', `Tag key '${t.key ?? ''}' must be 1-128 characters.`);
    if ((t.value ?? '').length > 256)
      return ecsError('InvalidParameterException', `Tag value of '${t.key}' is longer than 256 characters.`);
    if (t.key.toLowerCase().startsWith('aws:'))
      return ecsError('InvalidParameterException', `Tag keys starting with 'aws:' are reserved.`);
  }
  return undefined;
}

/** ELB tags: ≤ 50 per resource, key 1–128, value 0–256. https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Tag.html */
function elbTags(tags: unknown): Refusal | undefined {
  const list = Array.isArray(tags) ? (tags as { Key?: string; Value?: string }[]) : [];
  if (list.length > 50)
    return elbError(
      'TooManyTags',
      `You've reached the limit on the number of tags for this resource (${list.length} > 50).`,
    );
  for (const t of list) {
    if (!t.Key || t.Key.length > 128)
      return elbError('ValidationError', `Tag key '${t.Key ?? ''}' must be 1-128 characters.`);
    if ((t.Value ?? '').length > 256)
      return elbError('ValidationError', `Tag value of '${t.Key}' must be at most 256 characters.`);
  }
  return undefined;
}

/**
 * awsvpc tasks and services need subnets. https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html
 * and https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-networking-awsvpc.html
 */
async function awsvpcNetwork(request: RealismRequest, lookup: RealismLookup): Promise<Refusal | undefined> {
  const p = request.params;
  const empty = emptySubnets(p);
  if (empty) return empty;
  if (p.networkConfiguration !== undefined || typeof p.taskDefinition !== 'string') return undefined;
  // CODE_DEPLOY services get their network from the task sets; EXTERNAL likewise.
  const controller = (p.deploymentController as { type?: string } | undefined)?.type;
  if (controller === 'CODE_DEPLOY' || controller === 'EXTERNAL') return undefined;
  if ((await lookup.networkModeOf(p.taskDefinition)) === 'awsvpc') {
    return ecsError(
      'InvalidParameterException',
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
  }
  return undefined;
}

/** A network configuration given with no subnets. */
function emptySubnets(p: Record<string, unknown>): Refusal | undefined {
  const subnets = (p.networkConfiguration as { awsvpcConfiguration?: { subnets?: unknown[] } } | undefined)
    ?.awsvpcConfiguration?.subnets;
  if (p.networkConfiguration !== undefined && (!Array.isArray(subnets) || subnets.length === 0)) {
    return ecsError('InvalidParameterException', 'subnets can not be empty.');
  }
  return undefined;
}

/**
 * RunTask's `startedBy` (≤ 36 letters, digits, `-`, `/`, `_`) and overrides (≤ 8,192 characters of JSON).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
 */
function runTaskShape(p: Record<string, unknown>): Refusal | undefined {
  if (p.startedBy !== undefined && !/^[A-Za-z0-9_/-]{1,36}$/.test(String(p.startedBy))) {
    return ecsError(
      'InvalidParameterException',
      'startedBy must be up to 36 letters, numbers, hyphens, forward slashes and underscores.',
    );
  }
  if (p.overrides !== undefined && JSON.stringify(p.overrides).length > 8192) {
    return ecsError('InvalidParameterException', 'Container Overrides length must be at most 8192');
  }
  return undefined;
}

/** Target group names. https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html */
function targetGroupName(name: unknown): Refusal | undefined {
  const text = String(name ?? '');
  if (text.length > 32)
    return elbError('ValidationError', `Target group name '${text}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(text))
    return elbError(
      'ValidationError',
      `Target group name '${text}' can only contain characters that are alphanumeric characters or hyphens(-)`,
    );
  if (text.startsWith('-') || text.endsWith('-'))
    return elbError('ValidationError', `Target group name '${text}' cannot begin or end with '-'`);
  if (text.toLowerCase().startsWith('internal-'))
    return elbError('ValidationError', `Target group name '${text}' cannot begin with 'internal-'`);
  return undefined;
}

/**
 * Rule conditions and priority. Host-header values: ≤ 128 characters of a–z A–Z 0–9 - . _ * ?, each DNS
 * label ≤ 63 (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#host-conditions);
 * ≤ 5 condition values per rule and priorities 1–50,000
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html).
 */
function ruleShape(p: Record<string, unknown>): Refusal | undefined {
  if (p.Priority !== undefined) {
    const priority = Number(p.Priority);
    if (!Number.isInteger(priority) || priority < 1 || priority > 50_000) {
      return elbError('ValidationError', `Priority '${String(p.Priority)}' must be between 1 and 50000`);
    }
  }
  const conditions = Array.isArray(p.Conditions) ? (p.Conditions as Record<string, unknown>[]) : [];
  let values = 0;
  for (const c of conditions) {
    const config = Object.entries(c).find(([k]) => k.endsWith('Config'))?.[1] as
      | { Values?: unknown[] }
      | undefined;
    const list = ((config?.Values ?? c.Values ?? []) as unknown[]).map(String);
    values += list.length;
    if (c.Field !== 'host-header') continue;
    for (const host of list) {
      if (host.length > 128)
        return elbError(
          'ValidationError',
          `A host-header condition value cannot be longer than 128 characters: '${host}'`,
        );
      if (!/^[A-Za-z0-9._*?-]+$/.test(host))
        return elbError('ValidationError', `Host header value '${host}' contains invalid characters`);
      if (host.split('.').some((label) => label.length > 63))
        return elbError(
          'ValidationError',
          `Host header value '${host}' has a label longer than 63 characters`,
        );
    }
  }
  if (values > 5)
    return elbError(
      'TooManyConditionValues',
      `A rule can have at most 5 condition values; this one has ${values}.`,
    );
  return undefined;
}

/** The listener a rule ARN belongs to: `…:listener-rule/app/NAME/LB/LISTENER/RULE` → `…:listener/app/NAME/LB/LISTENER`. */
export function listenerOfRule(ruleArn: string): string {
  return ruleArn.replace(':listener-rule/', ':listener/').replace(/\/[^/]+$/, '');
}

type RequestAction = Record<string, unknown> & { Type?: string; Order?: string };

/**
 * A rule's actions as AWS checks them
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Action.html,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-authenticate-users.html):
 * with several actions each needs an Order, and the last must be forward, redirect or fixed-response; the
 * authenticate actions need an HTTPS listener; a new OIDC login needs its client secret, and
 * UseExistingClientSecret works only where the rule already has one.
 */
async function ruleActionsShape(
  p: Record<string, unknown>,
  listenerArn: string | undefined,
  ruleArn: string | undefined,
  lookup: RealismLookup,
): Promise<Refusal | undefined> {
  const actions = (Array.isArray(p.Actions) ? p.Actions : []) as RequestAction[];
  if (actions.length === 0) return undefined;
  if (actions.length > 1 && actions.some((a) => a.Order === undefined)) {
    return elbError(
      'ValidationError',
      'An action order must be specified for every action when a rule has more than one action',
    );
  }
  const ordered = [...actions].sort((a, b) => Number(a.Order ?? 1) - Number(b.Order ?? 1));
  const terminal = ['forward', 'redirect', 'fixed-response'];
  if (!terminal.includes(String(ordered.at(-1)?.Type))) {
    return elbError(
      'InvalidLoadBalancerAction',
      'The last action of a rule must be forward, redirect or fixed-response',
    );
  }
  const authenticate = actions.filter((a) => String(a.Type).startsWith('authenticate-'));
  if (authenticate.length === 0) return undefined;
  if (listenerArn && (await lookup.listenerProtocolOf(listenerArn)) !== 'HTTPS') {
    return elbError(
      'InvalidLoadBalancerAction',
      'Authenticate actions are supported only on HTTPS listeners',
    );
  }
  for (const a of authenticate) {
    const oidc = a.AuthenticateOidcConfig as Record<string, unknown> | undefined;
    if (!oidc) continue;
    const keep = String(oidc.UseExistingClientSecret) === 'true';
    if (!keep && !oidc.ClientSecret) {
      return elbError('ValidationError', 'A client secret must be specified for an authenticate-oidc action');
    }
    if (keep && !(ruleArn && lookup.hasOidcSecret(ruleArn))) {
      return elbError(
        'ValidationError',
        'UseExistingClientSecret is only valid when the rule already has a client secret',
      );
    }
  }
  return undefined;
}

const RULES: Record<string, Rule> = {
  'ecs:RegisterTaskDefinition': ({ params: p }) => {
    if (!ECS_NAME.test(String(p.family ?? ''))) {
      return ecsError(
        'ClientException',
        'Family contains invalid characters: up to 255 letters, numbers, hyphens and underscores.',
      );
    }
    for (const c of (p.containerDefinitions as { name?: string; image?: string }[] | undefined) ?? []) {
      if (!ECS_NAME.test(String(c.name ?? ''))) {
        return ecsError('ClientException', 'Container.name contains invalid characters.');
      }
      if (c.image !== undefined && !ECS_IMAGE.test(c.image)) {
        return ecsError('ClientException', 'Container.image contains invalid characters.');
      }
    }
    return ecsTags(p.tags);
  },
  'ecs:CreateService': async (request, lookup) =>
    ecsTags(request.params.tags) ?? (await awsvpcNetwork(request, lookup)),
  'ecs:UpdateService': ({ params: p }) => emptySubnets(p),
  'ecs:RunTask': async (request, lookup) =>
    runTaskShape(request.params) ?? ecsTags(request.params.tags) ?? (await awsvpcNetwork(request, lookup)),
  'ecs:TagResource': ({ params: p }) => ecsTags(p.tags),
  'elasticloadbalancing:CreateTargetGroup': ({ params: p }) => targetGroupName(p.Name) ?? elbTags(p.Tags),
  'elasticloadbalancing:CreateRule': async ({ params: p }, lookup) =>
    ruleShape(p) ?? elbTags(p.Tags) ?? (await ruleActionsShape(p, String(p.ListenerArn), undefined, lookup)),
  'elasticloadbalancing:ModifyRule': async ({ params: p }, lookup) =>
    ruleShape(p) ?? (await ruleActionsShape(p, listenerOfRule(String(p.RuleArn)), String(p.RuleArn), lookup)),
  'elasticloadbalancing:SetRulePriorities': ({ params: p }) => {
    for (const r of (p.RulePriorities as Record<string, unknown>[] | undefined) ?? []) {
      const refusal = ruleShape({ Priority: r.Priority });
      if (refusal) return refusal;
    }
    return undefined;
  },
  'elasticloadbalancing:AddTags': ({ params: p }) => elbTags(p.Tags),
};

/** The refusal real AWS would answer this request with, or undefined when AWS would accept it as moto does. */
export async function refusal(request: RealismRequest, lookup: RealismLookup): Promise<Refusal | undefined> {
  const rule = RULES[`${request.service}:${request.operation}`];
  return rule ? rule(request, lookup) : undefined;
}

/** The operations the layer checks, for tests and the README. */
export const CHECKED_OPERATIONS = Object.keys(RULES);

/**
 * An awsQuery form (`Conditions.member.1.HostHeaderConfig.Values.member.1=a`) as nested objects and arrays
 * (`{ Conditions: [{ HostHeaderConfig: { Values: ['a'] } }] }`).
 */
export function fromQuery(form: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of form) {
    const parts = key.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      if (part === 'member' || part === 'entry') continue;
      const isIndex = /^\d+$/.test(part) && (parts[i - 1] === 'member' || parts[i - 1] === 'entry');
      const slot: string | number = isIndex ? Number(part) - 1 : part;
      const nextIsList = parts[i + 1] === 'member' || parts[i + 1] === 'entry';
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[slot] = value;
      } else {
        container[slot] ??= nextIsList ? [] : {};
        node = container[slot] as Record<string, unknown> | unknown[];
      }
    }
  }
  return root;
}
