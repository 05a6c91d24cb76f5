import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { branchKey } from '@ecs-actions/kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { tableOf } from '../e2e/pr-comment-helpers.js';
import {
  awsEnv,
  branchSha,
  headSha,
  IMAGE,
  type PreviewWorld,
  REPOSITORY,
  TOKEN,
  taggedFor,
  usePreviewWorld,
} from '../e2e/preview-env.js';
import { iamActionOf, workflowsPolicyForRepository } from '../harness/iam.js';
import { deleteEvent, pullRequestEvent, pushEvent, repoRoot } from '../harness/runner.js';
import { type JobRecord, replayWorkflow } from './replay.js';

// The preview workflows replayed job by job against moto and the GitHub fake (see replay.ts): the inputs and
// outputs that flow between steps and jobs, the conditions, and what a reviewer sees on the PR: the comment row
// going deploying → ready with the URL, failed with a reason, destroyed; forks skipped with a notice. The
// environments file is the example's, with the sandbox's cluster, listener and template service in it.
const world = usePreviewWorld();
// One role for every job of the workflows: each call is decided against its policy, tag conditions included.
beforeAll(() => world().proxy.enforceIam(() => workflowsPolicyForRepository(REPOSITORY)));
const MARKER = '<!-- ecs-actions/pr-comment key=preview -->';
let runId = 5000;

function workspace(w: PreviewWorld): string {
  const example = parse(readFileSync(join(repoRoot, 'examples/ecs-environments.yml'), 'utf8')) as {
    defaults: Record<string, unknown>;
    environments: Record<string, Record<string, unknown>>;
  };
  // The example's settings, with the sandbox's listener and template service instead of its network.
  const defaults = { ...example.defaults };
  for (const key of ['task-definition', 'subnets', 'security-groups', 'assign-public-ip'])
    delete defaults[key];
  Object.assign(defaults, {
    cluster: w.sandbox.clusterName,
    'listener-arn': w.sandbox.httpsListenerArn ?? w.sandbox.httpListenerArn,
    'template-service': w.sandbox.serviceName,
    'container-name': w.sandbox.containerName,
    'poll-interval': '1s',
    timeout: '30s',
  });
  const dir = mkdtempSync(join(tmpdir(), 'replay-ws-'));
  mkdirSync(join(dir, '.github'));
  writeFileSync(
    join(dir, '.github/ecs-environments.yml'),
    stringify({
      defaults,
      environments: example.environments,
    }),
  );
  return dir;
}

function addPr(w: PreviewWorld, pr: number, fork = false) {
  w.gh.state.addPullRequest({
    number: pr,
    headRef: `feature/pr-${pr}`,
    headSha: headSha(pr),
    ...(fork ? { headRepo: 'someone/shop' } : {}),
  });
}

function prEvent(pr: number, options: { name?: string; action?: string; fork?: boolean } = {}) {
  const event = pullRequestEvent({
    number: pr,
    repository: REPOSITORY,
    headSha: headSha(pr),
    headRef: `feature/pr-${pr}`,
    action: options.action ?? 'opened',
    fork: options.fork ?? false,
  });
  return { name: options.name ?? event.name, payload: event.payload as Record<string, never> };
}

function common(w: PreviewWorld, dir: string) {
  return {
    workspace: dir,
    env: awsEnv(w),
    token: TOKEN,
    apiUrl: w.gh.url,
    repository: REPOSITORY,
    runId: ++runId,
  };
}

/** The reusable workflow's inputs as the example caller gives them, over the workflow's defaults. */
function inputsOf(reusable: string, example: string, extra: Record<string, string | boolean> = {}) {
  const callee = parse(readFileSync(join(repoRoot, reusable), 'utf8')) as {
    on: { workflow_call: { inputs: Record<string, { default?: string | boolean }> } };
  };
  const caller = parse(readFileSync(join(repoRoot, example), 'utf8')) as {
    jobs: Record<string, { uses?: string; with?: Record<string, string> }>;
  };
  const values: Record<string, string | boolean> = {};
  for (const [k, spec] of Object.entries(callee.on.workflow_call.inputs))
    if (spec.default !== undefined) values[k] = spec.default;
  for (const job of Object.values(caller.jobs))
    for (const [k, v] of Object.entries(job.with ?? {})) if (!String(v).includes('${{')) values[k] = v;
  return { ...values, ...extra };
}

