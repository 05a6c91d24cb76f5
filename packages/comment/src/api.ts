// The few GitHub calls the action makes, behind an interface so that the behaviour (run.ts) can be
// tested against an in-memory fake with controlled interleavings.
import { errorMessage, type Octokit, UserError } from '@ecs-actions/kit';

export interface IssueComment {
  id: number;
  /** GraphQL id, for reading the minimized state and authorship, and for minimizing. */
  nodeId: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  htmlUrl: string;
}

export interface CommentMeta {
  isMinimized: boolean;
  /** Whether the token's own identity wrote the comment (works for GITHUB_TOKEN, app tokens and PATs). */
  viewerDidAuthor: boolean;
}

export interface CommentsApi {
  /** Every comment of the pull request, all pages, oldest first. */
  list(): Promise<IssueComment[]>;
  /** The oldest page of comments (one request), and whether it holds them all. */
  firstPage(): Promise<{ comments: IssueComment[]; complete: boolean }>;
  /** The comments created or edited at or after `since` (an ISO time), oldest first. */
  updatedSince(since: string): Promise<IssueComment[]>;
  /** One comment by id, or undefined when it was deleted. */
  get(id: number): Promise<IssueComment | undefined>;
  /** Minimized state and authorship by node id; a comment deleted meanwhile is missing from the map. */
  meta(nodeIds: string[]): Promise<Map<string, CommentMeta>>;
  create(body: string): Promise<IssueComment>;
  /** The updated comment, or undefined when it was deleted meanwhile. */
  update(id: number, body: string): Promise<IssueComment | undefined>;
  /** Deletes a comment; one already gone is fine. */
  remove(id: number): Promise<void>;
  /** Minimizes a comment as outdated; one already gone is fine. */
  minimize(nodeId: string): Promise<void>;
  /** The head commit of the pull request. */
  headSha(): Promise<string>;
}

/** A write GitHub refused with 403: the token is read-only or lacks `pull-requests: write`. */
export class WriteForbiddenError extends Error {
  override name = 'WriteForbiddenError';
}

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

/** GitHub's largest page of issue comments. */
export const PAGE_SIZE = 100;

/** GraphQL's `nodes` takes at most 100 ids. */
const NODES_PER_QUERY = 100;

const META_QUERY = `query CommentMeta($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on IssueComment { id isMinimized viewerDidAuthor }
  }
}`;

const MINIMIZE_MUTATION = `mutation HideComment($id: ID!) {
  minimizeComment(input: { subjectId: $id, classifier: OUTDATED }) {
    minimizedComment { isMinimized }
  }
}`;

