// Wires the gate to GitHub: where to ask (the PR the deploy came from, else a tracking issue it opens and closes),
// conditional reads of the comments, the people checks; then outputs, the summary, and a failure unless approved.
import {
  cancelSignal,
  createOctokit,
  eventPullRequest,
  GitHubPeople,
  httpStatusOf,
  info,
  runContext,
  setOutputs,
  systemClock,
  UserError,
  warning,
  writeSummary,
} from '@ecs-actions/kit';
import { type GateComment, type GateGitHub, runGate } from './gate.js';
import type { ApprovalInputs } from './inputs.js';

export async function start(inputs: ApprovalInputs): Promise<void> {
  const context = runContext();
  const octokit = createOctokit(inputs.githubToken);
  const repo = { owner: context.owner, repo: context.repo };
  const actor = process.env.GITHUB_TRIGGERING_ACTOR || context.actor;
  const what = `deploy${inputs.ref ? ` of ${inputs.ref}` : ''}${inputs.environment ? ` to ${inputs.environment}` : ''}, wave ${inputs.wave}`;
  const people = new GitHubPeople(
    octokit,
    context,
    inputs.teamsToken ? createOctokit(inputs.teamsToken) : undefined,
  );

  const guard = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (httpStatusOf(error) === 403)
        throw new UserError(
          `Could not ${what} (403): give the job 'issues: write' (and 'pull-requests: write' to ask on a PR).`,
        );
      throw error;
    }
  };
  let issueNumber = inputs.prNumber ?? eventPullRequest(context);
  let tracking = false;
  if (issueNumber === undefined) {
    const { data } = await guard('open the tracking issue', () =>
      octokit.rest.issues.create({
        ...repo,
        title: `Approval needed: ${what}`,
        body: `The deploy run ${context.runUrl ?? ''} waits for an approval in the comments below. This issue closes when it is decided.`,
      }),
    );
    issueNumber = data.number;
    tracking = true;
  }
  const number = issueNumber;
  let etag: string | undefined;
  const github: GateGitHub = {
    roleOf: (login) => people.roleOf(login),
    inTeam: (org, slug, login) => people.inTeam(org, slug, login),
    async ask(body) {
      const { data } = await guard('ask for approval', () =>
        octokit.rest.issues.createComment({ ...repo, issue_number: number, body }),
      );
      return { id: data.id, url: data.html_url, createdAt: data.created_at };
    },
    async commentsSince(since) {
      try {
        const response = await octokit.rest.issues.listComments({
          ...repo,
          issue_number: number,
          since,
          per_page: 100,
          headers: etag ? { 'if-none-match': etag } : {},
        });
        etag = response.headers.etag;
        let comments = response.data;
        // More than a page since the request: read the rest (without conditions).
        if (comments.length === 100) {
          comments = await octokit.paginate(octokit.rest.issues.listComments, {
            ...repo,
            issue_number: number,
            since,
            per_page: 100,
          });
        }
        return comments.map(
          (c): GateComment => ({
            id: c.id,
            body: c.body ?? '',
            login: c.user?.login ?? '',
            userType: c.user?.type ?? '',
            createdAt: c.created_at,
          }),
        );
      } catch (error) {
        if (httpStatusOf(error) === 304) return undefined;
        throw error;
      }
    },
    async settle(requestId, body) {
      await octokit.rest.issues.updateComment({ ...repo, comment_id: requestId, body });
    },
    async react(commentId, content) {
      await octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content });
    },
  };

  const outcome = await runGate(
    github,
    {
      wave: inputs.wave,
      what,
      approvers: inputs.approvers,
      actor,
      allowSelfApproval: inputs.allowSelfApproval,
      timeoutMs: inputs.timeoutMs,
      pollMs: inputs.pollMs,
      runUrl: context.runUrl,
    },
    systemClock,
    { info, warn: warning },
    cancelSignal('Cancelled: the wave does not deploy.'),
  );
  if (tracking) {
    try {
      await octokit.rest.issues.update({ ...repo, issue_number: number, state: 'closed' });
    } catch (error) {
      warning(`The tracking issue #${number} was not closed: ${(error as Error).message}`);
    }
  }
  const where = tracking ? `tracking issue #${number}` : `#${number}`;
  if (outcome.result === 'approved') {
    setOutputs({ 'approved-by': outcome.by, 'approved-at': outcome.at, 'issue-number': number });
    await writeSummary(
      `### ✅ ${inputs.wave} approved\n\nApproved by @${outcome.by} at ${outcome.at} on ${where}.\n`,
    );
    return;
  }
  setOutputs({ 'issue-number': number });
  const why =
    outcome.result === 'rejected'
      ? `rejected by @${outcome.by} at ${outcome.at}${outcome.reason ? ` (${outcome.reason})` : ''}`
      : outcome.result === 'timed-out'
        ? `nobody allowed approved it in time (approval-timeout)`
        : 'the run was cancelled';
  await writeSummary(`### ❌ ${inputs.wave} not approved\n\nThe wave does not deploy: ${why} (${where}).\n`);
  throw new UserError(`Wave '${inputs.wave}' was not approved: ${why}. It does not deploy.`);
}
