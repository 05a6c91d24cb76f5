import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { TagResourceCommand } from '@aws-sdk/client-ecs';
import {
  errorMessage,
  isoSeconds,
  keyLabel,
  type PreviewKey,
  type StepDeps,
  TAG,
  toEcsTags,
  UserError,
} from '@ecs-actions/kit';
import {
  type DiscoveryClients,
  findPreviews,
  isAsleep,
  type Removed,
  SLEEP_TAG,
  type SleepReason,
  sleepPreview,
  teardownPreview,
  wakePreview,
  withRevisions,
} from '@ecs-actions/preview';
import { estimateCost, type FargateRates, resolveRates, usd } from '@ecs-actions/preview/cost';
import type { SweepInputs } from './inputs.js';
import {
  type BranchState,
  type Decision,
  type DeleteReason,
  deadlineOf,
  type KeepReason,
  keysToCheck,
  type PrState,
  plan,
} from './plan.js';
import { mapLimit, taskQueue } from './pool.js';
import { idleCandidates, idleGroups, planSleep } from './sleep.js';

/**
 * Environments torn down at once. Throughput is set by the pacer (AWS's buckets), not by this; it only
 * needs to be high enough that a call is always waiting for the slowest bucket (ELB mutations, 3/s).
 */
export const CONCURRENCY = 16;
/** GitHub writes at once; GitHub spaces writes about a second apart anyway. */
const GITHUB_CONCURRENCY = 2;
/** Requests kept back from the budget for retries and the comment check. */
const BUDGET_MARGIN = 0.05;

/** What happened to one PR's sticky comment (branch previews have none). */
export type CommentOutcome = 'updated' | 'unchanged' | 'no-comment' | 'read-only' | 'failed';

/** A removed preview's GitHub follow-ups, read before anything is removed (see github.ts). */
export interface PlannedFollowUp {
  key: PreviewKey;
  /** Requests its writes take. */
  writes: number;
}

/** The sweep's GitHub side; absent without a token. */
export interface SweepGitHub {
  /** PR states (closed-prs). */
  readPrStates(prs: number[]): Promise<Map<number, PrState>>;
  /** Whether branch previews' branches still exist (closed-prs), by branch name. */
  readBranchStates(branches: string[]): Promise<Map<string, BranchState>>;
  /** Reads what the follow-ups of these previews need (sticky comments, live deployments), by key id. */
  prepare(keys: PreviewKey[]): Promise<Map<string, PlannedFollowUp>>;
  /** Sets the sticky comment row of a preview put to sleep (asleep) or woken (ready); true when written. */
  markSleep(key: PreviewKey, change: 'asleep' | 'awake', detail: string): Promise<boolean>;
  /** Says on the PR's row that the preview expires at `expiresAt` (within a day); true when written. */
  warnExpiry(key: PreviewKey, expiresAt: number): Promise<boolean>;
  /** Writes one removed preview's follow-ups. */
  write(key: PreviewKey, reason: DeleteReason): Promise<{ comment: CommentOutcome; deactivated: number }>;
  /** Checks the comments written, after a settle time, and writes lost rows again; returns how many. */
  verify(): Promise<number>;
  /** Requests made so far (REST and GraphQL, retries included). */
  requests(): number;
  /** Whether sticky comments are updated (`sticky-comment`). */
  comments: boolean;
}

export interface SweepDeps extends DiscoveryClients, StepDeps {
  github?: SweepGitHub;
  /** CloudWatch, for `idle-after` (the target groups' request counts). */
  cloudwatch?: CloudWatchClient;
  /** Fargate rates of a region outside the cost table (the AWS Price List API); undefined: the table only. */
  readRates?: (region: string) => Promise<Partial<FargateRates>>;
}

/** A preview put to sleep or woken by this run (dry run: that would be). */
export interface SleepChange {
  key: PreviewKey;
  reason: SleepReason;
  detail: string;
  /** Wake: whether a target was healthy before the rule forwarded again. */
  healthy?: boolean;
}

export interface SweptEnvironment {
  key: PreviewKey;
  reason: DeleteReason;
  detail: string;
  /** Removed (dry run: would be removed), in teardown order. */
  resources: Removed[];
}

export interface FailedEnvironment extends SweptEnvironment {
  errors: { kind: string; id: string; error: string }[];
}

export interface KeptEnvironment {
  key: PreviewKey;
  reason: KeepReason;
  detail: string;
}

