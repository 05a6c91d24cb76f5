import { githubCommentsApi, hasMarker, type Log, reportRow, runIdentity } from '@ecs-actions/comment';
import type { Octokit, RunContext } from '@ecs-actions/kit';
import type { DeleteReason } from './plan.js';
import type { CommentOutcome, MarkDestroyed } from './run.js';

const WHY: Record<DeleteReason, string> = {
  expired: 'expired',
  'pr-closed': 'PR closed',
  'pr-merged': 'PR merged',
  orphaned: 'orphaned (its service was gone)',
};

export interface CommentOptions {
  /** The sticky comment's key (pr-comment's `key`). */
  key: string;
  /** The row to mark (pr-comment's `environment`). */
  row: string;
  log: Log;
}

/**
 * Sets the PR's row of its sticky comment to `destroyed`, with the same race-safe code as the
 * pr-comment action. Only a comment that exists is updated: a PR that never had one gets none.
 */
export function stickyCommentUpdater(
  octokit: Octokit,
  context: RunContext,
  options: CommentOptions,
): MarkDestroyed {
  return async (pr: number, reason: DeleteReason): Promise<CommentOutcome> => {
    const { owner, repo } = context;
    const comments = await githubCommentsApi(octokit, { owner, repo, number: pr }).list();
    if (!comments.some((c) => hasMarker(c.body, options.key))) return 'no-comment';
    const out = await reportRow(
      octokit,
      { owner, repo, pr, ...runIdentity(context) },
      { environment: options.row, status: 'destroyed', message: `Removed by preview-sweep: ${WHY[reason]}.` },
      { key: options.key, log: options.log },
    );
    return out.result === 'read-only' ? 'read-only' : 'updated';
  };
}
