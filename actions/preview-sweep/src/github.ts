import { errorMessage, httpStatusOf, type Octokit, type RunContext } from '@ecs-actions/kit';
import type { PrState } from './plan.js';
import { mapLimit } from './pool.js';

/**
 * The state of each PR: one paginated list of the open PRs, then one read per PR that is not open (to
 * tell merged from closed, and a PR that does not exist from one that does). A token that may not read
 * pull requests gives `unknown` with the reason, never a deletion.
 */
export async function readPrStates(
  octokit: Octokit,
  context: RunContext,
  prs: number[],
): Promise<Map<number, PrState>> {
  const states = new Map<number, PrState>();
  if (prs.length === 0) return states;
  const { owner, repo } = context;
  let open: Set<number>;
  try {
    const list = await octokit.paginate(octokit.rest.pulls.list, {
      owner,
      repo,
      state: 'open',
      per_page: 100,
    });
    open = new Set(list.map((p) => p.number));
  } catch (error) {
    const detail = `listing pull requests failed: ${errorMessage(error)}${httpStatusOf(error) === 403 ? " (give the job 'pull-requests: read')" : ''}`;
    for (const pr of prs) states.set(pr, { state: 'unknown', detail });
    return states;
  }
  await mapLimit(prs, 4, async (pr) => {
    if (open.has(pr)) {
      states.set(pr, { state: 'open' });
      return;
    }
    try {
      const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pr });
      states.set(pr, { state: data.merged ? 'merged' : data.state === 'open' ? 'open' : 'closed' });
    } catch (error) {
      states.set(
        pr,
        httpStatusOf(error) === 404
          ? { state: 'not-found' }
          : { state: 'unknown', detail: `reading PR #${pr} failed: ${errorMessage(error)}` },
      );
    }
  });
  return states;
}
