// Which environments go and why: a pure function of what was found, the PR and branch states and the clock.
import { compareKeys, formatDuration, isoSeconds, type PreviewKey, TAG, type Tags } from '@ecs-actions/kit';
import type { FoundPreview } from '@ecs-actions/preview';

export type DeleteReason = 'expired' | 'pr-closed' | 'pr-merged' | 'branch-deleted' | 'orphaned';
export type KeepReason = 'fresh' | 'creating' | 'in-use' | 'max-deletions' | 'github-budget';
/** What GitHub says about a PR; `unknown` when it could not be read (the reason is in `detail`). */
export type PrState =
  | { state: 'open' | 'closed' | 'merged' }
  | { state: 'not-found' }
  | { state: 'unknown'; detail: string };
/** Whether a branch preview's branch still exists on GitHub; `unknown` when it could not be read. */
export type BranchState = { state: 'exists' | 'deleted' } | { state: 'unknown'; detail: string };

/**
 * An environment without its service whose newest piece is younger than this is left alone: a
 * preview-create may be between creating the target group and the service (its `timeout` defaults to 10m).
 */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;

export interface Decision {
  env: FoundPreview;
  action: 'delete' | 'keep';
  reason: DeleteReason | KeepReason;
  detail: string;
  /** created-at of the environment (ms), for ordering; undefined when no piece has one. */
  createdAt: number | undefined;
}

export interface PlanOptions {
  now: number;
  maxAgeMs: number;
  maxDeletions: number;
  /** PR states from GitHub; undefined when `closed-prs` is off. */
  prStates?: Map<number, PrState>;
  /** Branch states of branch previews from GitHub, by branch name; undefined when `closed-prs` is off. */
  branchStates?: Map<string, BranchState>;
}

const time = (tags: Tags, key: string): number | undefined => {
  const value = Date.parse(tags[key] ?? '');
  return Number.isFinite(value) ? value : undefined;
};

/** An environment counts as a working preview only while its service is ACTIVE. */
export function isOrphan(env: FoundPreview): boolean {
  return env.service?.status !== 'ACTIVE';
}

function piecesTags(env: FoundPreview): Tags[] {
  return [env.service?.tags, env.targetGroup?.tags, ...env.rules.map((r) => r.tags), env.family?.tags].filter(
    (t): t is Tags => t !== undefined,
  );
}

/**
 * Age of a working preview comes from its service's tags: preview-create extends `expires-at` there
 * on each deployment (the target group and rule keep their first values).
 */
function ageOf(env: FoundPreview, maxAgeMs: number, now: number) {
  const tags = env.service?.tags ?? {};
  const createdAt = time(tags, TAG.createdAt);
  const expiresAt = time(tags, TAG.expiresAt);
  const byAge = createdAt === undefined ? undefined : createdAt + maxAgeMs;
  const deadline = Math.min(expiresAt ?? Number.POSITIVE_INFINITY, byAge ?? Number.POSITIVE_INFINITY);
  let detail: string;
  if (expiresAt !== undefined && expiresAt <= now)
    detail = `expires-at ${isoSeconds(new Date(expiresAt))} passed`;
  else if (byAge !== undefined && byAge <= now)
    detail = `created ${isoSeconds(new Date(createdAt!))}, older than max-age ${formatDuration(maxAgeMs)}`;
  else if (Number.isFinite(deadline)) detail = `expires ${isoSeconds(new Date(deadline))}`;
  else detail = 'no created-at or expires-at tag: age unknown';
  return { createdAt, expired: deadline <= now, detail };
}

/** When a working preview expires (its expires-at, or created-at + max-age, whichever comes first). */
export function deadlineOf(env: FoundPreview, maxAgeMs: number): number | undefined {
  const tags = env.service?.tags ?? {};
  const createdAt = time(tags, TAG.createdAt);
  const candidates = [
    time(tags, TAG.expiresAt),
    createdAt === undefined ? undefined : createdAt + maxAgeMs,
  ].filter((t): t is number => t !== undefined);
  return candidates.length ? Math.min(...candidates) : undefined;
}

/** The PRs and branches whose state decides: working previews that have not expired. */
export function keysToCheck(
  environments: FoundPreview[],
  options: Omit<PlanOptions, 'prStates' | 'branchStates'>,
): PreviewKey[] {
  return environments
    .filter((env) => !isOrphan(env) && !ageOf(env, options.maxAgeMs, options.now).expired)
    .map((env) => env.key);
}

