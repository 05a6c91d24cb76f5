// The sweep's GitHub work, grouped per run instead of per preview: PR states and sticky comments are read
// with batched GraphQL queries, the deployments of the environment in one paged query, and what is left
// per removed preview is its writes (one comment update, one status per live deployment). Every request
// counts against the run's request budget.
import {
  applyReport,
  fitState,
  githubCommentsApi,
  graphqlAllowingMissing,
  hasMarker,
  type Links,
  parseState,
  type Row,
} from '@ecs-actions/comment';
import {
  errorMessage,
  httpStatusOf,
  keyLabel,
  type Octokit,
  type PreviewKey,
  type RunContext,
} from '@ecs-actions/kit';
import {
  type DeploymentOfEnvironment,
  type DeploymentTarget,
  listDeployments,
  liveDeploymentsOf,
  markInactive,
} from '@ecs-actions/preview';
import type { BranchState, DeleteReason, PrState } from './plan.js';

/** PRs asked about per GraphQL query (aliases of one small object each). */
const STATES_PER_QUERY = 100;
/** PRs whose first 100 comments one query reads: keeps an answer of long comments well within limits. */
const COMMENTS_PER_QUERY = 10;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The state of each PR, 100 PRs per GraphQL request. A token that may not read pull requests gives
 * `unknown` with the reason, never a deletion.
 */
export async function readPrStates(
  octokit: Octokit,
  context: RunContext,
  prs: number[],
): Promise<Map<number, PrState>> {
  const states = new Map<number, PrState>();
  for (const batch of chunks(prs, STATES_PER_QUERY)) {
    const fields = batch.map((pr) => `p${pr}: pullRequest(number: ${pr}) { state }`).join('\n    ');
    const query = `query PrStates($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
    try {
      const data = await graphqlAllowingMissing<{
        repository: Record<string, { state: 'OPEN' | 'CLOSED' | 'MERGED' } | null>;
      }>(octokit, query, { owner: context.owner, name: context.repo });
      for (const pr of batch) {
        const found = data?.repository[`p${pr}`];
        if (!found) states.set(pr, { state: 'not-found' });
        else
          states.set(pr, {
            state: found.state === 'MERGED' ? 'merged' : found.state === 'OPEN' ? 'open' : 'closed',
          });
      }
    } catch (error) {
      const detail = `reading pull requests failed: ${errorMessage(error)}${httpStatusOf(error) === 403 ? " (give the job 'pull-requests: read')" : ''}`;
      for (const pr of batch) states.set(pr, { state: 'unknown', detail });
    }
  }
  return states;
}

/**
 * Whether each branch still exists, 100 branches per GraphQL request (`ref` is null for a deleted branch,
 * as REST's GET /branches/{branch} answers 404). Branch names travel as variables, never inside the query.
 * A token that may not read the repository gives `unknown` with the reason, never a deletion.
 */
export async function readBranchStates(
  octokit: Octokit,
  context: RunContext,
  branches: string[],
): Promise<Map<string, BranchState>> {
  const states = new Map<string, BranchState>();
  for (const batch of chunks(branches, STATES_PER_QUERY)) {
    const variables = Object.fromEntries(batch.map((b, i) => [`b${i}`, `refs/heads/${b}`]));
    const declared = batch.map((_, i) => `$b${i}: String!`).join(', ');
    const fields = batch.map((_, i) => `b${i}: ref(qualifiedName: $b${i}) { name }`).join('\n    ');
    const query = `query BranchStates($owner: String!, $name: String!, ${declared}) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
    try {
      const data = await octokit.graphql<{ repository: Record<string, { name: string } | null> }>(query, {
        owner: context.owner,
        name: context.repo,
        ...variables,
      });
      for (const [i, branch] of batch.entries())
        states.set(branch, { state: data.repository[`b${i}`] ? 'exists' : 'deleted' });
    } catch (error) {
      const detail = `reading branches failed: ${errorMessage(error)}${httpStatusOf(error) === 403 ? " (give the job 'contents: read')" : ''}`;
      for (const branch of batch) states.set(branch, { state: 'unknown', detail });
    }
  }
  return states;
}

