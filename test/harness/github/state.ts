// What the fake GitHub remembers: repositories, refs, pull requests, issues, comments, deployments.
// Records are plain data; render.ts turns them into API JSON. Tests seed and inspect through this class.

export type UserType = 'User' | 'Bot' | 'Organization';
export type AuthorAssociation =
  | 'COLLABORATOR'
  | 'CONTRIBUTOR'
  | 'FIRST_TIMER'
  | 'FIRST_TIME_CONTRIBUTOR'
  | 'MANNEQUIN'
  | 'MEMBER'
  | 'NONE'
  | 'OWNER';

export interface UserRef {
  login: string;
  id: number;
  type: UserType;
  name?: string | null;
  email?: string | null;
}

/** A user given by login only, or in full. */
export type UserInput = string | (Partial<UserRef> & { login: string });

export const GITHUB_ACTIONS_BOT: UserRef = Object.freeze({
  login: 'github-actions[bot]',
  id: 41898282,
  type: 'Bot',
});

export interface RepoRecord {
  key: string;
  owner: UserRef;
  name: string;
  id: number;
  nodeId: string;
  defaultBranch: string;
  private: boolean;
  /** Branch and tag names to commit SHAs; deployments resolve their `ref` here. */
  refs: Map<string, string>;
  createdAt: string;
}

export interface PullRequestRecord {
  repoKey: string;
  number: number;
  id: number;
  nodeId: string;
  state: 'open' | 'closed';
  merged: boolean;
  mergedAt: string | null;
  mergedBy: UserRef | null;
  mergeCommitSha: string | null;
  closedAt: string | null;
  title: string;
  body: string | null;
  draft: boolean;
  labels: string[];
  user: UserRef;
  authorAssociation: AuthorAssociation;
  headRef: string;
  headSha: string;
  /** The repository the head branch lives in; a fork when it differs from the base repository. */
  headRepo: { owner: UserRef; name: string; id: number; nodeId: string };
  baseRef: string;
  baseSha: string;
  createdAt: string;
  updatedAt: string;
}

