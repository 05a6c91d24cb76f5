// The approval gate through its bundle against the GitHub fake (held to GitHub's OpenAPI description): where it
// asks, who may decide (roles, users, teams through the teams token), self-approval refused, fail closed on a
// rejection or a timeout, and conditional polling (304s). The test writes comments while the bundle waits.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubServer } from '../harness/github/server.js';
import { builtAction, repoRoot, runAction, startAction } from '../harness/runner.js';

const ACTION = join(repoRoot, 'actions', 'approval');
const REPOSITORY = 'octo-org/shop';
const TOKEN = 'ghs_gate';
const TEAMS = 'ghs_gate_teams';
let gh: GitHubFake;

beforeAll(async () => {
  builtAction('approval');
  gh = await startGitHubServer({ owner: 'octo-org', repo: 'shop', token: TOKEN });
  gh.addToken(TEAMS, { login: 'gate-reader[bot]', canReadOrg: true });
});
afterAll(() => gh.close());
beforeEach(() => {
  gh.reset();
  gh.state.setRole('maya', 'maintain');
  gh.state.setRole('rita', 'read');
  gh.state.setRole('lead', 'read');
  gh.state.setTeam('octo-org', 'release', ['lead']);
});
afterEach(() => gh.assertNoViolations());

const dispatch = {
  name: 'workflow_dispatch',
  payload: { inputs: {}, repository: { full_name: REPOSITORY } },
};

function gate(inputs: Record<string, string>, event: { name: string; payload: unknown } = dispatch) {
  return startAction({
    action: ACTION,
    inputs: { wave: 'production-red', 'poll-interval': '300ms', 'teams-token': TEAMS, ...inputs },
    token: TOKEN,
    apiUrl: gh.url,
    repository: REPOSITORY,
    event,
    env: { GITHUB_ACTOR: 'maya', GITHUB_RUN_ID: '9100', GITHUB_RUN_ATTEMPT: '1' },
    timeoutMs: 60_000,
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting');
}

/** Waits until the request is posted, then returns where. */
async function requestPosted(): Promise<{ issue: number; requestId: number }> {
  for (let i = 0; i < 200; i++) {
    const request = gh.state
      .comments()
      .find(
        (c) => c.body.startsWith('<!-- ecs-actions/approval -->') && c.user.login === 'github-actions[bot]',
      );
    if (request) return { issue: request.issueNumber, requestId: request.id };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the gate never asked');
}

describe('the approval gate through the bundle', () => {
  it('without a PR it opens a tracking issue; self-approval and a non-approver are refused; a team member approves', async () => {
    const run = gate({ approvers: 'octo-org/release', environment: '', ref: 'v1.4.0' });
    const { issue, requestId } = await requestPosted();
    expect(gh.state.issue(issue)).toMatchObject({ state: 'open' });
    expect(gh.state.comment(requestId)!.body).toContain('@maya, who started it, cannot approve it');
    const self = gh.state.addComment({ issueNumber: issue, body: '/approve', user: 'maya' });
    const reader = gh.state.addComment({ issueNumber: issue, body: '/approve', user: 'rita' });
    // Both refused (👎), and the gate is back to polling: unchanged reads are conditional and answered 304.
    await until(() => gh.state.reactions(reader.id).length > 0);
    const seen = gh.requests.length;
    await until(() =>
      gh.requests.slice(seen).some((r) => r.operationId === 'issues/list-comments' && r.status === 304),
    );
    const approval = gh.state.addComment({ issueNumber: issue, body: '/approve looks good', user: 'lead' });
    const result = await run.result;
    expect(result.errors).toEqual([]);
    expect(result.outputs).toMatchObject({ 'approved-by': 'lead', 'issue-number': String(issue) });
    expect(result.summary).toContain('Approved by @lead');
    expect(gh.state.reactions(self.id).map((r) => r.content)).toEqual(['-1']);
    expect(gh.state.reactions(reader.id).map((r) => r.content)).toEqual(['-1']);
    expect(gh.state.reactions(approval.id).map((r) => r.content)).toEqual(['+1']);
    expect(gh.state.comment(requestId)!.body).toContain('✅ Approved by @lead');
    expect(gh.state.issue(issue)).toMatchObject({ state: 'closed' });
  });

  it('on a PR, a rejection by a maintainer stops the wave (the step fails, the request says why)', async () => {
    gh.state.addPullRequest({ number: 31 });
    const run = gate({ approvers: 'maintain', 'allow-self-approval': 'false', 'pr-number': '31' });
    const { issue, requestId } = await requestPosted();
    expect(issue).toBe(31);
    gh.state.setRole('otto', 'admin');
    gh.state.addComment({ issueNumber: 31, body: '/reject error rate too high', user: 'otto' });
    const result = await run.result;
    expect(result.exitCode).not.toBe(0);
    expect(result.errors.join('\n')).toContain("Wave 'production-red' was not approved: rejected by @otto");
    expect(gh.state.comment(requestId)!.body).toContain('❌ Rejected by @otto');
    expect(gh.state.comment(requestId)!.body).toContain('error rate too high');
    expect(gh.state.issuesOf()).toEqual([]);
  });

  it('fails closed when nobody decides in time', async () => {
    const run = gate({ approvers: 'lead', 'approval-timeout': '2s' });
    const { issue, requestId } = await requestPosted();
    gh.state.addComment({ issueNumber: issue, body: 'I will look later', user: 'lead' });
    const result = await run.result;
    expect(result.exitCode).not.toBe(0);
    expect(result.errors.join('\n')).toContain('nobody allowed approved it in time');
    expect(gh.state.comment(requestId)!.body).toContain('⌛ Nobody approved');
    expect(gh.state.issue(issue)).toMatchObject({ state: 'closed' });
  });

  it('warns that a GitHub-hosted job ends before a timeout longer than 6 hours; a rejection still ends it', async () => {
    const run = startAction({
      action: ACTION,
      inputs: {
        wave: 'production-red',
        approvers: 'lead',
        'approval-timeout': '8h',
        'poll-interval': '300ms',
      },
      token: TOKEN,
      apiUrl: gh.url,
      repository: REPOSITORY,
      event: dispatch,
      env: { GITHUB_ACTOR: 'maya', GITHUB_RUN_ID: '9101', RUNNER_ENVIRONMENT: 'github-hosted' },
      timeoutMs: 60_000,
    });
    const { issue } = await requestPosted();
    gh.state.addComment({ issueNumber: issue, body: '/reject not today', user: 'lead' });
    const result = await run.result;
    expect(result.exitCode).not.toBe(0);
    expect(result.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
      "'approval-timeout' is 8h, but a job on a GitHub-hosted runner runs at most 6h: GitHub stops the gate then, and the wave does not deploy.",
    ]);
  });

  it('refuses to run without approvers, before anything is written', async () => {
    const result = await runAction({
      action: ACTION,
      inputs: { wave: 'production-red' },
      token: TOKEN,
      apiUrl: gh.url,
      repository: REPOSITORY,
      event: dispatch,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.errors.join('\n')).toContain("Input 'approvers' names nobody for");
    expect(gh.requests).toEqual([]);
  });
});
