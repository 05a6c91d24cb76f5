// What the commands ask of GitHub: reactions, replies, who the commenter is, re-runs and dispatches.
import { httpStatusOf, type Octokit, type RunContext, UserError } from '@ecs-actions/kit';
import { GitHubPeople, type People, type Role } from '@ecs-actions/kit/people';

export type Reaction = 'eyes' | 'rocket' | '-1';

export interface CommentEvent {
  action: string;
  commentId: number;
  body: string;
  login: string;
  userType: string;
  issueNumber: number;
  isPull: boolean;
  defaultBranch: string;
}

/** The issue_comment event's parts the commands use; a different event is a UserError. */
export function commentEvent(context: RunContext): CommentEvent {
  if (context.eventName !== 'issue_comment') {
    throw new UserError(
      `The command action runs on issue_comment events (this run is ${context.eventName || 'not from an event'}): call it from a workflow 'on: issue_comment: types: [created]'.`,
    );
  }
  const p = context.payload as {
    action?: string;
    comment?: { id?: number; body?: string; user?: { login?: string; type?: string } };
    issue?: { number?: number; pull_request?: unknown };
    repository?: { default_branch?: string };
  };
  return {
    action: p.action ?? '',
    commentId: p.comment?.id ?? 0,
    body: p.comment?.body ?? '',
    login: p.comment?.user?.login ?? '',
    userType: p.comment?.user?.type ?? '',
    issueNumber: p.issue?.number ?? 0,
    isPull: p.issue?.pull_request !== undefined && p.issue?.pull_request !== null,
    defaultBranch: p.repository?.default_branch ?? 'main',
  };
}

/** A write the job's permissions must allow: a 403 names the permission instead of looking like a bug. */
async function writing<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (httpStatusOf(error) === 403) {
      throw new UserError(
        `Could not ${what} (403): give the job 'pull-requests: write' and 'issues: write' (the commands workflow does).`,
      );
    }
    throw error;
  }
}

export class CommandsGitHub implements People {
  constructor(
    readonly octokit: Octokit,
    readonly context: RunContext,
    /** For team membership only (`teams-token`): the job's GITHUB_TOKEN cannot read teams. */
    teams: Octokit | undefined,
  ) {
    this.people = new GitHubPeople(octokit, context, teams);
  }

  private readonly people: GitHubPeople;

  private get repo() {
    return { owner: this.context.owner, repo: this.context.repo };
  }

  async react(commentId: number, content: Reaction): Promise<void> {
    await writing('react to the comment', () =>
      this.octokit.rest.reactions.createForIssueComment({ ...this.repo, comment_id: commentId, content }),
    );
  }

  async reply(issueNumber: number, body: string): Promise<string> {
    const { data } = await writing('reply on the pull request', () =>
      this.octokit.rest.issues.createComment({ ...this.repo, issue_number: issueNumber, body }),
    );
    return data.html_url;
  }

  async pull(number: number) {
    const { data } = await this.octokit.rest.pulls.get({ ...this.repo, pull_number: number });
    return {
      state: data.state,
      headRef: data.head.ref,
      headSha: data.head.sha,
      fork: (data.head.repo?.full_name ?? '').toLowerCase() !== this.context.repository.toLowerCase(),
    };
  }

  async roleOf(login: string): Promise<Role | 'none'> {
    return this.people.roleOf(login);
  }

  async inTeam(org: string, slug: string, login: string): Promise<boolean> {
    return this.people.inTeam(org, slug, login);
  }

  /** The newest run of a workflow for a commit of a pull_request event, if any. */
  async latestRun(workflow: string, headSha: string) {
    const { data } = await this.octokit.rest.actions.listWorkflowRuns({
      ...this.repo,
      workflow_id: workflow,
      event: 'pull_request',
      head_sha: headSha,
      per_page: 1,
    });
    const run = data.workflow_runs[0];
    return run && { id: run.id, status: run.status ?? '', url: run.html_url };
  }

  async rerun(runId: number): Promise<void> {
    await this.octokit.rest.actions.reRunWorkflow({ ...this.repo, run_id: runId });
  }

  async dispatch(workflow: string, ref: string, inputs: Record<string, string>): Promise<void> {
    await this.octokit.rest.actions.createWorkflowDispatch({
      ...this.repo,
      workflow_id: workflow,
      ref,
      inputs,
    });
  }
}