/** The CommentsApi of one pull request, through the kit's Octokit (retries, rate-limit waits). */
export function githubCommentsApi(octokit: Octokit, pr: PullRequestRef): CommentsApi {
  const where = { owner: pr.owner, repo: pr.repo };
  const fromRest = (c: {
    id: number;
    node_id: string;
    body?: string | null;
    created_at: string;
    updated_at: string;
    html_url: string;
  }): IssueComment => ({
    id: c.id,
    nodeId: c.node_id,
    body: c.body ?? '',
    createdAt: c.created_at,
    updatedAt: c.updated_at,
    htmlUrl: c.html_url,
  });
  const notFound = () =>
    new UserError(
      `Pull request #${pr.number} was not found in ${pr.owner}/${pr.repo}: check the 'pr-number' input (and that the token can read the repository).`,
    );

  return {
    async list() {
      try {
        const comments = await octokit.paginate(octokit.rest.issues.listComments, {
          ...where,
          issue_number: pr.number,
          per_page: PAGE_SIZE,
        });
        return comments.map(fromRest).sort(byAge);
      } catch (error) {
        if (status(error) === 404) throw notFound();
        throw error;
      }
    },

    async firstPage() {
      try {
        const { data, headers } = await octokit.rest.issues.listComments({
          ...where,
          issue_number: pr.number,
          per_page: PAGE_SIZE,
        });
        return {
          comments: data.map(fromRest).sort(byAge),
          complete: !/rel="next"/.test(headers.link ?? ''),
        };
      } catch (error) {
        if (status(error) === 404) throw notFound();
        throw error;
      }
    },

    async updatedSince(since) {
      const comments = await octokit.paginate(octokit.rest.issues.listComments, {
        ...where,
        issue_number: pr.number,
        since,
        per_page: PAGE_SIZE,
      });
      return comments.map(fromRest).sort(byAge);
    },

    async get(id) {
      try {
        const { data } = await octokit.rest.issues.getComment({ ...where, comment_id: id });
        return fromRest(data);
      } catch (error) {
        if (status(error) === 404) return undefined;
        throw error;
      }
    },

    async meta(nodeIds) {
      const result = new Map<string, CommentMeta>();
      for (let i = 0; i < nodeIds.length; i += NODES_PER_QUERY) {
        const ids = nodeIds.slice(i, i + NODES_PER_QUERY);
        const data = await graphqlAllowingMissing<{
          nodes: Array<{ id?: string; isMinimized?: boolean; viewerDidAuthor?: boolean } | null>;
        }>(octokit, META_QUERY, { ids });
        for (const node of data?.nodes ?? []) {
          if (node?.id === undefined) continue;
          result.set(node.id, {
            isMinimized: node.isMinimized === true,
            viewerDidAuthor: node.viewerDidAuthor === true,
          });
        }
      }
      return result;
    },

    async create(body) {
      const { data } = await write(() =>
        octokit.rest.issues.createComment({ ...where, issue_number: pr.number, body }),
      );
      return fromRest(data);
    },

    async update(id, body) {
      try {
        const { data } = await write(() =>
          octokit.rest.issues.updateComment({ ...where, comment_id: id, body }),
        );
        return fromRest(data);
      } catch (error) {
        if (status(error) === 404) return undefined;
        throw error;
      }
    },

    async remove(id) {
      try {
        await write(() => octokit.rest.issues.deleteComment({ ...where, comment_id: id }));
      } catch (error) {
        if (status(error) !== 404) throw error;
      }
    },

    async minimize(nodeId) {
      try {
        await octokit.graphql(MINIMIZE_MUTATION, { id: nodeId });
      } catch (error) {
        const types = graphqlErrorTypes(error);
        if (types.length > 0 && types.every((t) => t === 'NOT_FOUND')) return;
        if (types.includes('FORBIDDEN') || status(error) === 403) {
          throw new WriteForbiddenError(errorMessage(error), { cause: error });
        }
        throw error;
      }
    },

    async headSha() {
      try {
        const { data } = await octokit.rest.pulls.get({ ...where, pull_number: pr.number });
        return data.head.sha;
      } catch (error) {
        if (status(error) === 404) {
          throw new UserError(
            `#${pr.number} is not a pull request in ${pr.owner}/${pr.repo}: check the 'pr-number' input, or give 'sha'.`,
          );
        }
        throw error;
      }
    },
  };
}

/** Oldest first: by creation time, then by id (ids grow with creation). */
export function byAge(a: IssueComment, b: IssueComment): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id - b.id;
}

async function write<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // A 403 that is a rate limit is not about permissions (the Octokit already waited on it).
    if (status(error) === 403 && !/rate limit/i.test(errorMessage(error))) {
      throw new WriteForbiddenError(errorMessage(error), { cause: error });
    }
    throw error;
  }
}

/**
 * A GraphQL query whose NOT_FOUND errors (a comment deleted between listing and asking, a PR that does not
 * exist) are not failures: the data of what was found, with null where something was missing.
 */
export async function graphqlAllowingMissing<T>(
  octokit: Octokit,
  query: string,
  variables: Record<string, unknown>,
): Promise<T | undefined> {
  try {
    return await octokit.graphql<T>(query, variables);
  } catch (error) {
    const types = graphqlErrorTypes(error);
    if (types.length > 0 && types.every((t) => t === 'NOT_FOUND')) return (error as { data?: T }).data;
    throw error;
  }
}

function graphqlErrorTypes(error: unknown): string[] {
  const errors = (error as { errors?: Array<{ type?: string }> } | null)?.errors;
  return Array.isArray(errors) ? errors.map((e) => e.type ?? '') : [];
}

function status(error: unknown): number | undefined {
  const value = (error as { status?: unknown } | null)?.status;
  return typeof value === 'number' ? value : undefined;
}