const previewInputs = (extra: Record<string, string> = {}) =>
  inputsOf('.github/workflows/preview.yml', 'examples/workflows/preview.yml', extra);
const cleanupInputs = () =>
  inputsOf('.github/workflows/preview-cleanup.yml', 'examples/workflows/preview-cleanup.yml');
const BUILT: JobRecord = { result: 'success', outputs: { image: IMAGE }, steps: [] };

function row(w: PreviewWorld, pr: number) {
  const comments = w.gh.state.comments(pr).filter((c) => c.body.startsWith(MARKER));
  expect(comments, 'one sticky comment').toHaveLength(1);
  return tableOf(comments[0]!.body).find((r) => r.environment === 'preview');
}
const explain = (jobs: Record<string, JobRecord[]>) =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(jobs).map(([id, runs]) => [
        id,
        runs.map((r) => ({
          result: r.result,
          steps: r.steps.map(
            (s) => `${s.id ?? s.uses ?? 'run'}: ${s.outcome} ${s.result?.errors.join(' ') ?? ''}`,
          ),
        })),
      ]),
    ),
    null,
    2,
  );

describe('the preview workflows, replayed', () => {
  it('a PR gets its preview and a ready row with the URL; closing it destroys both', async () => {
    const w = world();
    const dir = workspace(w);
    addPr(w, 31);
    const preview = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, dir),
      event: prEvent(31),
      inputs: previewInputs(),
      stubs: { build: BUILT },
    });
    expect(preview.skip?.[0]?.result, explain(preview)).toBe('skipped');
    expect(preview.deploy?.[0]?.result, explain(preview)).toBe('success');
    expect(preview.deploy?.[0]?.outputs.url).toBe('https://pr-31.preview.example.com');
    const create = preview.deploy?.[0]?.steps.find((s) => s.id === 'create');
    expect(create?.inputs).toMatchObject({
      image: IMAGE,
      environment: 'preview',
      config: '.github/ecs-environments.yml',
    });
    expect(row(w, 31)).toMatchObject({ status: '✅ Ready', struck: false });
    expect(row(w, 31)?.url).toContain('pr-31.preview.example.com');
    expect(w.gh.state.comments(31)[0]?.body).toMatch(/Estimated cost: \$\d+\.\d\d per day awake/);
    expect((await taggedFor(w, 31)).services).toHaveLength(1);

    const cleanup = await replayWorkflow('.github/workflows/preview-cleanup.yml', {
      ...common(w, dir),
      event: prEvent(31, { name: 'pull_request_target', action: 'closed' }),
      inputs: cleanupInputs(),
    });
    expect(cleanup.destroy?.[0]?.result, explain(cleanup)).toBe('success');
    expect(cleanup.sweep?.[0]?.result).toBe('skipped');
    expect(row(w, 31)).toMatchObject({ struck: true });
    expect(row(w, 31)?.status).toContain('Destroyed');
    const left = await taggedFor(w, 31);
    expect([...left.services, ...left.targetGroups, ...left.rules]).toEqual([]);
  });

  it('a push to a branch gets its branch preview (URL in the summary and a deployment, no comment); deleting the branch destroys it', async () => {
    const w = world();
    const dir = workspace(w);
    const branch = 'feature/checkout';
    const sha = branchSha(branch);
    w.gh.state.setRef(branch, sha);
    const push = pushEvent({ branch, sha, repository: REPOSITORY });
    const inputs = inputsOf('.github/workflows/preview.yml', 'examples/workflows/preview-branches.yml');
    expect(inputs.environment).toBe('review');
    const preview = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, dir),
      event: push.event as { name: string; payload: Record<string, never> },
      ref: `refs/heads/${branch}`,
      sha,
      inputs,
      stubs: { build: BUILT },
    });
    expect(preview.skip?.[0]?.result, explain(preview)).toBe('skipped');
    expect(preview.build?.[0]?.result).toBe('success');
    expect(preview.deploy?.[0]?.result, explain(preview)).toBe('success');
    expect(preview.deploy?.[0]?.outputs.url).toBe('https://feature-checkout.review.example.com');
    const create = preview.deploy?.[0]?.steps.find((s) => s.id === 'create');
    expect(create?.result?.summary).toContain('### Preview of branch feature/checkout created');
    expect(create?.result?.summary).toContain('https://feature-checkout.review.example.com');
    // No PR, so no comment step ran and no comment exists; the deployment carries the URL.
    const comments = preview.deploy?.[0]?.steps.filter((s) => s.uses?.includes('pr-comment'));
    expect(comments?.map((s) => s.outcome)).toEqual(['skipped', 'skipped']);
    const deployment = w.gh.state.deployments().find((d) => d.task === `preview:${branchKey(branch).id}`);
    expect(deployment?.statuses.at(-1)).toMatchObject({
      state: 'success',
      environmentUrl: 'https://feature-checkout.review.example.com',
    });
    expect((await taggedFor(w, branch)).services).toHaveLength(1);

    // A push that deletes the branch runs nothing; the delete event's cleanup removes the preview.
    const deletedPush = pushEvent({ branch, sha, repository: REPOSITORY, deleted: true });
    const none = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, dir),
      event: deletedPush.event as { name: string; payload: Record<string, never> },
      ref: `refs/heads/${branch}`,
      inputs,
    });
    expect(Object.values(none).map((runs) => runs[0]?.result)).toEqual(['skipped', 'skipped', 'skipped']);
    w.gh.state.deleteRef(branch);
    const cleanup = await replayWorkflow('.github/workflows/preview-cleanup.yml', {
      ...common(w, dir),
      event: deleteEvent({ branch, repository: REPOSITORY }) as {
        name: string;
        payload: Record<string, never>;
      },
      inputs: { ...cleanupInputs(), environment: 'review' },
    });
    expect(cleanup.destroy?.[0]?.result, explain(cleanup)).toBe('success');
    expect(cleanup.destroy?.[0]?.steps.at(-1)?.outcome).toBe('skipped'); // no PR comment for a branch
    expect(cleanup.sweep?.[0]?.result).toBe('skipped');
    const left = await taggedFor(w, branch);
    expect([...left.services, ...left.targetGroups, ...left.rules]).toEqual([]);
    expect(w.gh.state.deploymentState(deployment!)).toBe('inactive');
  });

  it('seed-command: a new preview is seeded once by a one-off task of its service; an update is not, unless seed: always', async () => {
    const w = world();
    const dir = workspace(w);
    addPr(w, 36);
    const seeded = (jobs: Record<string, JobRecord[]>) =>
      jobs.deploy?.[0]?.steps.find((s) => s.id === 'seed');
    const first = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, dir),
      event: prEvent(36),
      inputs: previewInputs({ 'seed-command': 'bin/seed --masked-dump latest' }),
      stubs: { build: BUILT },
    });
    expect(first.deploy?.[0]?.result, explain(first)).toBe('success');
    const seed = seeded(first);
    expect(seed?.outcome, explain(first)).toBe('success');
    expect(seed?.inputs).toMatchObject({
      command: 'bin/seed --masked-dump latest',
      service: first.deploy?.[0]?.steps.find((s) => s.id === 'create')?.result?.outputs['service-arn'],
      'task-definition': first.deploy?.[0]?.steps.find((s) => s.id === 'create')?.result?.outputs[
        'task-definition-arn'
      ],
    });
    expect(seed?.result?.outputs['exit-code']).toBe('0');
    // The task ran in moto, with the command, on the preview's revision.
    const { tasks = [] } = await w.clients.ecs.send(
      new DescribeTasksCommand({
        cluster: w.sandbox.clusterName,
        tasks: [seed!.result!.outputs['task-arn']!],
      }),
    );
    expect(tasks[0]?.overrides?.containerOverrides?.[0]?.command).toEqual([
      'bin/seed',
      '--masked-dump',
      'latest',
    ]);
    expect(w.gh.state.comments(36).find((c) => c.body.startsWith(MARKER))?.body).toContain('Seeded');

    const update = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, dir),
      event: prEvent(36, { action: 'synchronize' }),
      inputs: previewInputs({ 'seed-command': 'bin/seed --masked-dump latest' }),
      stubs: { build: BUILT },
    });
    expect(seeded(update)?.outcome, explain(update)).toBe('skipped');
    const always = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, dir),
      event: prEvent(36, { action: 'synchronize' }),
      inputs: previewInputs({ 'seed-command': 'bin/seed', seed: 'always' }),
      stubs: { build: BUILT },
    });
    expect(seeded(always)?.outcome, explain(always)).toBe('success');
  });

  it('a new preview over the budget cap gets a failed row that names the cap, and nothing is created', async () => {
    const w = world();
    addPr(w, 38);
    addPr(w, 39);
    const dir = workspace(w);
    const first = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, dir),
      event: prEvent(38),
      inputs: previewInputs(),
      stubs: { build: BUILT },
    });
    expect(first.deploy?.[0]?.result, explain(first)).toBe('success');
    // The team caps previews at one in the environments file.
    const file = join(dir, '.github/ecs-environments.yml');
    const settings = parse(readFileSync(file, 'utf8')) as {
      environments: Record<string, Record<string, unknown>>;
    };
    settings.environments.preview!['max-previews'] = 1;
    writeFileSync(file, stringify(settings));
    const capped = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, dir),
      event: prEvent(39),
      inputs: previewInputs(),
      stubs: { build: BUILT },
    });
    expect(capped.deploy?.[0]?.result).toBe('failure');
    expect(row(w, 39)?.status).toBe('❌ Failed');
    expect(w.gh.state.comments(39)[0]?.body).toContain("PR #39's preview was not created: max-previews is 1");
    expect((await taggedFor(w, 39)).services).toEqual([]);
  });

  it('a preview that cannot be created leaves a failed row with the reason, and a red job', async () => {
    const w = world();
    addPr(w, 32);
    const preview = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, workspace(w)),
      event: prEvent(32),
      inputs: previewInputs({ host: 'preview.example.com' }), // no {pr}: every PR would collide
      stubs: { build: BUILT },
    });
    expect(preview.deploy?.[0]?.result).toBe('failure');
    expect(row(w, 32)?.status).toBe('❌ Failed');
    const comment = w.gh.state.comments(32).find((c) => c.body.startsWith(MARKER));
    expect(comment?.body).toContain('could not be created');
  });

  it('a fork’s PR is skipped with a notice in the summary, not failed', async () => {
    const w = world();
    addPr(w, 33, true);
    const preview = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, workspace(w)),
      event: prEvent(33, { fork: true }),
      inputs: previewInputs(),
      stubs: { build: BUILT },
    });
    expect(preview.build?.[0]?.result).toBe('skipped');
    expect(preview.deploy?.[0]?.result).toBe('skipped');
    expect(preview.skip?.[0]?.result, explain(preview)).toBe('success');
    expect(preview.skip?.[0]?.steps[0]?.summary).toContain('### Preview skipped');
    // The fake's token can write; a real fork run's cannot, and pr-comment then only warns.
    expect(row(w, 33)?.status).toBe('⏭️ Skipped');
    expect(w.gh.state.comments(33).find((c) => c.body.startsWith(MARKER))?.body).toContain(
      'pull requests from forks get no AWS credentials',
    );
    expect(await taggedFor(w, 33)).toMatchObject({ services: [], targetGroups: [], rules: [] });
  });

  it('the scheduled sweep removes the preview of a PR closed without a cleanup run, and strikes its row', async () => {
    const w = world();
    const dir = workspace(w);
    addPr(w, 34);
    const preview = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, dir),
      event: prEvent(34),
      inputs: previewInputs(),
      stubs: { build: BUILT },
    });
    expect(preview.deploy?.[0]?.result, explain(preview)).toBe('success');
    const pr = w.gh.state.pullRequest(34)!;
    pr.state = 'closed';
    pr.closedAt = new Date().toISOString();

    const sweep = await replayWorkflow('.github/workflows/preview-cleanup.yml', {
      ...common(w, dir),
      event: { name: 'schedule', payload: { schedule: '17 4 * * 1', repository: { full_name: REPOSITORY } } },
      inputs: cleanupInputs(),
    });
    expect(sweep.destroy?.[0]?.result).toBe('skipped');
    expect(sweep.sweep?.[0]?.result, explain(sweep)).toBe('success');
    expect(JSON.parse(sweep.sweep?.[0]?.outputs.prs ?? '[]')).toContain(34);
    expect(
      sweep['sweep-comments']?.every((r) => r.result === 'success'),
      explain(sweep),
    ).toBe(true);
    expect(row(w, 34)).toMatchObject({ struck: true });
    expect((await taggedFor(w, 34)).services).toEqual([]);
  });

  // Runs last: every AWS operation the actions made in the replays above, as the counting proxy saw it.
  it('made no AWS call that the workflows’ role policy (examples/iam/workflows-policy.json) does not allow', () => {
    const policy = JSON.parse(readFileSync(join(repoRoot, 'examples/iam/workflows-policy.json'), 'utf8')) as {
      Statement: { Effect: string; Action: string | string[] }[];
    };
    const allowed = new Set(
      policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) =>
        (Array.isArray(s.Action) ? s.Action : [s.Action]).map((a) => a.toLowerCase()),
      ),
    );
    const calls = world().proxy.history.filter((c) => c.action);
    expect(new Set(calls.map((c) => c.action))).toEqual(
      new Set(['preview-create', 'preview-destroy', 'preview-sweep', 'run-task']),
    );
    const missing = [...new Set(calls.map(iamActionOf))].filter((a) => !allowed.has(a.toLowerCase()));
    expect(missing).toEqual([]);
    expect(world().proxy.iamDenials).toEqual([]);
  });
});

