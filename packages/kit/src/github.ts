import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { UserError } from './errors.js';

export type Octokit = ReturnType<typeof getOctokit>;

/**
 * An Octokit for the token, pointed at GITHUB_API_URL (GitHub Enterprise and the tests' fake), with
 * retries of server errors (never of 4xx) and waits on rate limits (at most twice, with a warning);
 * the throttling plugin also spaces writes as GitHub asks (content creation at most one per second or so).
 */
export function createOctokit(token: string, env: NodeJS.ProcessEnv = process.env): Octokit {
  const baseUrl = env.GITHUB_API_URL || 'https://api.github.com';
  return getOctokit(
    token,
    {
      baseUrl,
      // plugin-retry's defaults: 3 retries of 5xx and network errors, never of 400/401/403/404/422.
      throttle: {
        onRateLimit: waitOnRateLimit('rate limit'),
        onSecondaryRateLimit: waitOnRateLimit('secondary rate limit'),
      },
    },
    retry,
    throttling,
  );
}

/** Longest single wait on a rate limit, and longest total per step (a step should not hang for an hour). */
export const RATE_LIMIT_WAIT = { oneSeconds: 300, totalSeconds: 900 };

/**
 * A rate-limit handler: waits as long as GitHub says (`retry-after`, or until `x-ratelimit-reset`, which the
 * throttling plugin turns into `retryAfter`) while each wait is at most 5 minutes and the step's waits add
 * up to at most 15; beyond that it gives up with the request's error.
 */
function waitOnRateLimit(kind: string) {
  let waited = 0;
  return (retryAfter: number, options: { method: string; url: string }) => {
    if (retryAfter > RATE_LIMIT_WAIT.oneSeconds || waited + retryAfter > RATE_LIMIT_WAIT.totalSeconds) {
      core.warning(
        `GitHub ${kind} hit on ${options.method} ${options.url}: it resets in ${retryAfter}s, longer than this step waits (${RATE_LIMIT_WAIT.oneSeconds}s at once, ${RATE_LIMIT_WAIT.totalSeconds}s in all).`,
      );
      return false;
    }
    waited += retryAfter;
    core.warning(`GitHub ${kind} hit on ${options.method} ${options.url}; retrying in ${retryAfter}s.`);
    return true;
  };
}

/** Counts the requests an Octokit makes from now on (REST and GraphQL, each retry included). */
export function countRequests(octokit: Octokit): () => number {
  let count = 0;
  octokit.hook.before('request', () => {
    count++;
  });
  return () => count;
}

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
