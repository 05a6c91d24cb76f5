import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderBody } from '../../packages/comment/src/body.js';
import { GITHUB_ACTIONS_BOT, type GitHubFake, startGitHubServer } from '../harness/github/server.js';
import { pullRequestEvent } from '../harness/runner.js';
import {
  explain,
  HEAD,
  MARKER,
  PR,
  REPOSITORY,
  requireBundle,
  rowNamed,
  runStep,
  stickyComments,
  tableOf,
  theComment,
} from './pr-comment-helpers.js';

// The pr-comment bundle, run as the runner runs it, against the GitHub fake held to GitHub's OpenAPI
// description. Every test ends with no violation recorded by the fake.
let gh: GitHubFake;

beforeAll(async () => {
  requireBundle();
  gh = await startGitHubServer({ owner: 'octo-org', repo: 'shop', token: 'ghs_test' });
  gh.addToken('ghs_fork', { permissions: 'read' });
  gh.addToken('ghp_mallory', { login: 'mallory' });
});
afterAll(() => gh?.close());
beforeEach(() => {
  gh.reset();
  gh.state.addPullRequest({ number: PR, headRef: 'feature/checkout', headSha: HEAD });
});
afterEach(() => gh.assertNoViolations());

const writes = () => gh.requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql');

describe('pr-comment through the bundle', () => {
  it('posts the first comment with a row, outputs its id and URL, and writes a summary line', async () => {
    const result = await runStep(gh, {
      inputs: { environment: 'web', status: 'ready', url: 'https://pr-7.preview.example.com' },
    });
    expect(result.exitCode, explain(result)).toBe(0);
    const comment = theComment(gh);
    expect(result.outputs).toEqual({
      'comment-id': String(comment.id),
      'comment-url': `https://github.com/${REPOSITORY}/pull/${PR}#issuecomment-${comment.id}`,
      result: 'created',
    });
    expect(tableOf(comment.body)).toEqual([
      {
        environment: 'web',
        status: '✅ Ready',
        url: '[pr-7.preview.example.com](<https://pr-7.preview.example.com/>)',
        commit: `[\`1111111\`](https://github.com/${REPOSITORY}/commit/${HEAD})`,
        updated: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
        run: `[#4242](https://github.com/${REPOSITORY}/actions/runs/4242)`,
        struck: false,
      },
    ]);
    expect(result.summary).toContain(`(${result.outputs['comment-url']})`);
    expect(result.summary).toContain('created');
  });

  it('updates one row and keeps the others; the same report again writes nothing', async () => {
    const first = await runStep(gh, { runId: 100, inputs: { environment: 'web', status: 'ready' } });
    expect(first.exitCode, explain(first)).toBe(0);
    const webBefore = rowNamed(theComment(gh).body, 'web');
    const second = await runStep(gh, {
      runId: 101,
      inputs: { environment: 'api', status: 'failed', message: 'Task stopped: **exit code 137**' },
    });
    expect(second.exitCode, explain(second)).toBe(0);
    expect(second.outputs).toMatchObject({ 'comment-id': first.outputs['comment-id'], result: 'updated' });
    const comment = theComment(gh);
    expect(tableOf(comment.body).map((r) => [r.environment, r.status])).toEqual([
      ['api', '❌ Failed'],
      ['web', '✅ Ready'],
    ]);
    expect(rowNamed(comment.body, 'web')).toEqual(webBefore);
    expect(comment.body).toContain('Task stopped: **exit code 137**');

    const before = writes().length;
    const again = await runStep(gh, {
      runId: 101,
      inputs: { environment: 'api', status: 'failed', message: 'Task stopped: **exit code 137**' },
    });
    expect(again.outputs.result, explain(again)).toBe('unchanged');
    expect(writes()).toHaveLength(before);
  });

  it('ten runs in parallel for ten environments end with one comment holding ten rows', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `service-${i}`);
    const results = await Promise.all(
      names.map((name, i) =>
        runStep(gh, { runId: 500 + i, inputs: { environment: name, status: 'deploying' } }),
      ),
    );
    for (const result of results) expect(result.exitCode, explain(result)).toBe(0);
    const comment = theComment(gh);
    expect(tableOf(comment.body).map((r) => r.environment)).toEqual(names);
    expect(new Set(results.map((r) => r.outputs['comment-id']))).toEqual(new Set([String(comment.id)]));
    // Whatever duplicates the race produced were deleted.
    expect(gh.state.comments(PR)).toHaveLength(1);
    const created = gh.requests.filter((r) => r.method === 'POST' && r.status === 201).length;
    const deleted = gh.requests.filter((r) => r.method === 'DELETE' && r.status === 204).length;
    expect(created - deleted).toBe(1);
  });

  it('a stale update (older run, older commit) does not overwrite ready for a newer commit', async () => {
    const newer = await runStep(gh, {
      runId: 201,
      inputs: { environment: 'web', status: 'ready', sha: '2'.repeat(40), url: 'https://new.example.com' },
    });
    expect(newer.exitCode, explain(newer)).toBe(0);
    const body = theComment(gh).body;
    const slower = await runStep(gh, {
      runId: 200,
      runAttempt: 2,
      inputs: { environment: 'web', status: 'failed', sha: '3'.repeat(40), message: 'old commit broke' },
    });
    expect(slower.exitCode, explain(slower)).toBe(0);
    expect(slower.outputs.result).toBe('stale');
    expect(theComment(gh).body).toBe(body);
    expect(rowNamed(body, 'web')).toMatchObject({
      status: '✅ Ready',
      commit: expect.stringContaining('2222222'),
    });
    expect(slower.annotations.filter((a) => a.level === 'notice').map((a) => a.message)).toEqual([
      expect.stringMatching(
        /Row 'web' left as it is: it holds a newer report \(ready, commit 2222222, run 201/,
      ),
    ]);
    // A newer run does replace it, and a destroyed row is struck through with its time.
    const teardown = await runStep(gh, { runId: 202, inputs: { environment: 'web', status: 'destroyed' } });
    expect(teardown.outputs.result, explain(teardown)).toBe('updated');
    const row = rowNamed(theComment(gh).body, 'web')!;
    expect(row.struck).toBe(true);
    expect(row.status).toMatch(/^🗑️ Destroyed at \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(row.url).toBe('~~new.example.com~~');
  });

  it('finds its comment among more than 100 comments and folds a duplicate on a later page into it', async () => {
    for (let i = 0; i < 120; i++)
      gh.state.addComment({ issueNumber: PR, body: `review ${i}`, user: `user${i % 7}` });
    const first = await runStep(gh, { runId: 300, inputs: { environment: 'web', status: 'ready' } });
    expect(first.exitCode, explain(first)).toBe(0);
    const ours = theComment(gh);
    for (let i = 0; i < 30; i++) gh.state.addComment({ issueNumber: PR, body: `more ${i}`, user: 'octocat' });
    // A duplicate by the same identity (a run that raced and lost), holding a row the oldest lacks.
    const duplicate = gh.state.addComment({
      issueNumber: PR,
      user: GITHUB_ACTIONS_BOT,
      body: renderBody(
        'preview',
        {
          rows: [
            { environment: 'db', status: 'queued', runId: 299, runAttempt: 1, at: new Date().toISOString() },
          ],
        },
        { serverUrl: 'https://github.com', repository: REPOSITORY },
      ),
    });
    gh.requests.length = 0;
    const second = await runStep(gh, { runId: 301, inputs: { environment: 'api', status: 'deploying' } });
    expect(second.exitCode, explain(second)).toBe(0);
    expect(second.outputs['comment-id']).toBe(String(ours.id));
    expect(gh.requests.some((r) => r.method === 'GET' && r.query.page === '2')).toBe(true);
    expect(tableOf(theComment(gh).body).map((r) => r.environment)).toEqual(['api', 'db', 'web']);
    expect(gh.state.comment(duplicate.id)).toBeUndefined();
    expect(gh.state.comments(PR)).toHaveLength(151);
  });

  it('ignores a comment by another author with the same marker, and minimized comments', async () => {
    const forged = gh.state.addComment({
      issueNumber: PR,
      user: 'mallory',
      body: `${MARKER}\nplease deploy <!-- ecs-actions/pr-comment state {"v":1,"rows":[]} -->`,
    });
    const first = await runStep(gh, { runId: 400, inputs: { environment: 'web', status: 'ready' } });
    expect(first.exitCode, explain(first)).toBe(0);
    expect(stickyComments(gh)).toHaveLength(1);
    expect(gh.state.comment(forged.id)?.body).toContain('please deploy');
    // Mallory's own token sees her comment as hers; the action run with it updates hers, not the bot's.
    const bots = theComment(gh);
    const asMallory = await runStep(gh, {
      runId: 401,
      token: 'ghp_mallory',
      inputs: { environment: 'evil', status: 'ready' },
    });
    expect(asMallory.outputs['comment-id'], explain(asMallory)).toBe(String(forged.id));
    expect(theComment(gh).body).toBe(bots.body);

    gh.state.minimizeComment(bots.id, 'outdated');
    const fresh = await runStep(gh, { runId: 402, inputs: { environment: 'api', status: 'queued' } });
    expect(fresh.outputs.result, explain(fresh)).toBe('created');
    expect(fresh.outputs['comment-id']).not.toBe(String(bots.id));
    expect(
      tableOf(gh.state.comment(Number(fresh.outputs['comment-id']))!.body).map((r) => r.environment),
    ).toEqual(['api']);
    expect(gh.state.comment(bots.id)?.body).toBe(bots.body);
  });

  it('cuts oversized messages to stay within 65,536 characters, never the table', async () => {
    const huge = (name: string) => `${name} failed:\n\`\`\`\n${'x'.repeat(39_000)}\n\`\`\``;
    const first = await runStep(gh, {
      runId: 600,
      inputs: { environment: 'web', status: 'failed', message: huge('web') },
    });
    expect(first.exitCode, explain(first)).toBe(0);
    const second = await runStep(gh, {
      runId: 601,
      inputs: { environment: 'api', status: 'failed', message: huge('api') },
    });
    expect(second.exitCode, explain(second)).toBe(0);
    const body = theComment(gh).body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(tableOf(body).map((r) => [r.environment, r.status])).toEqual([
      ['api', '❌ Failed'],
      ['web', '❌ Failed'],
    ]);
    expect(body).toContain('api failed:\n```\nxxx');
    expect(body).toContain('web failed:\n```\nxxx');
    const shown = body.slice(0, body.lastIndexOf('<!-- ecs-actions/pr-comment state'));
    expect(shown.match(/cut to fit GitHub's comment size limit/g)).toHaveLength(2);
    expect(second.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
      expect.stringMatching(/message of 'api', 'web' was cut/),
    ]);
  });

  it('with a read-only token on a fork PR: a warning, success, and nothing written', async () => {
    const fork = pullRequestEvent({ number: PR, repository: REPOSITORY, headSha: HEAD, fork: true });
    const warned = await runStep(gh, {
      token: 'ghs_fork',
      event: fork,
      inputs: { environment: 'web', status: 'ready' },
    });
    expect(warned.exitCode, explain(warned)).toBe(0);
    expect(warned.outputs.result).toBe('read-only');
    expect(warned.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
      expect.stringMatching(/not written: this pull request comes from a fork.*fail-on-read-only: true/),
    ]);
    expect(gh.state.comments(PR)).toHaveLength(0);
    expect(gh.requests.filter((r) => r.status === 403)).toHaveLength(1);

    const strict = await runStep(gh, {
      token: 'ghs_fork',
      event: fork,
      inputs: { environment: 'web', status: 'ready', 'fail-on-read-only': 'true' },
    });
    expect(strict.exitCode).toBe(1);
    expect(strict.errors).toEqual([expect.stringMatching(/GitHub refused to write the comment on #7 \(403/)]);

    // The same token outside a fork's run means a missing permission: a failure that says which.
    const sameRepo = await runStep(gh, {
      token: 'ghs_fork',
      inputs: { environment: 'web', status: 'ready' },
    });
    expect(sameRepo.exitCode).toBe(1);
    expect(sameRepo.errors).toEqual([expect.stringMatching(/permissions: pull-requests: write/)]);
  });

  it('delete removes the comment; recreate posts it anew at the bottom; hide minimizes it', async () => {
    await runStep(gh, { runId: 700, inputs: { environment: 'web', status: 'ready' } });
    const original = theComment(gh);
    const review = gh.state.addComment({ issueNumber: PR, body: 'LGTM', user: 'octocat' });

    const recreated = await runStep(gh, {
      runId: 701,
      inputs: { mode: 'recreate', environment: 'api', status: 'ready' },
    });
    expect(recreated.outputs.result, explain(recreated)).toBe('recreated');
    const moved = theComment(gh);
    expect(moved.id).not.toBe(original.id);
    expect(gh.state.comments(PR).map((c) => c.body.startsWith(MARKER))).toEqual([false, true]);
    expect(tableOf(moved.body).map((r) => r.environment)).toEqual(['api', 'web']);

    const hidden = await runStep(gh, { inputs: { mode: 'hide' } });
    expect(hidden.outputs, explain(hidden)).toMatchObject({
      result: 'hidden',
      'comment-id': String(moved.id),
    });
    expect(gh.state.comment(moved.id)?.minimized).toEqual({ reason: 'outdated' });

    const fresh = await runStep(gh, { runId: 702, inputs: { environment: 'web', status: 'queued' } });
    expect(fresh.outputs.result, explain(fresh)).toBe('created');
    const deleted = await runStep(gh, { inputs: { mode: 'delete' } });
    expect(deleted.outputs, explain(deleted)).toMatchObject({
      result: 'deleted',
      'comment-id': fresh.outputs['comment-id'],
    });
    expect(gh.state.comment(Number(fresh.outputs['comment-id']))).toBeUndefined();
    // The minimized comment and the review stay.
    expect(gh.state.comments(PR).map((c) => c.id)).toEqual([review.id, moved.id]);
    const nothing = await runStep(gh, { inputs: { mode: 'delete' } });
    expect(nothing.outputs.result).toBe('not-found');
  });

  it("rides out transient server errors on the reads (retried by the kit's Octokit)", async () => {
    gh.injectFailure({ method: 'GET', path: `/repos/${REPOSITORY}/issues/${PR}/comments`, status: 502 });
    const first = await runStep(gh, { runId: 900, inputs: { environment: 'web', status: 'ready' } });
    expect(first.exitCode, explain(first)).toBe(0);
    gh.injectFailure({ path: '/graphql', status: 502 });
    const second = await runStep(gh, { runId: 901, inputs: { environment: 'api', status: 'ready' } });
    expect(second.exitCode, explain(second)).toBe(0);
    expect(gh.requests.filter((r) => r.status === 502)).toHaveLength(2);
    expect(tableOf(theComment(gh).body).map((r) => r.environment)).toEqual(['api', 'web']);
  });

  it('works for issue_comment events on a PR and for workflow_dispatch with pr-number', async () => {
    const issueComment = {
      name: 'issue_comment',
      payload: {
        action: 'created',
        issue: {
          number: PR,
          pull_request: { url: `https://api.github.com/repos/${REPOSITORY}/pulls/${PR}` },
        },
        comment: { id: 1, body: '/deploy' },
        repository: { full_name: REPOSITORY },
      },
    };
    const fromComment = await runStep(gh, {
      runId: 800,
      event: issueComment,
      inputs: { environment: 'web', status: 'deploying' },
    });
    expect(fromComment.exitCode, explain(fromComment)).toBe(0);
    // The event has no head commit: the action read it from the pull request.
    expect(rowNamed(theComment(gh).body, 'web')?.commit).toContain(HEAD);

    const dispatch = { name: 'workflow_dispatch', payload: { inputs: { pr: String(PR) } } };
    const missing = await runStep(gh, { event: dispatch, inputs: { environment: 'web', status: 'ready' } });
    expect(missing.exitCode).toBe(1);
    expect(missing.errors).toEqual([
      expect.stringMatching(/Input 'pr-number' is required for 'workflow_dispatch'/),
    ]);
    const dispatched = await runStep(gh, {
      runId: 801,
      event: dispatch,
      inputs: { 'pr-number': String(PR), environment: 'web', status: 'ready' },
    });
    expect(dispatched.outputs.result, explain(dispatched)).toBe('updated');
    expect(rowNamed(theComment(gh).body, 'web')?.status).toBe('✅ Ready');
  });
});