export interface IssueRecord {
  repoKey: string;
  id: number;
  nodeId: string;
  number: number;
  title: string;
  body: string | null;
  labels: string[];
  user: UserRef;
  state: 'open' | 'closed';
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/** A GitHub environment of a repository and its required reviewers (empty: the environment does not wait). */
export interface EnvironmentRecord {
  repoKey: string;
  id: number;
  nodeId: string;
  name: string;
  reviewers: UserRef[];
  preventSelfReview: boolean;
  createdAt: string;
}

export type MinimizeReason = 'abuse' | 'duplicate' | 'off-topic' | 'outdated' | 'resolved' | 'spam';

export interface CommentRecord {
  repoKey: string;
  issueNumber: number;
  id: number;
  nodeId: string;
  body: string;
  user: UserRef;
  authorAssociation: AuthorAssociation;
  createdAt: string;
  updatedAt: string;
  /** Set by the GraphQL minimizeComment mutation; REST responses do not show it. */
  minimized: { reason: MinimizeReason } | null;
}

export type DeploymentState =
  | 'error'
  | 'failure'
  | 'inactive'
  | 'in_progress'
  | 'queued'
  | 'pending'
  | 'success';

export interface DeploymentStatusRecord {
  id: number;
  nodeId: string;
  deploymentId: number;
  state: DeploymentState;
  creator: UserRef;
  description: string;
  environment: string;
  targetUrl: string;
  logUrl: string;
  environmentUrl: string;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentRecord {
  repoKey: string;
  id: number;
  nodeId: string;
  sha: string;
  ref: string;
  task: string;
  payload: Record<string, unknown> | string;
  environment: string;
  originalEnvironment: string;
  description: string | null;
  creator: UserRef;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  createdAt: string;
  updatedAt: string;
  /** Oldest first. */
  statuses: DeploymentStatusRecord[];
}

/** A repository role, as GET /collaborators/{username}/permission names it in `role_name`. */
export type RepoRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read';

export type ReactionContent = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';

export interface ReactionRecord {
  id: number;
  nodeId: string;
  commentId: number;
  content: ReactionContent;
  user: UserRef;
  createdAt: string;
}

/** A workflow file of a repository, by path (`.github/workflows/preview.yml`). */
export interface WorkflowRecord {
  repoKey: string;
  id: number;
  nodeId: string;
  path: string;
  name: string;
  /** Inputs of its `workflow_dispatch` trigger; undefined when it has no such trigger. */
  dispatchInputs: string[] | undefined;
  createdAt: string;
}

export type RunStatus = 'queued' | 'in_progress' | 'completed';
export type RunConclusion = 'success' | 'failure' | 'cancelled' | 'skipped' | null;

/** A required reviewer's decision on a run's jobs waiting for one or more environments. */
export interface RunReviewRecord {
  user: UserRef;
  state: 'approved' | 'rejected';
  environments: string[];
  comment: string;
}

export interface WorkflowRunRecord {
  repoKey: string;
  id: number;
  nodeId: string;
  workflowId: number;
  runNumber: number;
  runAttempt: number;
  event: string;
  headBranch: string;
  headSha: string;
  status: RunStatus;
  conclusion: RunConclusion;
  actor: UserRef;
  triggeringActor: UserRef;
  /** Reviews of the run's environment gates (required reviewers approving or rejecting its jobs). */
  reviews: RunReviewRecord[];
  /** Pull requests of the base repository whose head is this run's commit. */
  pullRequests: number[];
  displayTitle: string;
  createdAt: string;
  updatedAt: string;
}

/** A `workflow_dispatch` the fake accepted (it starts no run; tests read what was asked). */
export interface DispatchRecord {
  repoKey: string;
  workflowId: number;
  ref: string;
  inputs: Record<string, unknown>;
  actor: UserRef;
  at: string;
}

export interface PullRequestInput {
  number: number;
  state?: 'open' | 'closed';
  merged?: boolean;
  title?: string;
  body?: string | null;
  draft?: boolean;
  labels?: string[];
  user?: UserInput;
  authorAssociation?: AuthorAssociation;
  headRef?: string;
  headSha?: string;
  /** `owner/name` of a fork the head branch lives in (fork pull requests get read-only tokens). */
  headRepo?: string;
  baseRef?: string;
  baseSha?: string;
  createdAt?: string;
  mergedAt?: string;
  closedAt?: string;
  /** `owner/name`; the server's repository when omitted. */
  repo?: string;
}

export interface CommentInput {
  issueNumber: number;
  body: string;
  user?: UserInput;
  authorAssociation?: AuthorAssociation;
  createdAt?: string;
  repo?: string;
}

export interface DeploymentInput {
  ref: string;
  sha?: string;
  task?: string;
  payload?: Record<string, unknown> | string;
  environment?: string;
  description?: string | null;
  transientEnvironment?: boolean;
  productionEnvironment?: boolean;
  creator?: UserInput;
  repo?: string;
}

export interface DeploymentStatusInput {
  state: DeploymentState;
  description?: string;
  environment?: string;
  targetUrl?: string;
  logUrl?: string;
  environmentUrl?: string;
  autoInactive?: boolean;
  creator?: UserInput;
}

export interface StateOptions {
  owner: string;
  repo: string;
  now: () => Date;
}

/** GitHub's timestamps: ISO 8601 in UTC without milliseconds. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A stable numeric id for a login, for users given by name only. */
export function idForLogin(login: string): number {
  let hash = 0;
  for (const ch of login) hash = (Math.imul(hash, 31) + (ch.codePointAt(0) ?? 0)) >>> 0;
  return 100_000 + (hash % 90_000_000);
}

export function toUser(input: UserInput, fallbackType: UserType = 'User'): UserRef {
  if (typeof input === 'string') {
    return { login: input, id: idForLogin(input), type: input.endsWith('[bot]') ? 'Bot' : fallbackType };
  }
  return {
    login: input.login,
    id: input.id ?? idForLogin(input.login),
    type: input.type ?? (input.login.endsWith('[bot]') ? 'Bot' : fallbackType),
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.email !== undefined ? { email: input.email } : {}),
  };
}

function fakeSha(seed: string): string {
  let out = '';
  let h = 2166136261;
  while (out.length < 40) {
    for (const ch of `${seed}:${out.length}`) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 40);
}

function nodeId(prefix: string, ...parts: number[]): string {
  return `${prefix}_kwDO${Buffer.from(parts.join(':')).toString('base64url')}`;
}

const ID_BASES = {
  repo: 700_000_000,
  pull: 1_500_000_000,
  comment: 2_000_000_000,
  deployment: 1_000_000_000,
  status: 3_000_000_000,
  reaction: 4_000_000_000,
  workflow: 160_000_000,
  run: 9_000_000_000,
  environment: 170_000_000,
  issue: 2_500_000_000,
};

export class GitHubState {
  readonly defaultRepoKey: string;
  private readonly options: StateOptions;
  private readonly repos = new Map<string, RepoRecord>();
  private readonly pulls = new Map<string, PullRequestRecord>();
  private readonly issues = new Map<string, IssueRecord>();
  private readonly commentsById = new Map<number, CommentRecord>();
  private readonly deploymentsById = new Map<number, DeploymentRecord>();
  /** Repository key → login (lower case) → role. */
  private readonly roles = new Map<string, Map<string, RepoRole>>();
  /** `org/team-slug` (lower case) → logins (lower case) of active members. */
  private readonly teams = new Map<string, Set<string>>();
  private readonly reactionList: ReactionRecord[] = [];
  private readonly workflowsById = new Map<number, WorkflowRecord>();
  private readonly runsById = new Map<number, WorkflowRunRecord>();
  private readonly environments = new Map<string, EnvironmentRecord>();
  /** Every workflow_dispatch accepted, oldest first. */
  readonly dispatches: DispatchRecord[] = [];
  private counters = { ...ID_BASES };