/** A PR's sticky comment as read for the sweep. */
export interface StickyComment {
  id: number;
  nodeId: string;
  body: string;
}

/** What removing one preview asks of GitHub, known before anything is removed. */
export interface FollowUp {
  key: PreviewKey;
  /** The sticky comment to update; undefined when the PR has none, and for branch previews (no PR). */
  comment?: StickyComment;
  /** Live deployments of the preview, to mark inactive. */
  deployments: number[];
  /** Requests the writes take. */
  writes: number;
}

export interface FollowUpOptions {
  octokit: Octokit;
  context: RunContext;
  links: Links;
  /** Sticky comments: the key and the row to mark; undefined when `sticky-comment` is off. */
  comment?: { key: string; row: string };
  /** Deployments: the environment; undefined when `github-deployments` is off. */
  deployments?: { environment: string; taskOf: (key: PreviewKey) => string };
  warn: (message: string) => void;
}

interface CommentNode {
  id: string;
  databaseId: number | null;
  body: string;
  viewerDidAuthor: boolean;
  isMinimized: boolean;
}

/**
 * Reads what the follow-ups of these previews need, in few requests: the first 100 comments of 10 PRs per
 * GraphQL query (a sticky comment is among a PR's first comments; a PR whose first 100 hold none and
 * that has more is read through REST pages), and every deployment of the environment with its state.
 * Branch previews have no PR, so no comment: only their deployments. The map is by key id.
 */
