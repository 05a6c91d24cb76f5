// Sleep and wake. A sleeping preview runs no task (desiredCount 0) and its rule answers with a small page
// (status 503) instead of forwarding; any login in front of it stays. Its state is in the service's tags
// (tags are the suite's only state); the page carries a marker naming the target group, so that a sleeping
// rule is still found as the preview's rule (routesTo).
import {
  DescribeServicesCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  type Action,
  DescribeTargetHealthCommand,
  ModifyRuleCommand,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  type Clock,
  isoSeconds,
  keyLabel,
  type PreviewKey,
  poll,
  TAG,
  type Tags,
  toEcsTags,
} from '@ecs-actions/kit';
import type { FoundPreview, PreviewClients } from './discover.js';
import { forwardsTo } from './elb.js';

export type SleepReason = 'schedule' | 'idle';

/** Tags of a preview's sleep, on its service. */
export const SLEEP_TAG = {
  /** When it went to sleep (ISO); present only while asleep. */
  since: 'ecs-actions:asleep-since',
  /** Why: `schedule` (woken again by the schedule) or `idle` (woken by a push). */
  by: 'ecs-actions:asleep-by',
  /** The desired count to restore on waking. */
  awakeCount: 'ecs-actions:awake-count',
  /** When it last woke (ISO): a schedule's sleep time before this does not put it back to sleep. */
  wokeAt: 'ecs-actions:woke-at',
  /** Seconds asleep over its life before the current sleep, for the cost estimate. */
  sleptSeconds: 'ecs-actions:slept-seconds',
} as const;

const MARKER = 'ecs-actions:asleep';
/** ALB's limit on a fixed response's body. */
const MAX_BODY = 1024;