  constructor(options: StateOptions) {
    this.options = options;
    this.defaultRepoKey = repoKey(options.owner, options.repo);
    this.reset();
  }

  /** Forgets everything and recreates the server's repository with its `main` branch. */
  reset(): void {
    this.repos.clear();
    this.pulls.clear();
    this.issues.clear();
    this.commentsById.clear();
    this.deploymentsById.clear();
    this.roles.clear();
    this.teams.clear();
    this.reactionList.length = 0;
    this.workflowsById.clear();
    this.runsById.clear();
    this.environments.clear();
    this.dispatches.length = 0;
    this.counters = { ...ID_BASES };
    this.addRepository({ owner: this.options.owner, name: this.options.repo });
  }

  now(): string {
    return timestamp(this.options.now());
  }

  // ---- repositories and refs ----

  addRepository(input: {
    owner: UserInput;
    name: string;
    defaultBranch?: string;
    private?: boolean;
  }): RepoRecord {
    const owner = toUser(input.owner, 'Organization');
    const key = repoKey(owner.login, input.name);
    const id = ++this.counters.repo;
    const defaultBranch = input.defaultBranch ?? 'main';
    const record: RepoRecord = {
      key,
      owner,
      name: input.name,
      id,
      nodeId: `R_kgDO${Buffer.from(String(id)).toString('base64url')}`,
      defaultBranch,
      private: input.private ?? false,
      refs: new Map([[defaultBranch, fakeSha(`${key}@${defaultBranch}`)]]),
      createdAt: this.now(),
    };
    this.repos.set(key, record);
    return record;
  }

  /** The repository `owner/name` (case-insensitive, like GitHub), or the server's own. */
  repository(fullName?: string): RepoRecord | undefined {
    return this.repos.get(fullName === undefined ? this.defaultRepoKey : fullName.toLowerCase());
  }

