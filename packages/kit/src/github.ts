import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

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

export {
  eventBranch,
  eventPullRequest,
  httpStatusOf,
  type RunContext,
  runContext,
} from './context.js';