/**
 * Decides each environment. The first reason that applies wins: orphaned (service gone, older than
 * the grace period), expired, PR merged or closed (branch deleted, for a branch preview). Deletions beyond `maxDeletions` (oldest first) are
 * kept for the next run.
 */
export function plan(environments: FoundPreview[], options: PlanOptions): Decision[] {
  const decisions = environments.map((env): Decision => {
    if (isOrphan(env)) {
      const times = piecesTags(env)
        .map((t) => time(t, TAG.createdAt))
        .filter((t): t is number => t !== undefined);
      const newest = times.length ? Math.max(...times) : undefined;
      const oldest = times.length ? Math.min(...times) : undefined;
      const what = env.service ? `service ${env.service.status}` : 'no service in this cluster';
      if (env.registeredTargets) {
        return {
          env,
          action: 'keep',
          reason: 'in-use',
          detail: `${what}, but its target group has ${env.registeredTargets} registered target(s): a service in another cluster may use it`,
          createdAt: oldest,
        };
      }
      if (newest !== undefined && options.now - newest < ORPHAN_GRACE_MS) {
        return {
          env,
          action: 'keep',
          reason: 'creating',
          detail: `${what}, created ${formatDuration(options.now - newest)} ago: a preview-create may still be running`,
          createdAt: oldest,
        };
      }
      return {
        env,
        action: 'delete',
        reason: 'orphaned',
        detail: `${what}: ${pieces(env)} left`,
        createdAt: oldest,
      };
    }
    const age = ageOf(env, options.maxAgeMs, options.now);
    if (age.expired)
      return { env, action: 'delete', reason: 'expired', detail: age.detail, createdAt: age.createdAt };
    const { key } = env;
    if (key.kind === 'branch') {
      const branch = options.branchStates?.get(key.branch);
      if (branch?.state === 'deleted') {
        return {
          env,
          action: 'delete',
          reason: 'branch-deleted',
          detail: `branch ${key.branch} no longer exists`,
          createdAt: age.createdAt,
        };
      }
      let note = '';
      if (branch?.state === 'exists') note = '; branch exists';
      else if (branch?.state === 'unknown') note = `; branch state unknown (${branch.detail})`;
      return {
        env,
        action: 'keep',
        reason: 'fresh',
        detail: `${age.detail}${note}`,
        createdAt: age.createdAt,
      };
    }
    const pr = options.prStates?.get(key.pr);
    if (pr?.state === 'merged' || pr?.state === 'closed') {
      return {
        env,
        action: 'delete',
        reason: pr.state === 'merged' ? 'pr-merged' : 'pr-closed',
        detail: `PR #${key.pr} is ${pr.state}`,
        createdAt: age.createdAt,
      };
    }
    let note = '';
    if (pr?.state === 'open') note = '; PR open';
    else if (pr?.state === 'not-found') note = `; PR #${key.pr} not found on GitHub`;
    else if (pr?.state === 'unknown') note = `; PR state unknown (${pr.detail})`;
    return { env, action: 'keep', reason: 'fresh', detail: `${age.detail}${note}`, createdAt: age.createdAt };
  });

  const deletions = decisions
    .filter((d) => d.action === 'delete')
    .sort(
      (a, b) =>
        (a.createdAt ?? Number.NEGATIVE_INFINITY) - (b.createdAt ?? Number.NEGATIVE_INFINITY) ||
        compareKeys(a.env.key, b.env.key),
    );
  for (const decision of deletions.slice(options.maxDeletions)) {
    decision.detail = `would be ${decision.reason} (${decision.detail}), but max-deletions (${options.maxDeletions}) was reached: the next run takes it`;
    decision.action = 'keep';
    decision.reason = 'max-deletions';
  }
  return decisions;
}

/** What an environment holds, in words: "target group, 1 listener rule, task definition family". */
export function pieces(env: FoundPreview): string {
  const parts = [
    env.service && `service (${env.service.status})`,
    env.targetGroup && 'target group',
    env.rules.length > 0 && `${env.rules.length} listener rule${env.rules.length > 1 ? 's' : ''}`,
    env.family && 'task definition family',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'nothing';
}