export interface SweepResult {
  dryRun: boolean;
  deleted: SweptEnvironment[];
  kept: KeptEnvironment[];
  failed: FailedEnvironment[];
  /** Environments of this repository with another name prefix: not this sweep's. */
  otherPrefixes: number;
  /** How services and target groups were found (by tags, or by listing them all). */
  discovery: 'tags' | 'listing';
  deactivatedDeployments: number;
  comments: { updated: number; noComment: number; readOnly: number; failed: number; wired: boolean };
  /** GitHub requests made and the budget; previews deferred by the budget are in `kept`. */
  github: { requests: number; budget: number; deferredWrites: PreviewKey[] };
  /** Why PR and branch states were not read, when they were not. */
  prCheck: string;
  slept: SleepChange[];
  woke: SleepChange[];
  /** Previews that could not be put to sleep or woken (warned; the next run tries again). */
  sleepFailed: (SleepChange & { error: string })[];
  /** Estimated cost of each preview found (Fargate only), and where the rates come from. */
  costs: { key: PreviewKey; sofar: number; perDay: number; asleep: boolean }[];
  /** Working previews that expire within a day (their PR's row says so, once per expiry). */
  expiring: { key: PreviewKey; expiresAt: number; warned: boolean }[];
  costSource: string;
  elapsedMs: number;
}