  findRepository(owner: string, name: string): RepoRecord | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  /** Points a branch or tag at a commit. */
  setRef(ref: string, sha: string, repo?: string): void {
    this.requireRepo(repo).refs.set(ref, sha);
  }

  /** Deletes a branch or tag (a `delete` event's push). */
  deleteRef(ref: string, repo?: string): void {
    this.requireRepo(repo).refs.delete(ref);
  }

  /** A full 40-hex SHA stands for itself; otherwise the ref must be known (GitHub answers 422/409). */
  resolveRef(repo: RepoRecord, ref: string): string | undefined {
    if (/^[0-9a-f]{40}$/i.test(ref)) return ref.toLowerCase();
    return repo.refs.get(ref.replace(/^refs\/(heads|tags)\//, ''));
  }

  // ---- people: repository roles and organization teams ----

  /** Gives a user a role on a repository (the owner of a user-owned repository is admin without this). */
  setRole(login: string, role: RepoRole, repo?: string): void {
    const key = this.requireRepo(repo).key;
    const roles = this.roles.get(key) ?? new Map<string, RepoRole>();
    roles.set(login.toLowerCase(), role);
    this.roles.set(key, roles);
  }

  /** The user's role on the repository, undefined when the user is not a collaborator. */
  roleOf(repo: RepoRecord, login: string): RepoRole | undefined {
    const role = this.roles.get(repo.key)?.get(login.toLowerCase());
    if (role) return role;
    return repo.owner.type !== 'Organization' && repo.owner.login.toLowerCase() === login.toLowerCase()
      ? 'admin'
      : undefined;
  }

  /** Creates (or replaces) an organization team with its active members. */
  setTeam(org: string, slug: string, members: string[]): void {
    this.teams.set(`${org}/${slug}`.toLowerCase(), new Set(members.map((m) => m.toLowerCase())));
  }

  /** undefined when the team does not exist; else whether the user is an active member. */
  isTeamMember(org: string, slug: string, login: string): boolean | undefined {
    return this.teams.get(`${org}/${slug}`.toLowerCase())?.has(login.toLowerCase());
  }

  // ---- reactions ----

  /** Adds a reaction to an issue comment; the same user's same reaction is returned, not added twice. */
  addReaction(
    commentId: number,
    content: ReactionContent,
    user: UserRef,
  ): { reaction: ReactionRecord; created: boolean } {
    const existing = this.reactionList.find(
      (r) => r.commentId === commentId && r.content === content && r.user.id === user.id,
    );
    if (existing) return { reaction: existing, created: false };
    const id = ++this.counters.reaction;
    const reaction: ReactionRecord = {
      id,
      nodeId: nodeId('REA', id),
      commentId,
      content,
      user,
      createdAt: this.now(),
    };
    this.reactionList.push(reaction);
    return { reaction, created: true };
  }

  /** The reactions on a comment, oldest first. */
  reactions(commentId: number): ReactionRecord[] {
    return this.reactionList.filter((r) => r.commentId === commentId);
  }

  // ---- workflows and their runs ----

  /** Adds a workflow file; `dispatchInputs` lists its workflow_dispatch inputs (undefined: no such trigger). */
  addWorkflow(input: {
    path: string;
    name?: string;
    dispatchInputs?: string[];
    repo?: string;
  }): WorkflowRecord {
    const repo = this.requireRepo(input.repo);
    const id = ++this.counters.workflow;
    const record: WorkflowRecord = {
      repoKey: repo.key,
      id,
      nodeId: nodeId('W', repo.id, id),
      path: input.path,
      name: input.name ?? input.path.replace(/^.*\//, '').replace(/\.ya?ml$/, ''),
      dispatchInputs: input.dispatchInputs,
      createdAt: this.now(),
    };
    this.workflowsById.set(id, record);
    return record;
  }

  /** A workflow by numeric id or by file name (`preview.yml`), as the REST API's `workflow_id` takes it. */
  findWorkflow(repo: RepoRecord, idOrFile: string): WorkflowRecord | undefined {
    return [...this.workflowsById.values()].find(
      (w) =>
        w.repoKey === repo.key && (String(w.id) === idOrFile || w.path.replace(/^.*\//, '') === idOrFile),
    );
  }

  /** Adds a run of a workflow (pull_request runs list the base repository's open PRs with that head). */
  addWorkflowRun(input: {
    workflow: string;
    event: string;
    headBranch: string;
    headSha: string;
    status?: RunStatus;
    conclusion?: RunConclusion;
    actor?: UserInput;
    pullRequests?: number[];
    createdAt?: string;
    repo?: string;
  }): WorkflowRunRecord {
    const repo = this.requireRepo(input.repo);
    const workflow =
      this.findWorkflow(repo, input.workflow) ??
      this.addWorkflow({ path: `.github/workflows/${input.workflow}`, repo: input.repo });
    const id = ++this.counters.run;
    const status = input.status ?? 'completed';
    const created = input.createdAt ?? this.now();
    const actor = toUser(input.actor ?? 'octocat');
    const record: WorkflowRunRecord = {
      repoKey: repo.key,
      id,
      nodeId: nodeId('WFR', repo.id, id),
      workflowId: workflow.id,
      runNumber: [...this.runsById.values()].filter((r) => r.workflowId === workflow.id).length + 1,
      runAttempt: 1,
      event: input.event,
      headBranch: input.headBranch,
      headSha: input.headSha,
      status,
      conclusion: status === 'completed' ? (input.conclusion ?? 'success') : null,
      actor,
      triggeringActor: actor,
      pullRequests: input.pullRequests ?? [],
      reviews: [],
      displayTitle: workflow.name,
      createdAt: created,
      updatedAt: created,
    };
    this.runsById.set(id, record);
    return record;
  }

  workflowRun(id: number): WorkflowRunRecord | undefined {
    return this.runsById.get(id);
  }

  workflow(id: number): WorkflowRecord | undefined {
    return this.workflowsById.get(id);
  }

  /** Runs of a workflow, newest first (as the API lists them). */
  workflowRuns(workflowId: number): WorkflowRunRecord[] {
    return [...this.runsById.values()]
      .filter((r) => r.workflowId === workflowId)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
  }

  /** A required reviewer approves (or rejects) the run's jobs waiting for `environments`. */
  reviewRun(
    id: number,
    review: { user: UserInput; environments: string[]; state?: 'approved' | 'rejected'; comment?: string },
  ): void {
    const run = this.runsById.get(id);
    if (!run) throw new Error(`no workflow run ${id}`);
    const repo = this.requireRepo(run.repoKey);
    for (const name of review.environments) {
      if (!this.environment(repo, name)?.reviewers.length)
        throw new Error(`environment ${name} has no required reviewers: nobody reviews it`);
    }
    run.reviews.push({
      user: toUser(review.user),
      state: review.state ?? 'approved',
      environments: review.environments,
      comment: review.comment ?? '',
    });
  }

  /** A re-run: the same run, its attempt raised, queued again, started by `by`. */
  rerun(id: number, by: UserRef): WorkflowRunRecord | undefined {
    const run = this.runsById.get(id);
    if (!run) return undefined;
    run.runAttempt += 1;
    run.status = 'queued';
    run.conclusion = null;
    run.triggeringActor = by;
    run.updatedAt = this.now();
    return run;
  }

  // ---- issues and pull requests ----

  addPullRequest(input: PullRequestInput): PullRequestRecord {
    const repo = this.requireRepo(input.repo);
    const created = input.createdAt ?? this.now();
    const state = input.state ?? (input.merged ? 'closed' : 'open');
    const merged = input.merged ?? false;
    const headRef = input.headRef ?? `feature-${input.number}`;
    const headSha = input.headSha ?? fakeSha(`${repo.key}#${input.number}@${headRef}`);
    const baseRef = input.baseRef ?? repo.defaultBranch;
    const user = toUser(input.user ?? 'octocat');
    let headRepo = { owner: repo.owner, name: repo.name, id: repo.id, nodeId: repo.nodeId };
    if (input.headRepo && input.headRepo.toLowerCase() !== repo.key) {
      const [owner = '', name = ''] = input.headRepo.split('/');
      const fork = this.findRepository(owner, name) ?? this.addRepository({ owner: { login: owner }, name });
      headRepo = { owner: fork.owner, name: fork.name, id: fork.id, nodeId: fork.nodeId };
    } else {
      repo.refs.set(headRef, headSha);
    }
    const id = ++this.counters.pull;
    const closedAt = state === 'closed' ? (input.closedAt ?? input.mergedAt ?? this.now()) : null;
    const record: PullRequestRecord = {
      repoKey: repo.key,
      number: input.number,
      id,
      nodeId: nodeId('PR', repo.id, input.number),
      state,
      merged,
      mergedAt: merged ? (input.mergedAt ?? closedAt) : null,
      mergedBy: merged ? user : null,
      mergeCommitSha: merged ? fakeSha(`${repo.key}#${input.number}:merge`) : null,
      closedAt,
      title: input.title ?? `Pull request ${input.number}`,
      body: input.body ?? null,
      draft: input.draft ?? false,
      labels: input.labels ?? [],
      user,
      authorAssociation: input.authorAssociation ?? 'CONTRIBUTOR',
      headRef,
      headSha,
      headRepo,
      baseRef,
      baseSha: input.baseSha ?? repo.refs.get(baseRef) ?? fakeSha(`${repo.key}@${baseRef}`),
      createdAt: created,
      updatedAt: created,
    };
    this.pulls.set(`${repo.key}#${input.number}`, record);
    return record;
  }

  addIssue(input: {
    number?: number;
    title?: string;
    body?: string | null;
    labels?: string[];
    user?: UserInput;
    state?: 'open' | 'closed';
    repo?: string;
  }): IssueRecord {
    const repo = this.requireRepo(input.repo);
    const taken = [...this.pulls.values(), ...this.issues.values()]
      .filter((r) => r.repoKey === repo.key)
      .map((r) => r.number);
    const number = input.number ?? Math.max(0, ...taken) + 1;
    const id = ++this.counters.issue;
    const now = this.now();
    const record: IssueRecord = {
      repoKey: repo.key,
      id,
      nodeId: nodeId('I', repo.id, number),
      number,
      title: input.title ?? `Issue ${number}`,
      body: input.body ?? null,
      labels: input.labels ?? [],
      user: toUser(input.user ?? 'octocat'),
      state: input.state ?? 'open',
      createdAt: now,
      updatedAt: now,
      closedAt: input.state === 'closed' ? now : null,
    };
    this.issues.set(`${repo.key}#${number}`, record);
    return record;
  }

  issue(number: number, repo?: string): IssueRecord | undefined {
    return this.issues.get(`${this.requireRepo(repo).key}#${number}`);
  }

  issuesOf(repo?: string): IssueRecord[] {
    const key = this.requireRepo(repo).key;
    return [...this.issues.values()].filter((i) => i.repoKey === key);
  }

  updateIssue(
    record: IssueRecord,
    change: { title?: string; body?: string | null; state?: 'open' | 'closed' },
  ): IssueRecord {
    if (change.title !== undefined) record.title = change.title;
    if (change.body !== undefined) record.body = change.body;
    if (change.state !== undefined && change.state !== record.state) {
      record.state = change.state;
      record.closedAt = change.state === 'closed' ? this.now() : null;
    }
    record.updatedAt = this.now();
    return record;
  }

  // ---- environments ----

  /** Creates (or replaces) a GitHub environment; `reviewers` are its required reviewers (logins). */
  setEnvironment(
    name: string,
    options: { reviewers?: string[]; preventSelfReview?: boolean; repo?: string } = {},
  ): EnvironmentRecord {
    const repo = this.requireRepo(options.repo);
    const id = ++this.counters.environment;
    const record: EnvironmentRecord = {
      repoKey: repo.key,
      id,
      nodeId: nodeId('EN', repo.id, id),
      name,
      reviewers: (options.reviewers ?? []).map((r) => toUser(r)),
      preventSelfReview: options.preventSelfReview ?? false,
      createdAt: this.now(),
    };
    this.environments.set(`${repo.key}/${name.toLowerCase()}`, record);
    return record;
  }

  environment(repo: RepoRecord, name: string): EnvironmentRecord | undefined {
    return this.environments.get(`${repo.key}/${name.toLowerCase()}`);
  }

  pullRequest(number: number, repo?: string): PullRequestRecord | undefined {
    return this.pulls.get(`${this.requireRepo(repo).key}#${number}`);
  }

  pullRequests(repo?: string): PullRequestRecord[] {
    const key = this.requireRepo(repo).key;
    return [...this.pulls.values()].filter((p) => p.repoKey === key);
  }

  /** Whether `#number` is an issue or a pull request (every pull request is an issue). */
  hasIssue(repo: RepoRecord, number: number): 'issue' | 'pull' | undefined {
    if (this.pulls.has(`${repo.key}#${number}`)) return 'pull';
    return this.issues.has(`${repo.key}#${number}`) ? 'issue' : undefined;
  }

  // ---- comments ----

  addComment(input: CommentInput): CommentRecord {
    const repo = this.requireRepo(input.repo);
    if (!this.hasIssue(repo, input.issueNumber)) {
      throw new Error(`no issue or pull request #${input.issueNumber} in ${repo.key}; seed it first`);
    }
    const id = ++this.counters.comment;
    const created = input.createdAt ?? this.now();
    const record: CommentRecord = {
      repoKey: repo.key,
      issueNumber: input.issueNumber,
      id,
      nodeId: nodeId('IC', repo.id, id),
      body: input.body,
      user: toUser(input.user ?? GITHUB_ACTIONS_BOT),
      authorAssociation: input.authorAssociation ?? 'NONE',
      createdAt: created,
      updatedAt: created,
      minimized: null,
    };
    this.commentsById.set(id, record);
    return record;
  }

  /** Comments oldest first, of one issue or of the whole repository. */
  comments(issueNumber?: number, repo?: string): CommentRecord[] {
    const key = this.requireRepo(repo).key;
    return [...this.commentsById.values()]
      .filter((c) => c.repoKey === key && (issueNumber === undefined || c.issueNumber === issueNumber))
      .sort((a, b) => a.id - b.id);
  }

  comment(id: number): CommentRecord | undefined {
    return this.commentsById.get(id);
  }

  commentByNodeId(id: string): CommentRecord | undefined {
    for (const c of this.commentsById.values()) if (c.nodeId === id) return c;
    return undefined;
  }

  updateComment(id: number, body: string): CommentRecord | undefined {
    const record = this.commentsById.get(id);
    if (!record) return undefined;
    record.body = body;
    record.updatedAt = this.now();
    return record;
  }

  deleteComment(id: number): boolean {
    return this.commentsById.delete(id);
  }

  minimizeComment(id: number, reason: MinimizeReason | null): CommentRecord | undefined {
    const record = this.commentsById.get(id);
    if (record) record.minimized = reason === null ? null : { reason };
    return record;
  }

  // ---- deployments ----

  /** Creates a deployment. The caller has resolved `sha` (see resolveRef). */
  addDeployment(input: DeploymentInput & { sha: string }): DeploymentRecord {
    const repo = this.requireRepo(input.repo);
    const id = ++this.counters.deployment;
    const environment = input.environment ?? 'production';
    const created = this.now();
    const record: DeploymentRecord = {
      repoKey: repo.key,
      id,
      nodeId: nodeId('DE', repo.id, id),
      sha: input.sha,
      ref: input.ref,
      task: input.task ?? 'deploy',
      payload: input.payload ?? {},
      environment,
      originalEnvironment: environment,
      description: input.description === undefined ? '' : input.description,
      creator: toUser(input.creator ?? GITHUB_ACTIONS_BOT),
      transientEnvironment: input.transientEnvironment ?? false,
      productionEnvironment: input.productionEnvironment ?? environment === 'production',
      createdAt: created,
      updatedAt: created,
      statuses: [],
    };
    this.deploymentsById.set(id, record);
    return record;
  }

  /** Deployments newest first. */
  deployments(repo?: string): DeploymentRecord[] {
    const key = this.requireRepo(repo).key;
    return [...this.deploymentsById.values()].filter((d) => d.repoKey === key).sort((a, b) => b.id - a.id);
  }

  deployment(id: number): DeploymentRecord | undefined {
    return this.deploymentsById.get(id);
  }

  /** The latest status' state, or undefined for a deployment nobody reported on yet. */
  deploymentState(deployment: DeploymentRecord): DeploymentState | undefined {
    return deployment.statuses[deployment.statuses.length - 1]?.state;
  }

  /**
   * Adds a status. With `autoInactive` (default true) a `success` marks every earlier deployment of the same
   * repository and environment whose latest status is `success` inactive, as GitHub documents it: only
   * deployments that are neither transient nor production are touched. Returns the new status.
   */
  addDeploymentStatus(deploymentId: number, input: DeploymentStatusInput): DeploymentStatusRecord {
    const deployment = this.deploymentsById.get(deploymentId);
    if (!deployment) throw new Error(`no deployment ${deploymentId}`);
    const previous = deployment.statuses[deployment.statuses.length - 1];
    const environment = input.environment ?? previous?.environment ?? deployment.environment;
    deployment.environment = environment;
    const creator = toUser(input.creator ?? GITHUB_ACTIONS_BOT);
    const status = this.pushStatus(deployment, {
      state: input.state,
      creator,
      description: input.description ?? '',
      environment,
      targetUrl: input.logUrl ?? input.targetUrl ?? '',
      logUrl: input.logUrl ?? input.targetUrl ?? '',
      environmentUrl: input.environmentUrl ?? '',
    });
    if (input.state === 'success' && input.autoInactive !== false) {
      for (const other of this.deploymentsById.values()) {
        if (other.id >= deployment.id || other.repoKey !== deployment.repoKey) continue;
        if (other.environment !== environment || other.transientEnvironment || other.productionEnvironment)
          continue;
        if (this.deploymentState(other) !== 'success') continue;
        const last = other.statuses[other.statuses.length - 1]!;
        this.pushStatus(other, { ...last, state: 'inactive', creator, description: '' });
      }
    }
    return status;
  }

  deleteDeployment(id: number): boolean {
    return this.deploymentsById.delete(id);
  }

  private pushStatus(
    deployment: DeploymentRecord,
    fields: Omit<DeploymentStatusRecord, 'id' | 'nodeId' | 'deploymentId' | 'createdAt' | 'updatedAt'>,
  ): DeploymentStatusRecord {
    const repo = this.repos.get(deployment.repoKey)!;
    const id = ++this.counters.status;
    const now = this.now();
    const status: DeploymentStatusRecord = {
      state: fields.state,
      creator: fields.creator,
      description: fields.description,
      environment: fields.environment,
      targetUrl: fields.targetUrl,
      logUrl: fields.logUrl,
      environmentUrl: fields.environmentUrl,
      id,
      nodeId: nodeId('DES', repo.id, id),
      deploymentId: deployment.id,
      createdAt: now,
      updatedAt: now,
    };
    deployment.statuses.push(status);
    deployment.updatedAt = now;
    return status;
  }

  private requireRepo(fullName?: string): RepoRecord {
    const repo = this.repository(fullName);
    if (!repo) throw new Error(`unknown repository ${fullName}; add it with state.addRepository`);
    return repo;
  }
}

export function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}
