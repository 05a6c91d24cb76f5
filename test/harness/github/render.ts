// State records as GitHub's REST API shows them. API URLs point at the fake (so a client that follows
// `url` fields stays on it); web URLs point at https://github.com. Every shape here is checked against
// the description on each response, so a missing required field shows up as a violation at once.
import type {
  CommentRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  EnvironmentRecord,
  IssueRecord,
  PullRequestRecord,
  ReactionRecord,
  RepoRecord,
  RepoRole,
  UserRef,
  WorkflowRecord,
  WorkflowRunRecord,
} from './state.js';

export const WEB = 'https://github.com';

type Json = Record<string, unknown>;

/** Legacy global node id, as GitHub still returns for users (`MDQ6VXNlcjE=` is user 1). */
function legacyNodeId(type: string, id: number): string {
  const code = type === 'Bot' ? '03' : type === 'Organization' ? '12' : '04';
  return Buffer.from(`${code}:${type}${id}`).toString('base64');
}

export function simpleUser(api: string, user: UserRef): Json {
  const path = `${api}/users/${encodeURIComponent(user.login)}`;
  const isBot = user.type === 'Bot';
  const app = user.login.replace(/\[bot\]$/, '');
  return {
    login: user.login,
    id: user.id,
    node_id: legacyNodeId(user.type, user.id),
    avatar_url: isBot
      ? `https://avatars.githubusercontent.com/in/${user.id === 41898282 ? 15368 : user.id}?v=4`
      : `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: '',
    url: path,
    html_url: isBot ? `${WEB}/apps/${app}` : `${WEB}/${user.login}`,
    followers_url: `${path}/followers`,
    following_url: `${path}/following{/other_user}`,
    gists_url: `${path}/gists{/gist_id}`,
    starred_url: `${path}/starred{/owner}{/repo}`,
    subscriptions_url: `${path}/subscriptions`,
    organizations_url: `${path}/orgs`,
    repos_url: `${path}/repos`,
    events_url: `${path}/events{/privacy}`,
    received_events_url: `${path}/received_events`,
    type: user.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** GET /user with a token that may read it: the private view of the authenticated user. */
export function privateUser(api: string, user: UserRef, createdAt: string): Json {
  return {
    ...simpleUser(api, user),
    user_view_type: 'private',
    name: user.name ?? null,
    company: null,
    blog: '',
    location: null,
    email: user.email ?? null,
    notification_email: user.email ?? null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 1,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: createdAt,
    updated_at: createdAt,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: 'free', space: 976562499, collaborators: 0, private_repos: 10000 },
  };
}

export function repository(
  api: string,
  repo: Pick<RepoRecord, 'owner' | 'name' | 'id' | 'nodeId'> & Partial<RepoRecord>,
  fork = false,
): Json {
  const full = `${repo.owner.login}/${repo.name}`;
  const url = `${api}/repos/${full}`;
  const created = repo.createdAt ?? '2020-01-01T00:00:00Z';
  return {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: full,
    private: repo.private ?? false,
    owner: simpleUser(api, repo.owner),
    html_url: `${WEB}/${full}`,
    description: null,
    fork,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://github.com/${full}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@github.com:${full}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${WEB}/${full}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: `${WEB}/${full}`,
    homepage: null,
    language: 'TypeScript',
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 1024,
    default_branch: repo.defaultBranch ?? 'main',
    open_issues_count: 0,
    open_issues: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    pushed_at: created,
    created_at: created,
    updated_at: created,
    allow_forking: true,
    web_commit_signoff_required: false,
    license: null,
  };
}

function branch(api: string, repo: Json, owner: UserRef, ref: string, sha: string): Json {
  return { label: `${owner.login}:${ref}`, ref, sha, user: simpleUser(api, owner), repo };
}

/** A pull request; `full` adds what GET /pulls/{n} has over the list's `pull-request-simple`. */
export function pullRequest(api: string, base: RepoRecord, pr: PullRequestRecord, full: boolean): Json {
  const baseRepo = repository(api, base);
  const headRepo = pr.headRepo.id === base.id ? baseRepo : repository(api, pr.headRepo, true);
  const repoUrl = `${api}/repos/${base.owner.login}/${base.name}`;
  const url = `${repoUrl}/pulls/${pr.number}`;
  const html = `${WEB}/${base.owner.login}/${base.name}/pull/${pr.number}`;
  const issueUrl = `${repoUrl}/issues/${pr.number}`;
  const statusesUrl = `${repoUrl}/statuses/${pr.headSha}`;
  const json: Json = {
    url,
    id: pr.id,
    node_id: pr.nodeId,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${repoUrl}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: statusesUrl,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: simpleUser(api, pr.user),
    body: pr.body,
    labels: pr.labels.map((name, i) => ({
      id: pr.id * 100 + i,
      node_id: `LA_kwDO${Buffer.from(`${pr.id}:${i}`).toString('base64url')}`,
      url: `${repoUrl}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: 'ededed',
      default: false,
    })),
    milestone: null,
    active_lock_reason: null,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branch(api, headRepo, pr.headRepo.owner, pr.headRef, pr.headSha),
    base: branch(api, baseRepo, base.owner, pr.baseRef, pr.baseSha),
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: issueUrl },
      comments: { href: `${issueUrl}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${repoUrl}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: statusesUrl },
    },
    author_association: pr.authorAssociation,
    auto_merge: null,
    draft: pr.draft,
  };
  if (full) {
    Object.assign(json, {
      merged: pr.merged,
      mergeable: pr.state === 'open' ? true : null,
      rebaseable: pr.state === 'open' ? true : null,
      mergeable_state: pr.state === 'open' ? 'clean' : 'unknown',
      merged_by: pr.mergedBy && simpleUser(api, pr.mergedBy),
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions: 1,
      deletions: 0,
      changed_files: 1,
    });
  }
  return json;
}

export function issueComment(api: string, repo: RepoRecord, comment: CommentRecord, isPull: boolean): Json {
  const repoUrl = `${api}/repos/${repo.owner.login}/${repo.name}`;
  const url = `${repoUrl}/issues/comments/${comment.id}`;
  const kind = isPull ? 'pull' : 'issues';
  return {
    url,
    html_url: `${WEB}/${repo.owner.login}/${repo.name}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${repoUrl}/issues/${comment.issueNumber}`,
    id: comment.id,
    node_id: comment.nodeId,
    user: simpleUser(api, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: comment.authorAssociation,
    body: comment.body,
    reactions: {
      url: `${url}/reactions`,
      total_count: 0,
      '+1': 0,
      '-1': 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    },
    performed_via_github_app: null,
  };
}

export function deployment(api: string, repo: RepoRecord, d: DeploymentRecord): Json {
  const repoUrl = `${api}/repos/${repo.owner.login}/${repo.name}`;
  const url = `${repoUrl}/deployments/${d.id}`;
  return {
    url,
    id: d.id,
    node_id: d.nodeId,
    task: d.task,
    original_environment: d.originalEnvironment,
    environment: d.environment,
    description: d.description,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    statuses_url: `${url}/statuses`,
    repository_url: repoUrl,
    creator: simpleUser(api, d.creator),
    sha: d.sha,
    ref: d.ref,
    payload: d.payload,
    transient_environment: d.transientEnvironment,
    production_environment: d.productionEnvironment,
    performed_via_github_app: null,
  };
}

export function deploymentStatus(api: string, repo: RepoRecord, s: DeploymentStatusRecord): Json {
  const repoUrl = `${api}/repos/${repo.owner.login}/${repo.name}`;
  const deploymentUrl = `${repoUrl}/deployments/${s.deploymentId}`;
  return {
    url: `${deploymentUrl}/statuses/${s.id}`,
    id: s.id,
    node_id: s.nodeId,
    state: s.state,
    creator: simpleUser(api, s.creator),
    description: s.description,
    environment: s.environment,
    target_url: s.targetUrl,
    log_url: s.logUrl,
    environment_url: s.environmentUrl,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    deployment_url: deploymentUrl,
    repository_url: repoUrl,
    performed_via_github_app: null,
  };
}

/** GET /collaborators/{username}/permission: `permission` is the legacy name (maintain → write, triage → read). */
export function collaboratorPermission(api: string, user: UserRef, role: RepoRole | undefined): Json {
  const permission =
    role === undefined ? 'none' : role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
  const roleName = role ?? 'none';
  const all = ['read', 'triage', 'write', 'maintain', 'admin'];
  const level = role === undefined ? -1 : all.indexOf(role);
  return {
    permission,
    role_name: roleName,
    user: {
      ...simpleUser(api, user),
      permissions: {
        pull: level >= 0,
        triage: level >= 1,
        push: level >= 2,
        maintain: level >= 3,
        admin: level >= 4,
      },
      role_name: roleName,
    },
  };
}

export function teamMembership(api: string, org: string, slug: string, login: string): Json {
  return {
    url: `${api}/orgs/${org}/teams/${slug}/memberships/${encodeURIComponent(login)}`,
    role: 'member',
    state: 'active',
  };
}

export function reaction(api: string, r: ReactionRecord): Json {
  return {
    id: r.id,
    node_id: r.nodeId,
    user: simpleUser(api, r.user),
    content: r.content,
    created_at: r.createdAt,
  };
}

function minimalRepository(api: string, repo: RepoRecord): Json {
  return repository(api, repo);
}

export function workflowRun(
  api: string,
  repo: RepoRecord,
  workflow: WorkflowRecord,
  run: WorkflowRunRecord,
  pulls: PullRequestRecord[],
): Json {
  const url = `${api}/repos/${repo.owner.login}/${repo.name}/actions/runs/${run.id}`;
  const repoUrl = `${api}/repos/${repo.owner.login}/${repo.name}`;
  const web = `${WEB}/${repo.owner.login}/${repo.name}`;
  const ref = (r: { id: number; name: string; owner: UserRef }) => ({
    id: r.id,
    url: `${api}/repos/${r.owner.login}/${r.name}`,
    name: r.name,
  });
  return {
    id: run.id,
    name: workflow.name,
    node_id: run.nodeId,
    check_suite_id: run.id + 1,
    check_suite_node_id: `CS_${run.nodeId}`,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: workflow.path,
    run_number: run.runNumber,
    run_attempt: run.runAttempt,
    referenced_workflows: [],
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: workflow.id,
    url,
    html_url: `${web}/actions/runs/${run.id}`,
    pull_requests: pulls.map((p) => ({
      id: p.id,
      number: p.number,
      url: `${repoUrl}/pulls/${p.number}`,
      head: { ref: p.headRef, sha: p.headSha, repo: ref({ ...p.headRepo }) },
      base: { ref: p.baseRef, sha: p.baseSha, repo: ref(repo) },
    })),
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    actor: simpleUser(api, run.actor),
    triggering_actor: simpleUser(api, run.triggeringActor),
    run_started_at: run.createdAt,
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${repoUrl}/check-suites/${run.id + 1}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: run.runAttempt > 1 ? `${url}/attempts/${run.runAttempt - 1}` : null,
    workflow_url: `${repoUrl}/actions/workflows/${workflow.id}`,
    head_commit: {
      id: run.headSha,
      tree_id: run.headSha.split('').reverse().join(''),
      message: run.displayTitle,
      timestamp: run.createdAt,
      author: { name: 'Monalisa Octocat', email: 'octocat@example.com' },
      committer: { name: 'GitHub', email: 'noreply@github.com' },
    },
    repository: minimalRepository(api, repo),
    head_repository: minimalRepository(api, repo),
    display_title: run.displayTitle,
  };
}

export function issue(api: string, repo: RepoRecord, i: IssueRecord, comments: number): Json {
  const url = `${api}/repos/${repo.owner.login}/${repo.name}/issues/${i.number}`;
  return {
    id: i.id,
    node_id: i.nodeId,
    url,
    repository_url: `${api}/repos/${repo.owner.login}/${repo.name}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${WEB}/${repo.owner.login}/${repo.name}/issues/${i.number}`,
    number: i.number,
    state: i.state,
    state_reason: i.state === 'closed' ? 'completed' : null,
    title: i.title,
    body: i.body,
    user: simpleUser(api, i.user),
    labels: i.labels.map((name, n) => ({
      id: 9000 + n,
      node_id: `LA_${n}`,
      url: `${api}/repos/${repo.owner.login}/${repo.name}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: 'ededed',
      default: false,
    })),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
    author_association: 'NONE',
  };
}

export function environment(api: string, repo: RepoRecord, e: EnvironmentRecord): Json {
  const rules =
    e.reviewers.length === 0
      ? []
      : [
          {
            id: e.id + 1,
            node_id: `GA_${e.nodeId}`,
            prevent_self_review: e.preventSelfReview,
            type: 'required_reviewers',
            reviewers: e.reviewers.map((r) => ({ type: 'User', reviewer: simpleUser(api, r) })),
          },
        ];
  return {
    id: e.id,
    node_id: e.nodeId,
    name: e.name,
    url: `${api}/repos/${repo.owner.login}/${repo.name}/environments/${encodeURIComponent(e.name)}`,
    html_url: `${WEB}/${repo.owner.login}/${repo.name}/deployments/activity_log?environments_filter=${encodeURIComponent(e.name)}`,
    created_at: e.createdAt,
    updated_at: e.createdAt,
    protection_rules: rules,
    deployment_branch_policy: null,
  };
}