/** Finds every preview of the repository and prefix, decides, and removes the stale ones in parallel. */
export async function runSweep(inputs: SweepInputs, deps: SweepDeps): Promise<SweepResult> {
  const start = deps.clock.now();
  const prefix = inputs.namePrefix ?? deps.context.repo;
  const inventory = await findPreviews(deps, {
    cluster: inputs.cluster,
    repository: deps.context.repository,
    prefix,
  });
  if (inventory.discoveryNote) deps.warn(inventory.discoveryNote);
  deps.log(
    `Found ${inventory.previews.length} preview environment(s) of ${deps.context.repository} with prefix '${prefix}' in cluster ${inputs.cluster}.`,
  );

  const now = deps.clock.now();
  const options = { now, maxAgeMs: inputs.maxAgeMs, maxDeletions: inputs.maxDeletions };
  let prStates: Map<number, PrState> | undefined;
  let branchStates: Map<string, BranchState> | undefined;
  let prCheck = 'closed-prs is off';
  if (inputs.closedPrs) {
    if (deps.github) {
      const keys = keysToCheck(inventory.previews, options);
      const prs = keys.flatMap((k) => (k.kind === 'pr' ? [k.pr] : []));
      const branches = keys.flatMap((k) => (k.kind === 'branch' ? [k.branch] : []));
      prStates = prs.length ? await deps.github.readPrStates(prs) : new Map();
      branchStates = branches.length ? await deps.github.readBranchStates(branches) : new Map();
      prCheck = '';
      const unknown = [...prStates.values(), ...branchStates.values()].find((s) => s.state === 'unknown');
      if (unknown?.state === 'unknown')
        deps.warn(`Could not read some PR or branch states: ${unknown.detail}`);
    } else {
      prCheck = 'no github-token';
      deps.warn('closed-prs is on but there is no github-token: PR and branch states were not checked.');
    }
  }
  const decisions = plan(inventory.previews, { ...options, prStates, branchStates });

  const result: SweepResult = {
    dryRun: inputs.dryRun,
    deleted: [],
    kept: [],
    failed: [],
    otherPrefixes: inventory.otherPrefixes,
    discovery: inventory.discovery,
    deactivatedDeployments: 0,
    comments: { updated: 0, noComment: 0, readOnly: 0, failed: 0, wired: deps.github?.comments === true },
    github: { requests: 0, budget: inputs.githubRequestBudget, deferredWrites: [] },
    prCheck,
    slept: [],
    woke: [],
    sleepFailed: [],
    costs: [],
    expiring: [],
    costSource: '',
    elapsedMs: 0,
  };
  const { rates, source } = await resolveRates(
    inputs.region ?? process.env.AWS_REGION,
    inputs.fargateRates,
    deps.readRates,
    new Date(now),
  );
  result.costSource = source;
  for (const env of inventory.previews) {
    const tags = env.service?.status === 'ACTIVE' ? env.service.tags : undefined;
    if (!tags) continue;
    const tasks = isAsleep(tags)
      ? Number(tags[SLEEP_TAG.awakeCount] ?? 1) || 1
      : (env.service?.desiredCount ?? 1);
    const cost = estimateCost(tags, tasks, rates, now);
    if (cost) result.costs.push({ key: env.key, ...cost, asleep: isAsleep(tags) });
  }
  let deletions = decisions.filter((d) => d.action === 'delete');
  if (deps.github && !inputs.dryRun && deletions.length > 0) {
    deletions = await withinBudget(deletions, deps.github, inputs.githubRequestBudget);
  }
  for (const d of decisions) {
    if (d.action === 'keep')
      result.kept.push({ key: d.env.key, reason: d.reason as KeepReason, detail: d.detail });
  }

  // GitHub follow-ups start as soon as an environment is gone, beside the remaining AWS work.
  const github = taskQueue(GITHUB_CONCURRENCY);
  const outcomes = await mapLimit(deletions, CONCURRENCY, async (d) => {
    const swept = { key: d.env.key, reason: d.reason as DeleteReason, detail: d.detail };
    try {
      const found = inputs.deregisterTaskDefinitions ? await withRevisions(deps.ecs, d.env) : d.env;
      const teardown = await teardownPreview(deps, found, {
        cluster: inputs.cluster,
        deregisterTaskDefinitions: inputs.deregisterTaskDefinitions,
        clock: deps.clock,
        log: (line) => deps.log(`${keyLabel(d.env.key)}: ${line}`),
        dryRun: inputs.dryRun,
      });
      if (inputs.dryRun) return { ...swept, resources: teardown.removed, errors: [] };
      if (teardown.failed.length === 0 && deps.github)
        void github.add(() => afterRemoval(inputs, deps, result, swept));
      return { ...swept, resources: teardown.removed, errors: teardown.failed };
    } catch (error) {
      deps.log(`${keyLabel(d.env.key)}: ${errorMessage(error)}`);
      return {
        ...swept,
        resources: [],
        errors: [{ kind: 'environment', id: keyLabel(d.env.key), error: errorMessage(error) }],
      };
    }
  });
  for (const outcome of outcomes) {
    if (outcome.errors.length > 0) result.failed.push(outcome);
    else
      result.deleted.push({
        key: outcome.key,
        reason: outcome.reason,
        detail: outcome.detail,
        resources: outcome.resources,
      });
  }
  await sleepAndWake(inputs, deps, decisions, result);
  await warnExpiring(inputs, deps, decisions, result);
  if (!inputs.dryRun) {
    // The cost table shows each preview as this run leaves it.
    const slept = new Set(result.slept.map((c) => c.key.id));
    const woke = new Set(result.woke.map((c) => c.key.id));
    for (const cost of result.costs) {
      if (slept.has(cost.key.id)) cost.asleep = true;
      if (woke.has(cost.key.id)) cost.asleep = false;
    }
    const removed = new Set(result.deleted.map((d) => d.key.id));
    result.costs = result.costs.filter((c) => !removed.has(c.key.id));
  }
  await github.idle();
  if (deps.github && result.comments.updated > 0) {
    try {
      const again = await deps.github.verify();
      if (again > 0)
        deps.log(`Wrote the destroyed row again on ${again} comment(s) a racing run had overwritten.`);
    } catch (error) {
      deps.warn(`Sticky comments not checked after writing: ${errorMessage(error)}`);
    }
  }
  if (deps.github) result.github.requests = deps.github.requests();
  if (result.github.deferredWrites.length > 0) {
    deps.warn(
      `github-request-budget (${inputs.githubRequestBudget}) reached: the comments and deployments of ${result.github.deferredWrites.map(keyLabel).join(', ')} were not updated.`,
    );
  }
  result.elapsedMs = deps.clock.now() - start;
  return result;
}

/** How long before its expiry a preview's PR row says so. */
export const EXPIRY_WARNING_MS = 24 * 3_600_000;

/**
 * Says on the PR's sticky comment row when a working preview expires within a day, once per expiry: the
 * expiry warned about is kept in the service's `expiry-warned` tag, so a later run writes again only when a
 * push moved the expiry and it comes near again.
 */
