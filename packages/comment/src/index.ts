import { debug, info, notice, type Octokit, warning } from '@ecs-actions/kit';
import { githubCommentsApi } from './api.js';
import type { Links } from './body.js';
import type { PrCommentInputs, Report } from './request.js';
import { DEFAULT_TIMING, type Deps, type Log, type RunOutput, run } from './run.js';

export * from './api.js';
export * from './body.js';
export * from './request.js';
export * from './run.js';
export * from './state.js';

/** The step's log through @actions/core, for run()'s `log`. */
export const stepLog: Log = { info, warning, notice, debug };

/** run()'s dependencies in a workflow run: the PR's comments through Octokit, the real clock, the step log. */
export function liveDeps(
  octokit: Octokit,
  pr: { owner: string; repo: string; number: number },
  log: Log = stepLog,
): Deps {
  return {
    api: githubCommentsApi(octokit, pr),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    log,
  };
}

export interface RowTarget {
  owner: string;
  repo: string;
  pr: number;
  /** GITHUB_RUN_ID / GITHUB_RUN_ATTEMPT of the reporting run (they order reports: a newer run wins). */
  runId: number;
  runAttempt: number;
  runUrl?: string;
  links: Links;
}

/**
 * Sets one environment's row of a PR's sticky comment from another action (a destroy or a sweep marks
 * its row `destroyed`), with the same race-safe code as the pr-comment action.
 */
export function reportRow(
  octokit: Octokit,
  target: RowTarget,
  report: Report | undefined,
  options: { key?: string; log?: Log; command?: PrCommentInputs['command'] } = {},
): Promise<RunOutput> {
  return run(
    {
      token: '',
      prNumber: target.pr,
      key: options.key ?? 'preview',
      mode: 'upsert',
      ...(report ? { report } : {}),
      ...(options.command ? { command: options.command } : {}),
      failOnReadOnly: false,
    },
    {
      runId: target.runId,
      runAttempt: target.runAttempt,
      ...(target.runUrl ? { runUrl: target.runUrl } : {}),
      links: target.links,
    },
    liveDeps(octokit, { owner: target.owner, repo: target.repo, number: target.pr }, options.log),
    DEFAULT_TIMING,
  );
}