describe('the commands workflow, replayed', () => {
  /** An issue_comment event for a new comment on a PR, and the comment in the fake. */
  function commentEvent(w: PreviewWorld, pr: number, body: string, login: string) {
    const comment = w.gh.state.addComment({ issueNumber: pr, body, user: login });
    return {
      id: comment.id,
      event: {
        name: 'issue_comment',
        payload: {
          action: 'created',
          issue: {
            number: pr,
            pull_request: { url: `https://api.github.com/repos/${REPOSITORY}/pulls/${pr}` },
          },
          comment: { id: comment.id, body, user: { login, type: 'User' } },
          repository: { full_name: REPOSITORY, default_branch: 'main' },
        },
      } as unknown as { name: string; payload: Record<string, never> },
    };
  }
  const commandsInputs = () =>
    inputsOf('.github/workflows/commands.yml', 'examples/workflows/commands.yml', { 'seed-command': '' });

  /** A PR with a preview made by the preview workflow, and maya with the write role. */
  async function withPreview(w: PreviewWorld, pr: number) {
    const dir = workspace(w);
    addPr(w, pr);
    w.gh.state.setRole('maya', 'write');
    const preview = await replayWorkflow('.github/workflows/preview.yml', {
      ...common(w, dir),
      event: prEvent(pr),
      inputs: previewInputs(),
      stubs: { build: BUILT },
    });
    expect(preview.deploy?.[0]?.result, explain(preview)).toBe('success');
    return { dir, preview };
  }

  it('/preview destroy by a writer: the AWS job removes the preview, strikes the row, and says so', async () => {
    const w = world();
    const { dir } = await withPreview(w, 41);
    const { id, event } = commentEvent(w, 41, '/preview destroy', 'maya');
    const commands = await replayWorkflow('.github/workflows/commands.yml', {
      ...common(w, dir),
      event,
      inputs: commandsInputs(),
    });
    expect(commands.command?.[0]?.result, explain(commands)).toBe('success');
    expect(commands.command?.[0]?.outputs).toEqual({ aws: 'destroy', 'pr-number': '41' });
    expect(commands.aws?.[0]?.result, explain(commands)).toBe('success');
    const steps = Object.fromEntries(
      commands.aws![0]!.steps.map((s) => [s.id ?? s.uses ?? 'run', s.outcome]),
    );
    expect(steps).toMatchObject({ apply: 'skipped', destroy: 'success', seed: 'skipped' });
    const left = await taggedFor(w, 41);
    expect([...left.services, ...left.targetGroups, ...left.rules]).toEqual([]);
    expect(row(w, 41)).toMatchObject({ struck: true });
    expect(w.gh.state.reactions(id).map((r) => r.content)).toEqual(['eyes', 'rocket']);
    const sticky = w.gh.state.comments(41).find((c) => c.body.startsWith(MARKER))!;
    expect(sticky.body).toContain('@maya | /preview destroy | 🚀 done: the preview was removed');
  });

  it('/preview extend in the AWS job; /deploy staging in the first job only (no AWS job, no OIDC token)', async () => {
    const w = world();
    const { dir } = await withPreview(w, 42);
    w.gh.state.addWorkflow({
      path: '.github/workflows/deploy.yml',
      dispatchInputs: ['environment', 'branch'],
    });
    const extend = commentEvent(w, 42, '/preview extend 1d', 'maya');
    const extended = await replayWorkflow('.github/workflows/commands.yml', {
      ...common(w, dir),
      event: extend.event,
      inputs: commandsInputs(),
    });
    expect(extended.aws?.[0]?.result, explain(extended)).toBe('success');
    const finish = extended.aws![0]!.steps.at(-1)!;
    expect(finish.inputs).toMatchObject({ step: 'finish', result: 'done' });
    expect(finish.inputs?.detail).toMatch(/^expires \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(w.gh.state.comments(42).find((c) => c.body.startsWith(MARKER))!.body).toContain(
      '/preview extend 1d | 🚀 done: expires',
    );

    // The example environments file has no `staging`: /deploy staging is refused with the known ones.
    const deploy = commentEvent(w, 42, '/deploy staging', 'maya');
    const refused = await replayWorkflow('.github/workflows/commands.yml', {
      ...common(w, dir),
      event: deploy.event,
      inputs: commandsInputs(),
    });
    expect(refused.command?.[0]?.result).toBe('success');
    expect(refused.aws?.[0]?.result).toBe('skipped');
    expect(w.gh.state.dispatches).toEqual([]);
    expect(w.gh.state.comments(42).at(-1)!.body).toContain("'staging' is not an environment of");
  });

  it('/preview seed: the AWS job finds the preview and runs the seed command as a task of its service', async () => {
    const w = world();
    const { dir, preview } = await withPreview(w, 43);
    const serviceArn = preview.deploy![0]!.steps.find((s) => s.id === 'create')!.result!.outputs[
      'service-arn'
    ];
    const { event } = commentEvent(w, 43, '/preview seed', 'maya');
    const seeded = await replayWorkflow('.github/workflows/commands.yml', {
      ...common(w, dir),
      event,
      inputs: { ...commandsInputs(), 'seed-command': 'bin/seed --size small' },
    });
    expect(seeded.aws?.[0]?.result, explain(seeded)).toBe('success');
    const seed = seeded.aws![0]!.steps.find((s) => s.id === 'seed')!;
    expect(seed.inputs).toMatchObject({ service: serviceArn, command: 'bin/seed --size small' });
    expect(seed.result?.outputs['exit-code']).toBe('0');
    expect(w.gh.state.comments(43).find((c) => c.body.startsWith(MARKER))!.body).toContain(
      '/preview seed | 🚀 done: the seed command exited with 0',
    );
  });
});