async function warnExpiring(
  inputs: SweepInputs,
  deps: SweepDeps,
  decisions: Decision[],
  result: SweepResult,
): Promise<void> {
  const now = deps.clock.now();
  const soon = decisions.flatMap((d) => {
    if (d.action !== 'keep' || d.reason !== 'fresh' || d.env.service?.status !== 'ACTIVE') return [];
    const deadline = deadlineOf(d.env, inputs.maxAgeMs);
    if (deadline === undefined || deadline <= now || deadline - now > EXPIRY_WARNING_MS) return [];
    const warned = d.env.service.tags[TAG.expiryWarned] === isoSeconds(new Date(deadline));
    return [{ env: d.env, deadline, warned }];
  });
  result.expiring = soon.map((s) => ({ key: s.env.key, expiresAt: s.deadline, warned: s.warned }));
  const github = deps.github?.comments && !inputs.dryRun ? deps.github : undefined;
  const toWarn = soon.filter((s) => !s.warned && s.env.key.kind === 'pr');
  if (!github || toWarn.length === 0) return;
  await github.prepare(toWarn.map((s) => s.env.key));
  for (const s of toWarn) {
    if (github.requests() >= inputs.githubRequestBudget) {
      result.github.deferredWrites.push(s.env.key);
      continue;
    }
    try {
      await github.warnExpiry(s.env.key, s.deadline);
      // Also without a comment to write to: the next runs need not read it again.
      await deps.ecs.send(
        new TagResourceCommand({
          resourceArn: s.env.service!.arn,
          tags: toEcsTags({ [TAG.expiryWarned]: isoSeconds(new Date(s.deadline)) }),
        }),
      );
      const entry = result.expiring.find((e) => e.key.id === s.env.key.id);
      if (entry) entry.warned = true;
    } catch (error) {
      deps.warn(`${keyLabel(s.env.key)}: expiry not announced: ${errorMessage(error)}`);
    }
  }
}

/** CONCURRENCY is for removals; sleeping and waking wait for health, so fewer at once. */
const SLEEP_CONCURRENCY = 8;

/** Puts working previews to sleep and wakes them, by the schedule and `idle-after` (sleep.ts decides). */
async function sleepAndWake(
  inputs: SweepInputs,
  deps: SweepDeps,
  decisions: Decision[],
  result: SweepResult,
): Promise<void> {
  if (!inputs.sleepSchedule && inputs.idleAfterMs === undefined) return;
  const now = deps.clock.now();
  const options = {
    now,
    ...(inputs.sleepSchedule ? { schedule: inputs.sleepSchedule } : {}),
    ...(inputs.idleAfterMs !== undefined ? { idleAfterMs: inputs.idleAfterMs } : {}),
  };
  const working = decisions.filter((d) => d.action === 'keep' && d.reason === 'fresh').map((d) => d.env);
  let idle = new Set<string>();
  const candidates = idleCandidates(working, options);
  if (candidates.length > 0 && deps.cloudwatch && inputs.idleAfterMs !== undefined) {
    try {
      idle = await idleGroups(deps.cloudwatch, candidates, inputs.idleAfterMs, now);
    } catch (error) {
      deps.warn(
        `Request counts not read from CloudWatch (${errorMessage(error)}): no preview slept for being idle. Allow cloudwatch:GetMetricData.`,
      );
    }
  }
  const plan = planSleep(working, options, idle);
  // The PR previews' sticky comments, read in a few GraphQL requests, for their rows (💤 asleep / ready).
  const github = deps.github?.comments && !inputs.dryRun ? deps.github : undefined;
  const withComments = plan.filter((d) => d.env.key.kind === 'pr');
  if (github && withComments.length > 0) await github.prepare(withComments.map((d) => d.env.key));
  const markRow = async (d: (typeof plan)[number]) => {
    if (!github || d.env.key.kind !== 'pr') return;
    if (github.requests() >= inputs.githubRequestBudget) {
      result.github.deferredWrites.push(d.env.key);
      return;
    }
    try {
      const cost = result.costs.find((c) => c.key.id === d.env.key.id);
      const detail = cost
        ? `${d.detail}; estimated cost so far ${usd(cost.sofar)}, ${usd(cost.perDay)} per day awake`
        : d.detail;
      await github.markSleep(d.env.key, d.action === 'sleep' ? 'asleep' : 'awake', detail);
    } catch (error) {
      deps.warn(`${keyLabel(d.env.key)}: comment row not updated: ${errorMessage(error)}`);
    }
  };
  await mapLimit(plan, SLEEP_CONCURRENCY, async (d) => {
    const change: SleepChange = { key: d.env.key, reason: d.reason, detail: d.detail };
    if (inputs.dryRun) {
      (d.action === 'sleep' ? result.slept : result.woke).push(change);
      return;
    }
    try {
      if (d.action === 'sleep') {
        await sleepPreview(deps, d.env, { cluster: inputs.cluster, reason: d.reason, now: deps.clock.now() });
        result.slept.push(change);
        deps.log(`${keyLabel(d.env.key)}: asleep (${d.detail})`);
        await markRow(d);
      } else {
        const { healthy } = await wakePreview(deps, d.env, {
          cluster: inputs.cluster,
          clock: deps.clock,
          timeoutMs: inputs.wakeTimeoutMs,
          intervalMs: 5_000,
        });
        result.woke.push({ ...change, healthy });
        await markRow(d);
        deps.log(`${keyLabel(d.env.key)}: awake (${d.detail})${healthy ? '' : ', not healthy yet'}`);
      }
    } catch (error) {
      result.sleepFailed.push({ ...change, error: errorMessage(error) });
      deps.warn(
        `${keyLabel(d.env.key)}: could not ${d.action === 'sleep' ? 'put it to sleep' : 'wake it'}: ${errorMessage(error)}`,
      );
    }
  });
}

