// REST handlers of the fake, keyed by the description's operationId. They run after routing, authentication
// and request validation (server.ts), so parameters arrive typed and bodies conform to the description.
import type { OpenApiSpec, SpecOperation } from './openapi.js';
import * as render from './render.js';
import {
  type AuthorAssociation,
  type DeploymentRecord,
  type DeploymentState,
  type GitHubState,
  idForLogin,
  type ReactionContent,
  type RepoRecord,
  type UserRef,
} from './state.js';

export interface TokenIdentity extends UserRef {
  type: 'User' | 'Bot';
  permissions: 'read' | 'write';
  /** Whether GET /user answers (true for user tokens; installation tokens such as GITHUB_TOKEN get 403). */
  canReadUser: boolean;
  /** Whether the token may read organization teams (`read:org`); GITHUB_TOKEN may not. */
  canReadOrg: boolean;
  authorAssociation: AuthorAssociation;
}

export interface RouteContext {
  state: GitHubState;
  spec: OpenApiSpec;
  operation: SpecOperation;
  /** The fake's base URL, e.g. http://127.0.0.1:41234 */
  api: string;
  url: URL;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  identity: TokenIdentity;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Set when the request was one GitHub rejects for a reason the schema cannot express. */
  violation?: string;
}

type Handler = (ctx: RouteContext) => FakeResponse;

// ---------------------------------------------------------------- error bodies

export function errorBody(
  message: string,
  status: number,
  documentationUrl: string,
): Record<string, unknown> {
  return { message, documentation_url: documentationUrl, status: String(status) };
}

export function notFound(operation: SpecOperation | undefined): FakeResponse {
  const docs = operation?.docsUrl ?? 'https://docs.github.com/rest';
  return { status: 404, body: errorBody('Not Found', 404, docs) };
}

export function forbidden(operation: SpecOperation): FakeResponse {
  return {
    status: 403,
    body: errorBody('Resource not accessible by integration', 403, operation.docsUrl),
    headers: { 'x-accepted-github-permissions': acceptedPermissions(operation) },
  };
}

/** A 422 in the shape the operation documents (objects in `errors`, or strings for validation-error-simple). */
export function validationFailed(
  spec: OpenApiSpec,
  operation: SpecOperation,
  message: string,
  issues: Array<{ field: string; code: string; message: string; resource?: string }>,
): FakeResponse {
  const errors = spec.validationErrorsAreStrings(operation)
    ? issues.map((i) => i.message)
    : issues.map((i) => ({
        resource: i.resource ?? 'Request',
        field: i.field,
        code: i.code,
        message: i.message,
      }));
  const body: Record<string, unknown> = { message, documentation_url: operation.docsUrl, status: '422' };
  if (errors.length > 0) body.errors = errors;
  return { status: 422, body };
}

function acceptedPermissions(operation: SpecOperation): string {
  const category = operation.operationId.split('/')[0];
  if (category === 'actions') return 'actions=write';
  if (category === 'teams') return 'members=read';
  if (category === 'issues') return 'issues=write; pull_requests=write';
  if (category === 'pulls') return 'pull_requests=write';
  if (operation.template.includes('/deployments')) return 'deployments=write';
  return 'contents=write';
}

// ---------------------------------------------------------------- helpers

function repoOf(ctx: RouteContext): RepoRecord | undefined {
  return ctx.state.findRepository(String(ctx.params.owner), String(ctx.params.repo));
}

