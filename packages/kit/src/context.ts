// The run's context from the runner's environment, apart from github.ts so that reading it loads no Octokit.
import { readFileSync } from 'node:fs';
import { UserError } from './errors.js';

/** What the workflow run tells about itself, read from the runner's environment. */
export interface RunContext {
  repository: string;
  owner: string;
  repo: string;
  eventName: string;
  /** The event payload (GITHUB_EVENT_PATH), or `{}` when there is none. */
  payload: Record<string, unknown>;
  sha: string;
  /** The head commit of the event's pull request, when the event carries one. */
  prHeadSha: string | undefined;
  /** The commit the run is about: the PR's head for PR events, else GITHUB_SHA. */
  headSha: string;
  /** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT; 0 when unknown. */
  runId: number;
  runAttempt: number;
  /** This attempt of the run (`…/actions/runs/ID/attempts/N` from the second attempt on). */
  runUrl: string | undefined;
  /** GITHUB_SERVER_URL (https://github.com, or a GitHub Enterprise Server). */
  serverUrl: string;
  /** GITHUB_ACTOR: who started the run. */
  actor: string;
}

/** HTTP status of an Octokit error, if any. */
export function httpStatusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error
    ? Number((error as { status: unknown }).status)
    : undefined;
}

/** Reads the run's context from GITHUB_* variables; a missing repository is a UserError. */
export function runContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!owner || !repo)
    throw new UserError('GITHUB_REPOSITORY is not set (owner/repo): run this inside GitHub Actions.');
  let payload: Record<string, unknown> = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
    } catch {
      payload = {};
    }
  }
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const count = (text: string | undefined) => {
    const n = Number(text);
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  };
  const runId = count(env.GITHUB_RUN_ID);
  const runAttempt = count(env.GITHUB_RUN_ATTEMPT);
  const sha = env.GITHUB_SHA ?? '';
  const head = (payload as { pull_request?: { head?: { sha?: unknown } } }).pull_request?.head?.sha;
  const prHeadSha = typeof head === 'string' && head !== '' ? head : undefined;
  const runUrl = runId ? `${server}/${repository}/actions/runs/${runId}` : undefined;
  return {
    repository,
    owner,
    repo,
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    sha,
    prHeadSha,
    headSha: prHeadSha ?? sha,
    runId,
    runAttempt,
    runUrl: runUrl && runAttempt > 1 ? `${runUrl}/attempts/${runAttempt}` : runUrl,
    serverUrl: server,
    actor: env.GITHUB_ACTOR ?? '',
  };
}

/** The pull request number of the event (pull_request, pull_request_target, issue_comment on a PR). */
export function eventPullRequest(context: RunContext): number | undefined {
  const payload = context.payload as {
    pull_request?: { number?: number };
    issue?: { number?: number; pull_request?: unknown };
    number?: number;
  };
  if (payload.pull_request?.number) return payload.pull_request.number;
  if (payload.issue?.pull_request && payload.issue.number) return payload.issue.number;
  return undefined;
}

/** The PR's head branch from the event, when there is one. */
export function eventBranch(context: RunContext, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const payload = context.payload as { pull_request?: { head?: { ref?: string } } };
  return payload.pull_request?.head?.ref ?? env.GITHUB_HEAD_REF ?? env.GITHUB_REF_NAME;
}