/** The page a sleeping preview answers with: what it is, why it sleeps, how to wake it; ≤ 1,024 characters. */
export function sleepPage(key: PreviewKey, reason: SleepReason, groupArn: string): string {
  const why = reason === 'schedule' ? 'outside its working hours' : 'after a while without visitors';
  const wake =
    key.kind === 'pr'
      ? 'push a commit to the pull request, comment <code>/preview wake</code> on it (where the commands workflow is installed), or re-run its preview workflow'
      : `push a commit to ${escapeHtml(key.branch)}, or re-run its preview workflow`;
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>Preview asleep</title></head><body style="font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;line-height:1.5"><h1>This preview is asleep</h1><p>The preview of ${escapeHtml(keyLabel(key))} sleeps ${why}, and costs nothing meanwhile.</p><p>To wake it, ${wake}. It is back within a few minutes.</p><!-- ${MARKER} ${groupArn} --></body></html>`;
  if (page.length > MAX_BODY) throw new Error(`sleep page of ${page.length} characters exceeds ${MAX_BODY}`);
  return page;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The rule answers with the sleep page of this target group's preview. */
export function asleepFor(rule: Pick<Rule, 'Actions'>, groupArn: string): boolean {
  const last = terminal(rule.Actions ?? []);
  return (
    last?.Type === 'fixed-response' &&
    (last.FixedResponseConfig?.MessageBody ?? '').includes(`<!-- ${MARKER} ${groupArn} -->`)
  );
}

/** The preview's rule, awake (forwarding to the group) or asleep (its page names the group). */
export function routesTo(rule: Rule, groupArn: string): boolean {
  return forwardsTo(rule, groupArn) || asleepFor(rule, groupArn);
}

/** The action that answers: the one with the highest Order (the only one without Order). */
function terminal(actions: Action[]): Action | undefined {
  return [...actions].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0)).at(-1);
}

/** The rule's login actions, ready to be sent again: an OIDC secret cannot be read back, so it is kept. */
function loginActions(actions: Action[]): Action[] {
  return [...actions]
    .sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0))
    .slice(0, -1)
    .map((a) => {
      if (a.Type !== 'authenticate-oidc' || !a.AuthenticateOidcConfig) return a;
      const { ClientSecret: _unreadable, ...config } = a.AuthenticateOidcConfig;
      return { ...a, AuthenticateOidcConfig: { ...config, UseExistingClientSecret: true } };
    });
}

/** The rule's actions with its answer replaced: the login actions first, then `answer`. */
export function withAnswer(actions: Action[], answer: Action): Action[] {
  const logins = loginActions(actions);
  if (logins.length === 0) return [{ ...answer, Order: undefined }];
  return [...logins.map((a, i) => ({ ...a, Order: i + 1 })), { ...answer, Order: logins.length + 1 }];
}

export function isAsleep(tags: Tags): boolean {
  return tags[SLEEP_TAG.since] !== undefined;
}

/** Since when the preview has been awake: its last wake, else its creation. */
export function awakeSince(tags: Tags): number | undefined {
  const times = [tags[SLEEP_TAG.wokeAt], tags[TAG.createdAt]]
    .map((t) => Date.parse(t ?? ''))
    .filter(Number.isFinite);
  return times.length ? Math.max(...times) : undefined;
}

/**
 * Puts a preview to sleep: the rule answers with the page first (visitors never meet a bare 503), then the
 * service scales to zero, then the tags record it. Each step converges, so a re-run finishes a broken one.
 */
export async function sleepPreview(
  clients: PreviewClients,
  env: FoundPreview,
  options: { cluster: string; reason: SleepReason; now: number },
): Promise<void> {
  const service = env.service;
  const group = env.targetGroup;
  if (!service || !group)
    throw new Error(`${keyLabel(env.key)} has no service or target group to put to sleep`);
  const page = sleepPage(env.key, options.reason, group.arn);
  for (const rule of env.rules) {
    if (asleepFor({ Actions: rule.actions }, group.arn)) continue;
    await clients.elb.send(
      new ModifyRuleCommand({
        RuleArn: rule.arn,
        Actions: withAnswer(rule.actions ?? [], {
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode: '503', ContentType: 'text/html', MessageBody: page },
        }),
      }),
    );
  }
  const count = service.desiredCount ?? 1;
  await clients.ecs.send(
    new UpdateServiceCommand({ cluster: options.cluster, service: service.name, desiredCount: 0 }),
  );
  await clients.ecs.send(
    new TagResourceCommand({
      resourceArn: service.arn,
      tags: toEcsTags({
        [SLEEP_TAG.since]: isoSeconds(new Date(options.now)),
        [SLEEP_TAG.by]: options.reason,
        [SLEEP_TAG.awakeCount]: String(count > 0 ? count : 1),
      }),
    }),
  );
}

/** The tags that end a sleep on the service: the asleep tags go, woke-at and the slept total are written. */
export async function markAwake(
  clients: Pick<PreviewClients, 'ecs'>,
  serviceArn: string,
  tags: Tags,
  now: number,
): Promise<void> {
  const since = Date.parse(tags[SLEEP_TAG.since] ?? '');
  const before = Number(tags[SLEEP_TAG.sleptSeconds] ?? 0) || 0;
  const slept = Number.isFinite(since) ? Math.max(0, Math.round((now - since) / 1000)) : 0;
  await clients.ecs.send(
    new TagResourceCommand({
      resourceArn: serviceArn,
      tags: toEcsTags({
        [SLEEP_TAG.wokeAt]: isoSeconds(new Date(now)),
        [SLEEP_TAG.sleptSeconds]: String(before + slept),
      }),
    }),
  );
  await clients.ecs.send(
    new UntagResourceCommand({
      resourceArn: serviceArn,
      tagKeys: [SLEEP_TAG.since, SLEEP_TAG.by, SLEEP_TAG.awakeCount],
    }),
  );
}

/**
 * Wakes a preview: the service gets its count back, and once a target is healthy (or `timeoutMs` passed:
 * the rule then forwards anyway and the service's own deployment settles) the rule forwards again.
 */
export async function wakePreview(
  clients: PreviewClients,
  env: FoundPreview,
  options: { cluster: string; clock: Clock; timeoutMs: number; intervalMs: number },
): Promise<{ healthy: boolean }> {
  const service = env.service;
  const group = env.targetGroup;
  if (!service || !group) throw new Error(`${keyLabel(env.key)} has no service or target group to wake`);
  const count = Math.max(1, Number(service.tags[SLEEP_TAG.awakeCount] ?? 1) || 1);
  await clients.ecs.send(
    new UpdateServiceCommand({ cluster: options.cluster, service: service.name, desiredCount: count }),
  );
  let healthy = true;
  try {
    await poll({
      what: `a healthy target of ${group.name}`,
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      clock: options.clock,
      // Ready as preview-create's wait has it: the service runs its count, and every target registered is
      // healthy (ECS registers a task's target as it starts it).
      check: async () => {
        const { services = [] } = await clients.ecs.send(
          new DescribeServicesCommand({ cluster: options.cluster, services: [service.name] }),
        );
        const running = services[0]?.runningCount ?? 0;
        const { TargetHealthDescriptions = [] } = await clients.elb.send(
          new DescribeTargetHealthCommand({ TargetGroupArn: group.arn }),
        );
        const states = TargetHealthDescriptions.map((t) => t.TargetHealth?.State ?? 'unknown').filter(
          (st) => st !== 'draining' && st !== 'unused',
        );
        const healthy = states.filter((st) => st === 'healthy').length;
        return running >= count && healthy === states.length
          ? { done: true, value: healthy }
          : {
              done: false,
              status: `${running} of ${count} tasks running, ${healthy} of ${states.length} targets healthy`,
            };
      },
    });
  } catch {
    healthy = false;
  }
  for (const rule of env.rules) {
    if (forwardsTo({ Actions: rule.actions }, group.arn)) continue;
    await clients.elb.send(
      new ModifyRuleCommand({
        RuleArn: rule.arn,
        Actions: withAnswer(rule.actions ?? [], { Type: 'forward', TargetGroupArn: group.arn }),
      }),
    );
  }
  await markAwake(clients, service.arn, service.tags, options.clock.now());
  return { healthy };
}
