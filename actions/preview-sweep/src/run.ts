import { errorMessage, type Octokit, type StepDeps, UserError } from '@ecs-actions/kit';
import {
  deactivateDeployments,
  type FoundPreview,
  findPreviews,
  type PreviewClients,
  type Removed,
  teardownPreview,
  withRevisions,
} from '@ecs-actions/preview';
import { readPrStates } from './github.js';
import type { SweepInputs } from './inputs.js';
import { type DeleteReason, type KeepReason, type PrState, plan, prsToCheck } from './plan.js';
import { mapLimit, taskQueue } from './pool.js';

/**
 * Environments torn down at once. Throughput is set by the pacer (AWS's buckets), not by this; it only
 * needs to be high enough that a call is always waiting for the slowest bucket (ELB mutations, 3/s).
 */
export const CONCURRENCY = 16;
/** GitHub follow-ups (deployments, comments) at once; GitHub spaces writes about a second apart anyway. */
const GITHUB_CONCURRENCY = 2;

/** What happened to one PR's sticky comment: updated, or skipped because it has none or the token is read-only. */
export type CommentOutcome = 'updated' | 'no-comment' | 'read-only';

/** Updates one PR's sticky comment row to `destroyed`, with the reason. */
export type MarkDestroyed = (pr: number, reason: DeleteReason) => Promise<CommentOutcome>;

export interface SweepDeps extends PreviewClients, StepDeps {
  octokit: Octokit | undefined;
  /** The sticky-comment update; absent when `sticky-comment` is off or there is no token. */
  markDestroyed?: MarkDestroyed;
  /** PR states; by default read through `octokit`. */
  readPrStates?: (prs: number[]) => Promise<Map<number, PrState>>;
}

export interface SweptEnvironment {
  pr: number;
  reason: DeleteReason;
  detail: string;
  /** Removed (dry run: would be removed), in teardown order. */
  resources: Removed[];
}

export interface FailedEnvironment extends SweptEnvironment {
  errors: { kind: string; id: string; error: string }[];
}

export interface KeptEnvironment {
  pr: number;
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
  deactivatedDeployments: number;
  comments: { updated: number; noComment: number; readOnly: number; failed: number; wired: boolean };
  /** Why PR states were not read, when they were not. */
  prCheck: string;
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
  deps.log(
    `Found ${inventory.previews.length} preview environment(s) of ${deps.context.repository} with prefix '${prefix}' in cluster ${inputs.cluster}.`,
  );

  const now = deps.clock.now();
  const options = { now, maxAgeMs: inputs.maxAgeMs, maxDeletions: inputs.maxDeletions };
  let prStates: Map<number, PrState> | undefined;
  let prCheck = 'closed-prs is off';
  if (inputs.closedPrs) {
    const reader =
      deps.readPrStates ??
      (deps.octokit ? (prs: number[]) => readPrStates(deps.octokit!, deps.context, prs) : undefined);
    if (reader) {
      prStates = await reader(prsToCheck(inventory.previews, options));
      prCheck = '';
      const unknown = [...prStates.values()].find((s) => s.state === 'unknown');
      if (unknown?.state === 'unknown') deps.warn(`Could not read some PR states: ${unknown.detail}`);
    } else {
      prCheck = 'no github-token';
      deps.warn('closed-prs is on but there is no github-token: PR states were not checked.');
    }
  }
  const decisions = plan(inventory.previews, { ...options, prStates });

  const result: SweepResult = {
    dryRun: inputs.dryRun,
    deleted: [],
    kept: [],
    failed: [],
    otherPrefixes: inventory.otherPrefixes,
    deactivatedDeployments: 0,
    comments: { updated: 0, noComment: 0, readOnly: 0, failed: 0, wired: deps.markDestroyed !== undefined },
    prCheck,
    elapsedMs: 0,
  };
  for (const d of decisions) {
    if (d.action === 'keep')
      result.kept.push({ pr: d.env.pr, reason: d.reason as KeepReason, detail: d.detail });
  }

  // GitHub follow-ups start as soon as an environment is gone, beside the remaining AWS work.
  const github = taskQueue(GITHUB_CONCURRENCY);
  const outcomes = await mapLimit(
    decisions.filter((d) => d.action === 'delete'),
    CONCURRENCY,
    async (d) => {
      const swept = { pr: d.env.pr, reason: d.reason as DeleteReason, detail: d.detail };
      try {
        const found = inputs.deregisterTaskDefinitions ? await withRevisions(deps.ecs, d.env) : d.env;
        const teardown = await teardownPreview(deps, found, {
          cluster: inputs.cluster,
          deregisterTaskDefinitions: inputs.deregisterTaskDefinitions,
          clock: deps.clock,
          log: (line) => deps.log(`PR #${d.env.pr}: ${line}`),
          dryRun: inputs.dryRun,
        });
        if (inputs.dryRun) return { ...swept, resources: teardown.removed, errors: [] };
        if (teardown.failed.length === 0)
          void github.add(() => afterRemoval(inputs, deps, result, swept, found));
        return { ...swept, resources: teardown.removed, errors: teardown.failed };
      } catch (error) {
        deps.log(`PR #${d.env.pr}: ${errorMessage(error)}`);
        return {
          ...swept,
          resources: [],
          errors: [{ kind: 'environment', id: `PR #${d.env.pr}`, error: errorMessage(error) }],
        };
      }
    },
  );
  for (const outcome of outcomes) {
    if (outcome.errors.length > 0) result.failed.push(outcome);
    else
      result.deleted.push({
        pr: outcome.pr,
        reason: outcome.reason,
        detail: outcome.detail,
        resources: outcome.resources,
      });
  }
  await github.idle();
  result.elapsedMs = deps.clock.now() - start;
  return result;
}

/** GitHub follow-ups of a removed environment; problems are warnings, never a failed sweep. */
async function afterRemoval(
  inputs: SweepInputs,
  deps: SweepDeps,
  result: SweepResult,
  swept: { pr: number; reason: DeleteReason },
  found: FoundPreview,
): Promise<void> {
  if (inputs.githubDeployments && deps.octokit) {
    try {
      result.deactivatedDeployments += await deactivateDeployments({
        octokit: deps.octokit,
        context: deps.context,
        environment: inputs.deploymentEnvironment,
        task: found.names.deploymentTask,
        warn: deps.warn,
      });
    } catch (error) {
      deps.warn(`PR #${swept.pr}: GitHub deployments not updated: ${errorMessage(error)}`);
    }
  }
  if (deps.markDestroyed) {
    try {
      const outcome = await deps.markDestroyed(swept.pr, swept.reason);
      if (outcome === 'updated') result.comments.updated++;
      else if (outcome === 'no-comment') result.comments.noComment++;
      else result.comments.readOnly++;
    } catch (error) {
      result.comments.failed++;
      deps.warn(`PR #${swept.pr}: sticky comment not updated: ${errorMessage(error)}`);
    }
  }
}

/**
 * Fails the step when some previews could not be fully removed (called after the outputs and summary): one
 * line per distinct error (a missing permission fails every environment alike), naming the PRs.
 */
export function assertAllRemoved(result: SweepResult): void {
  const { failed } = result;
  if (failed.length === 0) return;
  const byError = new Map<string, string[]>();
  for (const f of failed) {
    for (const e of f.errors) {
      const key = `${e.kind}: ${e.error}`;
      byError.set(key, [...(byError.get(key) ?? []), `#${f.pr} (${e.id})`]);
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