export async function prepareFollowUps(
  options: FollowUpOptions,
  keys: PreviewKey[],
): Promise<Map<string, FollowUp>> {
  const out = new Map<string, FollowUp>(keys.map((key) => [key.id, { key, deployments: [], writes: 0 }]));
  const prs = keys.flatMap((k) => (k.kind === 'pr' ? [k.pr] : []));
  const { octokit, context } = options;
  if (options.comment) {
    const { key } = options.comment;
    for (const batch of chunks(prs, COMMENTS_PER_QUERY)) {
      const fields = batch
        .map(
          (pr) =>
            `p${pr}: pullRequest(number: ${pr}) { comments(first: 100) { pageInfo { hasNextPage } nodes { id databaseId body viewerDidAuthor isMinimized } } }`,
        )
        .join('\n    ');
      const query = `query StickyComments($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
      try {
        const data = await graphqlAllowingMissing<{
          repository: Record<
            string,
            { comments: { pageInfo: { hasNextPage: boolean }; nodes: (CommentNode | null)[] } } | null
          >;
        }>(octokit, query, { owner: context.owner, name: context.repo });
        for (const pr of batch) {
          const comments = data?.repository[`p${pr}`]?.comments;
          if (!comments) continue;
          const ours = comments.nodes.find(
            (c) => c?.databaseId && c.viewerDidAuthor && !c.isMinimized && hasMarker(c.body, key),
          );
          if (ours?.databaseId) {
            out.get(`pr-${pr}`)!.comment = { id: ours.databaseId, nodeId: ours.id, body: ours.body };
          } else if (comments.pageInfo.hasNextPage) {
            const found = await findBeyondFirstPage(octokit, context, pr, key);
            if (found) out.get(`pr-${pr}`)!.comment = found;
          }
        }
      } catch (error) {
        options.warn(
          `Sticky comments of PR ${batch.map((pr) => `#${pr}`).join(', ')} not read: ${errorMessage(error)}`,
        );
      }
    }
  }
  if (options.deployments) {
    let deployments: DeploymentOfEnvironment[] = [];
    try {
      deployments = await listDeployments(octokit, context, options.deployments.environment);
    } catch (error) {
      options.warn(
        `GitHub deployments not read (${errorMessage(error)}): they are not marked inactive. Give the job 'deployments: write'.`,
      );
    }
    for (const key of keys)
      out.get(key.id)!.deployments = liveDeploymentsOf(deployments, options.deployments.taskOf(key));
  }
  for (const f of out.values()) f.writes = (f.comment ? 1 : 0) + f.deployments.length;
  return out;
}

/** The oldest comment of the key by this token on a PR with more than 100 comments (every page). */
async function findBeyondFirstPage(
  octokit: Octokit,
  context: RunContext,
  pr: number,
  key: string,
): Promise<StickyComment | undefined> {
  const api = githubCommentsApi(octokit, { owner: context.owner, repo: context.repo, number: pr });
  const marked = (await api.list()).filter((c) => hasMarker(c.body, key));
  if (marked.length === 0) return undefined;
  const meta = await api.meta(marked.map((c) => c.nodeId));
  const ours = marked.find((c) => meta.get(c.nodeId)?.viewerDidAuthor && !meta.get(c.nodeId)?.isMinimized);
  return ours && { id: ours.id, nodeId: ours.nodeId, body: ours.body };
}

const WHY: Record<DeleteReason, string> = {
  expired: 'expired',
  'pr-closed': 'PR closed',
  'pr-merged': 'PR merged',
  'branch-deleted': 'branch deleted',
  orphaned: 'orphaned (its service was gone)',
};

/**
 * A row the sweep writes over the PR's current one: `status` and `message` are this run's; the commit (and,
 * unless `keepUrl` is off, the URL) stay those the row was about; the run is this one.
 */
function sweepRow(
  body: string,
  options: { row: string; context: RunContext; at: string },
  report: { status: Row['status'] | undefined; message: string; keepUrl: boolean },
): Row {
  const existing = parseState(body).rows.find((r) => r.environment === options.row);
  const { context } = options;
  return {
    environment: options.row,
    status: report.status ?? existing?.status ?? 'ready',
    message: report.message,
    ...(report.keepUrl && existing?.url ? { url: existing.url } : {}),
    ...(existing?.sha ? { sha: existing.sha } : {}),
    runId: context.runId,
    runAttempt: context.runAttempt,
    at: options.at,
    ...(context.runUrl ? { runUrl: context.runUrl } : {}),
  };
}

/** The row the sweep writes: `destroyed`, with the reason; the commit stays the one the row was about. */
export function destroyedRow(
  body: string,
  options: { row: string; reason: DeleteReason; context: RunContext; at: string },
): Row {
  return sweepRow(body, options, {
    status: 'destroyed',
    message: `Removed by preview-sweep: ${WHY[options.reason]}.`,
    keepUrl: false,
  });
}

/**
 * The row of a preview the sweep put to sleep (`asleep`, with how to wake it) or woke (`ready` again); the
 * URL and commit stay those of the row.
 */
export function sleepRow(
  body: string,
  options: { row: string; change: 'asleep' | 'awake'; detail: string; context: RunContext; at: string },
): Row {
  return sweepRow(body, options, {
    status: options.change === 'asleep' ? 'asleep' : 'ready',
    message:
      options.change === 'asleep'
        ? `Asleep (${options.detail}): no task runs and the URL shows a page saying so. A push (or a \`/preview wake\` comment, where the commands workflow is installed) wakes it.`
        : `Woken by preview-sweep (${options.detail}).`,
    keepUrl: true,
  });
}

/**
 * The row of a preview that expires soon: its status, URL and commit kept, with when it goes and how to keep
 * it.
 */
export function expiryRow(
  body: string,
  options: { row: string; expiresAt: number; now: number; context: RunContext; at: string },
): Row {
  const hours = Math.max(1, Math.round((options.expiresAt - options.now) / 3_600_000));
  const when = new Date(options.expiresAt).toISOString().slice(0, 16).replace('T', ' ');
  return sweepRow(body, options, {
    status: undefined,
    message: `Expires in ${hours} h (${when} UTC), then preview-sweep removes it: push a commit, or comment \`/preview extend\` (where the commands workflow is installed), to keep it.`,
    keepUrl: true,
  });
}

/** Writes a row the sweep made from the PR's comment (sleep, wake, expiry); problems are warnings. */
export async function writeRow(
  options: FollowUpOptions,
  followUp: FollowUp,
  make: (body: string, row: string, context: RunContext) => Row,
): Promise<boolean> {
  if (!options.comment || !followUp.comment || followUp.key.kind !== 'pr') return false;
  const { octokit, context } = options;
  const row = make(followUp.comment.body, options.comment.row, context);
  const body = bodyWithRow(followUp.comment.body, options.comment.key, row, options.links);
  if (body === undefined) return false;
  try {
    const api = githubCommentsApi(octokit, {
      owner: context.owner,
      repo: context.repo,
      number: followUp.key.pr,
    });
    return (await api.update(followUp.comment.id, body)) !== undefined;
  } catch (error) {
    options.warn(`${keyLabel(followUp.key)}: sticky comment not updated: ${errorMessage(error)}`);
    return false;
  }
}

/** The comment's body with the row applied, or undefined when it holds that row already (or a newer one). */
export function bodyWithRow(body: string, key: string, row: Row, links: Links): string | undefined {
  const applied = applyReport(parseState(body), row);
  if (applied.outcome === 'unchanged' || applied.outcome === 'stale') return undefined;
  return fitState(key, applied.state, links).body;
}

/** Writes one removed preview's follow-ups. Problems are warnings. */
export async function writeFollowUp(
  options: FollowUpOptions,
  followUp: FollowUp,
  reason: DeleteReason,
  at: string,
): Promise<{
  comment: 'updated' | 'unchanged' | 'no-comment' | 'read-only' | 'failed';
  deactivated: number;
}> {
  const { octokit, context } = options;
  let deactivated = 0;
  if (options.deployments && followUp.deployments.length > 0) {
    const target: DeploymentTarget = {
      octokit,
      context,
      environment: options.deployments.environment,
      task: options.deployments.taskOf(followUp.key),
      warn: options.warn,
    };
    deactivated = await markInactive(target, followUp.deployments);
  }
  if (!options.comment || !followUp.comment || followUp.key.kind !== 'pr')
    return { comment: 'no-comment', deactivated };
  const { pr } = followUp.key;
  const row = destroyedRow(followUp.comment.body, { row: options.comment.row, reason, context, at });
  const body = bodyWithRow(followUp.comment.body, options.comment.key, row, options.links);
  if (body === undefined) return { comment: 'unchanged', deactivated };
  try {
    const api = githubCommentsApi(octokit, { owner: context.owner, repo: context.repo, number: pr });
    const updated = await api.update(followUp.comment.id, body);
    if (!updated) return { comment: 'no-comment', deactivated };
    followUp.comment = { ...followUp.comment, body };
    return { comment: 'updated', deactivated };
  } catch (error) {
    if (httpStatusOf(error) === 403) return { comment: 'read-only', deactivated };
    options.warn(`${keyLabel(followUp.key)}: sticky comment not updated: ${errorMessage(error)}`);
    return { comment: 'failed', deactivated };
  }
}

/**
 * Checks the written comments once, a settle time after the last write, in one GraphQL request per 100:
 * a pr-comment run that wrote from an older read may have dropped the `destroyed` row; it is written again.
 * (That run's own rows are safe: it re-reads after its write and restores them.)
 */
export async function verifyComments(
  options: FollowUpOptions,
  written: { followUp: FollowUp; reason: DeleteReason }[],
  at: string,
): Promise<number> {
  if (!options.comment || written.length === 0) return 0;
  let rewritten = 0;
  for (const batch of chunks(written, 100)) {
    const data = await graphqlAllowingMissing<{ nodes: ({ id?: string; body?: string } | null)[] }>(
      options.octokit,
      'query Verify($ids: [ID!]!) { nodes(ids: $ids) { ... on IssueComment { id body } } }',
      { ids: batch.map((w) => w.followUp.comment!.nodeId) },
    );
    const bodies = new Map((data?.nodes ?? []).flatMap((n) => (n?.id ? [[n.id, n.body ?? '']] : [])));
    for (const { followUp, reason } of batch) {
      const body = bodies.get(followUp.comment!.nodeId);
      if (body === undefined) continue; // deleted meanwhile: nothing to mark
      // Writes again only when the row lost its `destroyed` (a newer report is left alone).
      followUp.comment = { ...followUp.comment!, body };
      const again = await writeFollowUp(options, { ...followUp, deployments: [] }, reason, at);
      if (again.comment === 'updated') rewritten++;
    }
  }
  return rewritten;
}