/**
 * Keeps the deletions whose GitHub writes fit in the request budget (after what the run has used and a
 * margin for retries and the comment check); the others are kept for the next run, which finds them as
 * they are. Their follow-ups were read in few requests, so each one's writes are known exactly.
 */
async function withinBudget(deletions: Decision[], github: SweepGitHub, budget: number): Promise<Decision[]> {
  const planned = await github.prepare(deletions.map((d) => d.env.key));
  let left = Math.floor(budget * (1 - BUDGET_MARGIN)) - github.requests() - Math.ceil(deletions.length / 100);
  const kept: Decision[] = [];
  for (const d of deletions) {
    const writes = planned.get(d.env.key.id)?.writes ?? 0;
    if (writes <= left) {
      left -= writes;
      kept.push(d);
      continue;
    }
    d.detail = `would be ${d.reason} (${d.detail}), but github-request-budget (${budget}) would be exceeded: the next run takes it`;
    d.reason = 'github-budget';
    d.action = 'keep';
  }
  return kept;
}

/** GitHub follow-ups of a removed environment; problems are warnings, never a failed sweep. */
async function afterRemoval(
  inputs: SweepInputs,
  deps: SweepDeps,
  result: SweepResult,
  swept: { key: PreviewKey; reason: DeleteReason },
): Promise<void> {
  const github = deps.github!;
  if (github.requests() >= inputs.githubRequestBudget) {
    result.github.deferredWrites.push(swept.key);
    return;
  }
  try {
    const { comment, deactivated } = await github.write(swept.key, swept.reason);
    result.deactivatedDeployments += deactivated;
    if (comment === 'updated') result.comments.updated++;
    else if (comment === 'no-comment' || comment === 'unchanged') result.comments.noComment++;
    else if (comment === 'read-only') result.comments.readOnly++;
    else result.comments.failed++;
  } catch (error) {
    result.comments.failed++;
    deps.warn(`${keyLabel(swept.key)}: GitHub follow-ups not written: ${errorMessage(error)}`);
  }
}

/**
 * Fails the step when some previews could not be fully removed (called after the outputs and summary): one
 * line per distinct error (a missing permission fails every environment alike), naming the PRs and branches.
 */
export function assertAllRemoved(result: SweepResult): void {
  const { failed } = result;
  if (failed.length === 0) return;
  const byError = new Map<string, string[]>();
  for (const f of failed) {
    for (const e of f.errors) {
      const key = `${e.kind}: ${e.error}`;
      const who = f.key.kind === 'pr' ? `#${f.key.pr}` : `branch ${f.key.branch}`;
      byError.set(key, [...(byError.get(key) ?? []), `${who} (${e.id})`]);
    }
  }
  const lines = [...byError].map(([error, where]) =>
    where.length > 5
      ? `  - ${error} — ${where.length} environments: ${where.slice(0, 5).join(', ')}, …`
      : `  - ${error} — ${where.join(', ')}`,
  );
  throw new UserError(
    `Could not fully remove ${failed.length} preview environment(s); every other one was handled, and what is left keeps its tags for the next run:\n${lines.join('\n')}`,
  );
}