function int(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** Slices a list like GitHub: per_page (default 30, at most 100), page from 1, and a Link header. */
export function paginate<T>(ctx: RouteContext, items: T[]): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Math.trunc(int(ctx.query.per_page ?? 30)) || 30));
  const page = Math.max(1, Math.trunc(int(ctx.query.page ?? 1)) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number) => {
    const url = new URL(ctx.url.pathname + ctx.url.search, ctx.api);
    url.searchParams.set('page', String(n));
    return url.toString();
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`<${link(Math.min(page - 1, last))}>; rel="prev"`);
  if (page < last) rels.push(`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
  if (page > 1) rels.push(`<${link(1)}>; rel="first"`);
  const headers: Record<string, string> = rels.length > 0 ? { link: rels.join(', ') } : {};
  return { page: items.slice((page - 1) * perPage, page * perPage), headers };
}

function isHttpUrl(value: string): boolean {
  return /^https?:\/\//i.test(value) && URL.canParse(value);
}

// ---------------------------------------------------------------- handlers

const pullsGet: Handler = (ctx) => {
  const repo = repoOf(ctx);
  const pr = repo && ctx.state.pullRequest(int(ctx.params.pull_number), repo.key);
  if (!repo || !pr) return notFound(ctx.operation);
  return { status: 200, body: render.pullRequest(ctx.api, repo, pr, true) };
};

const pullsList: Handler = (ctx) => {
  const repo = repoOf(ctx);
  if (!repo) return notFound(ctx.operation);
  const state = String(ctx.query.state ?? 'open');
  const head = ctx.query.head === undefined ? undefined : String(ctx.query.head);
  const base = ctx.query.base === undefined ? undefined : String(ctx.query.base);
  const sort = String(ctx.query.sort ?? 'created');
  const direction = String(ctx.query.direction ?? (sort === 'created' ? 'desc' : 'asc'));
  const items = ctx.state
    .pullRequests(repo.key)
    .filter((p) => state === 'all' || p.state === state)
    .filter((p) => {
      if (head === undefined) return true;
      // `user:ref`, or GitHub's lenient bare `user` (all branches of that owner).
      const [owner, ref] = head.includes(':') ? head.split(':', 2) : [head, undefined];
      return (
        p.headRepo.owner.login.toLowerCase() === owner?.toLowerCase() &&
        (ref === undefined || p.headRef === ref)
      );
    })
    .filter((p) => base === undefined || p.baseRef === base)
    .sort((a, b) => {
      const key = sort === 'updated' ? 'updatedAt' : 'createdAt';
      const order = a[key].localeCompare(b[key]) || a.number - b.number;
      return direction === 'asc' ? order : -order;
    });
  const { page, headers } = paginate(ctx, items);
  return { status: 200, body: page.map((p) => render.pullRequest(ctx.api, repo, p, false)), headers };
};

const listComments: Handler = (ctx) => {
  const repo = repoOf(ctx);
  const number = int(ctx.params.issue_number);
  const kind = repo && ctx.state.hasIssue(repo, number);
  if (!repo || !kind) return notFound(ctx.operation);
  const since = ctx.query.since === undefined ? undefined : Date.parse(String(ctx.query.since));
  const items = ctx.state
    .comments(number, repo.key)
    .filter((c) => since === undefined || Date.parse(c.updatedAt) >= since);
  const { page, headers } = paginate(ctx, items);
  return {
    status: 200,
    body: page.map((c) => render.issueComment(ctx.api, repo, c, kind === 'pull')),
    headers,
  };
};

const createComment: Handler = (ctx) => {
  const repo = repoOf(ctx);
  const number = int(ctx.params.issue_number);
  const kind = repo && ctx.state.hasIssue(repo, number);
  if (!repo || !kind) return notFound(ctx.operation);
  const body = String(ctx.body.body);
  if (body.length > 65536) {
    return {
      ...validationFailed(ctx.spec, ctx.operation, 'Validation Failed', [
        {
          resource: 'IssueComment',
          field: 'data',
          code: 'unprocessable',
          message: 'Body is too long (maximum is 65536 characters)',
        },
      ]),
      violation: 'comment body longer than 65536 characters',
    };
  }
  const comment = ctx.state.addComment({
    issueNumber: number,
    body,
    user: ctx.identity,
    authorAssociation: ctx.identity.authorAssociation,
    repo: repo.key,
  });
  const json = render.issueComment(ctx.api, repo, comment, kind === 'pull');
  return { status: 201, body: json, headers: { location: String(json.url) } };
};

function commentInRepo(ctx: RouteContext) {
  const repo = repoOf(ctx);
  const comment = ctx.state.comment(int(ctx.params.comment_id));
  if (!repo || !comment || comment.repoKey !== repo.key) return undefined;
  return { repo, comment, isPull: ctx.state.hasIssue(repo, comment.issueNumber) === 'pull' };
}

const getComment: Handler = (ctx) => {
  const found = commentInRepo(ctx);
  if (!found) return notFound(ctx.operation);
  return { status: 200, body: render.issueComment(ctx.api, found.repo, found.comment, found.isPull) };
};

const updateComment: Handler = (ctx) => {
  const found = commentInRepo(ctx);
  // Undocumented for this operation, but it is what GitHub answers for a comment that is not there.
  if (!found) return notFound(ctx.operation);
  const comment = ctx.state.updateComment(found.comment.id, String(ctx.body.body))!;
  return { status: 200, body: render.issueComment(ctx.api, found.repo, comment, found.isPull) };
};

const deleteComment: Handler = (ctx) => {
  const found = commentInRepo(ctx);
  if (!found) return notFound(ctx.operation);
  ctx.state.deleteComment(found.comment.id);
  return { status: 204 };
};

const createDeployment: Handler = (ctx) => {
  const repo = repoOf(ctx);
  if (!repo) return notFound(ctx.operation);
  const b = ctx.body as {
    ref: string;
    task?: string;
    payload?: Record<string, unknown> | string;
    environment?: string;
    description?: string | null;
    transient_environment?: boolean;
    production_environment?: boolean;
  };
  const sha = ctx.state.resolveRef(repo, b.ref);
  if (!sha) {
    return validationFailed(ctx.spec, ctx.operation, `No ref found for: ${b.ref}`, []);
  }
  let payload = b.payload ?? {};
  if (typeof payload === 'string') {
    // GitHub stores the payload as JSON: a string holding a JSON object comes back as that object.
    try {
      const parsed: unknown = payload === '' ? {} : JSON.parse(payload);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        payload = parsed as Record<string, unknown>;
      }
    } catch {
      // Not JSON: kept as the string it is.
    }
  }
  const deployment = ctx.state.addDeployment({
    ref: b.ref,
    sha,
    task: b.task,
    payload,
    environment: b.environment,
    description: b.description,
    transientEnvironment: b.transient_environment,
    productionEnvironment: b.production_environment,
    creator: ctx.identity,
    repo: repo.key,
  });
  return { status: 201, body: render.deployment(ctx.api, repo, deployment) };
};

const listDeployments: Handler = (ctx) => {
  const repo = repoOf(ctx);
  if (!repo) return notFound(ctx.operation);
  const q = ctx.query;
  const matches = (d: DeploymentRecord) =>
    (q.sha === undefined || d.sha === q.sha) &&
    (q.ref === undefined || d.ref === q.ref) &&
    (q.task === undefined || d.task === q.task) &&
    (q.environment === undefined || d.environment === q.environment);
  const { page, headers } = paginate(ctx, ctx.state.deployments(repo.key).filter(matches));
  return { status: 200, body: page.map((d) => render.deployment(ctx.api, repo, d)), headers };
};

function deploymentInRepo(ctx: RouteContext) {
  const repo = repoOf(ctx);
  const deployment = ctx.state.deployment(int(ctx.params.deployment_id));
  if (!repo || !deployment || deployment.repoKey !== repo.key) return undefined;
  return { repo, deployment };
}

const getDeployment: Handler = (ctx) => {
  const found = deploymentInRepo(ctx);
  if (!found) return notFound(ctx.operation);
  return { status: 200, body: render.deployment(ctx.api, found.repo, found.deployment) };
};

/**
 * GitHub deletes only inactive deployments, except the only deployment of its environment. "Active" here
 * means the latest status is `success` (any other status, such as `inactive` or `failure`, deactivates it).
 */
const deleteDeployment: Handler = (ctx) => {
  const found = deploymentInRepo(ctx);
  if (!found) return notFound(ctx.operation);
  const { deployment, repo } = found;
  const active = ctx.state.deploymentState(deployment) === 'success';
  const alone =
    ctx.state.deployments(repo.key).filter((d) => d.environment === deployment.environment).length === 1;
  if (active && !alone) {
    const message =
      'We cannot delete an active deployment unless it is the only deployment in a given environment.';
    return validationFailed(ctx.spec, ctx.operation, message, []);
  }
  ctx.state.deleteDeployment(deployment.id);
  return { status: 204 };
};

const createDeploymentStatus: Handler = (ctx) => {
  const found = deploymentInRepo(ctx);
  if (!found) return notFound(ctx.operation);
  const b = ctx.body as {
    state: DeploymentState;
    target_url?: string;
    log_url?: string;
    description?: string;
    environment?: string;
    environment_url?: string;
    auto_inactive?: boolean;
  };
  const problems: Array<{ field: string; code: string; message: string }> = [];
  if (b.description !== undefined && b.description.length > 140) {
    problems.push({
      field: 'description',
      code: 'custom',
      message: 'description is too long (maximum is 140 characters)',
    });
  }
  for (const field of ['target_url', 'log_url', 'environment_url'] as const) {
    const value = b[field];
    if (value !== undefined && value !== '' && !isHttpUrl(value)) {
      problems.push({ field, code: 'custom', message: `${field} must use http(s) scheme` });
    }
  }
  if (problems.length > 0) {
    const issues = problems.map((p) => ({ ...p, resource: 'DeploymentStatus' }));
    return {
      ...validationFailed(ctx.spec, ctx.operation, 'Validation Failed', issues),
      violation: `deployment status rejected by GitHub: ${problems.map((p) => p.message).join('; ')}`,
    };
  }
  const status = ctx.state.addDeploymentStatus(found.deployment.id, {
    state: b.state,
    description: b.description,
    environment: b.environment,
    targetUrl: b.target_url,
    logUrl: b.log_url,
    environmentUrl: b.environment_url,
    autoInactive: b.auto_inactive,
    creator: ctx.identity,
  });
  const json = render.deploymentStatus(ctx.api, found.repo, status);
  return { status: 201, body: json, headers: { location: String(json.url) } };
};

const listDeploymentStatuses: Handler = (ctx) => {
  const found = deploymentInRepo(ctx);
  if (!found) return notFound(ctx.operation);
  const newestFirst = [...found.deployment.statuses].reverse();
  const { page, headers } = paginate(ctx, newestFirst);
  return { status: 200, body: page.map((s) => render.deploymentStatus(ctx.api, found.repo, s)), headers };
};

const getDeploymentStatus: Handler = (ctx) => {
  const found = deploymentInRepo(ctx);
  const status = found?.deployment.statuses.find((s) => s.id === int(ctx.params.status_id));
  if (!found || !status) return notFound(ctx.operation);
  return { status: 200, body: render.deploymentStatus(ctx.api, found.repo, status) };
};

const getAuthenticatedUser: Handler = (ctx) => {
  if (!ctx.identity.canReadUser) return forbidden(ctx.operation);
  return { status: 200, body: render.privateUser(ctx.api, ctx.identity, '2015-01-01T00:00:00Z') };
};

const collaboratorPermission: Handler = (ctx) => {
  const repo = repoOf(ctx);
  if (!repo) return notFound(ctx.operation);
  const login = String(ctx.params.username);
  const role = ctx.state.roleOf(repo, login);
  // GitHub answers 404 for a login that is no user; every login the tests name is one.
  return { status: 200, body: render.collaboratorPermission(ctx.api, toUserRef(login), role) };
};

function toUserRef(login: string): UserRef {
  return { login, id: idForLogin(login), type: login.endsWith('[bot]') ? 'Bot' : 'User' };
}

/**
 * Team membership needs an organization's members permission (`read:org` for a personal token); an installation
 * token such as GITHUB_TOKEN has none, and GitHub answers 403. A user who is no (active) member: 404.
 */
const teamMembership: Handler = (ctx) => {
  if (!ctx.identity.canReadOrg) return forbidden(ctx.operation);
  const org = String(ctx.params.org);
  const slug = String(ctx.params.team_slug);
  const login = String(ctx.params.username);
  // Documented without a body.
  if (!ctx.state.isTeamMember(org, slug, login)) return { status: 404 };
  return { status: 200, body: render.teamMembership(ctx.api, org, slug, login) };
};

/** 201 for a new reaction, 200 when this user already reacted so (GitHub's documented behaviour). */
const createCommentReaction: Handler = (ctx) => {
  const found = commentInRepo(ctx);
  if (!found) return notFound(ctx.operation);
  const content = String(ctx.body.content) as ReactionContent;
  const { reaction, created } = ctx.state.addReaction(found.comment.id, content, ctx.identity);
  return { status: created ? 201 : 200, body: render.reaction(ctx.api, reaction) };
};

const createWorkflowDispatch: Handler = (ctx) => {
  const repo = repoOf(ctx);
  const workflow = repo && ctx.state.findWorkflow(repo, String(ctx.params.workflow_id));
  if (!repo || !workflow) return notFound(ctx.operation);
  const ref = String(ctx.body.ref);
  const inputs = (ctx.body.inputs ?? {}) as Record<string, unknown>;
  if (workflow.dispatchInputs === undefined) {
    return validationFailed(
      ctx.spec,
      ctx.operation,
      "Workflow does not have 'workflow_dispatch' trigger",
      [],
    );
  }
  if (!ctx.state.resolveRef(repo, ref)) {
    return validationFailed(ctx.spec, ctx.operation, `No ref found for: ${ref}`, []);
  }
  const unexpected = Object.keys(inputs).filter((k) => !workflow.dispatchInputs!.includes(k));
  if (unexpected.length > 0) {
    return validationFailed(
      ctx.spec,
      ctx.operation,
      `Unexpected inputs provided: ${JSON.stringify(unexpected)}`,
      [],
    );
  }
  ctx.state.dispatches.push({
    repoKey: repo.key,
    workflowId: workflow.id,
    ref,
    inputs,
    actor: ctx.identity,
    at: ctx.state.now(),
  });
  return { status: 204 };
};

const listWorkflowRuns: Handler = (ctx) => {
  const repo = repoOf(ctx);
  const workflow = repo && ctx.state.findWorkflow(repo, String(ctx.params.workflow_id));
  if (!repo || !workflow) return notFound(ctx.operation);
  const q = ctx.query;
  const runs = ctx.state
    .workflowRuns(workflow.id)
    .filter((r) => q.event === undefined || r.event === q.event)
    .filter((r) => q.branch === undefined || r.headBranch === q.branch)
    .filter((r) => q.head_sha === undefined || r.headSha === q.head_sha)
    .filter((r) => q.actor === undefined || r.actor.login === q.actor)
    .filter(
      (r) =>
        q.status === undefined ||
        r.status === q.status ||
        (r.status === 'completed' && r.conclusion === q.status),
    );
  const { page, headers } = paginate(ctx, runs);
  const pulls = (numbers: number[]) => numbers.flatMap((n) => ctx.state.pullRequest(n, repo.key) ?? []);
  return {
    status: 200,
    body: {
      total_count: runs.length,
      workflow_runs: page.map((r) => render.workflowRun(ctx.api, repo, workflow, r, pulls(r.pullRequests))),
    },
    headers,
  };
};

/** Re-runs a completed run; one still queued or in progress is refused (403, as GitHub does). */
const rerunWorkflow: Handler = (ctx) => {
  const repo = repoOf(ctx);
  const run = ctx.state.workflowRun(int(ctx.params.run_id));
  if (!repo || !run || run.repoKey !== repo.key) return notFound(ctx.operation);
  if (run.status !== 'completed') {
    return {
      status: 403,
      body: errorBody('This workflow is already running', 403, ctx.operation.docsUrl),
      violation: 're-run of a run that is not completed',
    };
  }
  ctx.state.rerun(run.id, ctx.identity);
  return { status: 201, body: {} };
};

/** An environment of the repository; one that was never created or used answers 404 (undocumented, as GitHub does). */
const getEnvironment: Handler = (ctx) => {
  const repo = repoOf(ctx);
  const env = repo && ctx.state.environment(repo, String(ctx.params.environment_name));
  if (!repo || !env) return { status: 404, body: errorBody('Not Found', 404, ctx.operation.docsUrl) };
  return { status: 200, body: render.environment(ctx.api, repo, env) };
};

/** The reviews of a run's environment gates; each names the environments it decided, as GitHub renders them. */
const runReviews: Handler = (ctx) => {
  const repo = repoOf(ctx);
  const run = repo && ctx.state.workflowRun(Number(ctx.params.run_id));
  if (!repo || !run || run.repoKey !== repo.key) return notFound(ctx.operation);
  const body = run.reviews.map((review) => ({
    environments: review.environments.flatMap((name) => {
      // Only an environment with required reviewers has reviews; reviewRun checks it exists.
      const env = ctx.state.environment(repo, name);
      if (!env) return [];
      const full = render.environment(ctx.api, repo, env) as Record<string, unknown>;
      return {
        id: full.id,
        node_id: full.node_id,
        name: full.name,
        url: full.url,
        html_url: full.html_url,
        created_at: full.created_at,
        updated_at: full.updated_at,
      };
    }),
    state: review.state,
    user: render.simpleUser(ctx.api, review.user),
    comment: review.comment,
  }));
  return { status: 200, body };
};

const createIssue: Handler = (ctx) => {
  const repo = repoOf(ctx);
  if (!repo) return notFound(ctx.operation);
  const b = ctx.body as { title: string | number; body?: string | null; labels?: unknown[] };
  const issue = ctx.state.addIssue({
    title: String(b.title),
    body: b.body ?? null,
    labels: (b.labels ?? []).map((l) => (typeof l === 'string' ? l : String((l as { name?: string }).name))),
    user: ctx.identity,
    repo: repo.key,
  });
  const json = render.issue(ctx.api, repo, issue, 0);
  return { status: 201, body: json, headers: { location: String(json.url) } };
};

const updateIssue: Handler = (ctx) => {
  const repo = repoOf(ctx);
  const issue = repo && ctx.state.issue(int(ctx.params.issue_number), repo.key);
  if (!repo || !issue) return notFound(ctx.operation);
  const b = ctx.body as { title?: string | number | null; body?: string | null; state?: 'open' | 'closed' };
  ctx.state.updateIssue(issue, {
    ...(b.title !== undefined && b.title !== null ? { title: String(b.title) } : {}),
    ...(b.body !== undefined ? { body: b.body } : {}),
    ...(b.state !== undefined ? { state: b.state } : {}),
  });
  const comments = ctx.state.comments(issue.number, repo.key).length;
  return { status: 200, body: render.issue(ctx.api, repo, issue, comments) };
};

export const HANDLERS: Readonly<Record<string, Handler>> = {
  'pulls/get': pullsGet,
  'pulls/list': pullsList,
  'issues/list-comments': listComments,
  'issues/create-comment': createComment,
  'issues/get-comment': getComment,
  'issues/update-comment': updateComment,
  'issues/delete-comment': deleteComment,
  'repos/create-deployment': createDeployment,
  'repos/list-deployments': listDeployments,
  'repos/get-deployment': getDeployment,
  'repos/delete-deployment': deleteDeployment,
  'repos/create-deployment-status': createDeploymentStatus,
  'repos/list-deployment-statuses': listDeploymentStatuses,
  'repos/get-deployment-status': getDeploymentStatus,
  'users/get-authenticated': getAuthenticatedUser,
  'repos/get-collaborator-permission-level': collaboratorPermission,
  'teams/get-membership-for-user-in-org': teamMembership,
  'reactions/create-for-issue-comment': createCommentReaction,
  'actions/create-workflow-dispatch': createWorkflowDispatch,
  'actions/list-workflow-runs': listWorkflowRuns,
  'actions/re-run-workflow': rerunWorkflow,
  'repos/get-environment': getEnvironment,
  'actions/get-reviews-for-run': runReviews,
  'issues/create': createIssue,
  'issues/update': updateIssue,
};
