import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startGitHubServer } from '../harness/github/server.js';
import { repoRoot, runAction, uniqueId } from '../harness/runner.js';
import { condition as condition_ } from '../workflows/replay.js';
import { deployAction } from './deploy-bundle.js';

// The deploy workflow's contract, read from the YAML (actionlint and zizmor check the rest: pnpm lint:workflows),
// and its plan step run through the built deploy bundle with the environments file of the example.
interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string[] | string;
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix: Record<string, string> };
  steps: Step[];
}
const workflowText = readFileSync(join(repoRoot, '.github/workflows/deploy.yml'), 'utf8');
const workflow = parse(workflowText) as {
  on: { workflow_call: unknown };
  permissions: unknown;
  jobs: Record<string, Job>;
};
/** A GitHub expression as written in the workflow. */
const expression = (inner: string) => `\${{ ${inner} }}`;
const waves = Object.keys(workflow.jobs).filter((j) => j.startsWith('wave-'));
const gates = Object.keys(workflow.jobs).filter((j) => j.startsWith('gate-'));

describe('.github/workflows/deploy.yml', () => {
  it('is reusable, grants nothing by default, and each permission of each job says why', () => {
    expect(workflow.on.workflow_call).toBeDefined();
    expect(workflow.permissions).toEqual({});
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect(job.permissions, name).toBeDefined();
      for (const scope of Object.keys(job.permissions!)) {
        expect(workflowText).toMatch(new RegExp(`\\n\\s+${scope}: (read|write) # \\S`));
      }
    }
  });

  it('pins third-party actions by full SHA with the version, and runs this repository’s action as $/', () => {
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps) {
        if (!step.uses) continue;
        if (step.uses.startsWith('$/')) {
          expect(['$/actions/deploy', '$/actions/run-task', '$/actions/approval']).toContain(step.uses);
          continue;
        }
        expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
        expect(workflowText).toMatch(
          new RegExp(`${step.uses.replace(/[/$.]/g, '\\$&')} # v\\d+\\.\\d+\\.\\d+`),
        );
      }
    }
  });

  it('interpolates nothing into run: scripts', () => {
    for (const job of Object.values(workflow.jobs))
      for (const step of job.steps) expect(step.run ?? '').not.toContain('${{');
  });

  it('registers once and promotes that one ARN in every wave, each wave bound to its GitHub environment', () => {
    const deploySteps = Object.values(workflow.jobs).flatMap((j) =>
      j.steps.filter((s) => s.uses === '$/actions/deploy'),
    );
    expect(deploySteps.filter((s) => s.with?.mode === 'register')).toHaveLength(1);
    expect(waves).toEqual(Array.from({ length: 8 }, (_, i) => `wave-${i + 1}`));
    waves.forEach((name, i) => {
      const job = workflow.jobs[name]!;
      expect(job.environment).toBe(`\${{ fromJSON(needs.plan.outputs.waves)[${i}].name }}`);
      expect(job.strategy?.matrix.service).toBe(`\${{ fromJSON(needs.plan.outputs.waves)[${i}].services }}`);
      if (i > 0) expect(job.needs).toContain(`wave-${i}`);
      expect(job.needs).toContain(`gate-${i + 1}`);
      const deploy = job.steps.find((s) => s.uses === '$/actions/deploy')!;
      expect(deploy.with?.['task-definition-arn']).toBe(
        expression('needs.build.outputs.task-definition-arn'),
      );
      expect(deploy.with?.image).toBeUndefined();
    });
  });

  it('pre-deploy-command: one run-task on the new revision, gated by the first wave, before any wave; a failure stops the deploy', () => {
    const job = workflow.jobs['pre-deploy']!;
    expect(job.needs).toEqual(['plan', 'build', 'gate-1']);
    expect(job.environment).toBe(expression('fromJSON(needs.plan.outputs.waves)[0].name'));
    const run = job.steps.find((s) => s.uses === '$/actions/run-task')!;
    expect(run.with).toMatchObject({
      service: expression('needs.plan.outputs.first-service'),
      'task-definition': expression('needs.build.outputs.task-definition-arn'),
      command: expression('inputs.pre-deploy-command'),
    });
    // The first wave waits for it, and runs only after its success or when there is none, with GitHub's engine.
    const first = workflow.jobs['wave-1']!;
    expect(first.needs).toContain('pre-deploy');
    const condition = (pre: string, gate = 'skipped') =>
      condition_(
        first.if!,
        {
          needs: {
            plan: { result: 'success', outputs: { count: '2' } },
            build: { result: 'success', outputs: {} },
            'gate-1': { result: gate, outputs: {} },
            'pre-deploy': { result: pre, outputs: {} },
          },
        },
        false,
      );
    expect(condition('success')).toBe(true);
    expect(condition('skipped')).toBe(true);
    expect(condition('failure')).toBe(false);
    expect(condition('cancelled')).toBe(false);
    // An approval gate before the first wave: it holds the pre-deploy command and the wave alike.
    expect(condition('skipped', 'success')).toBe(true);
    expect(condition('skipped', 'failure')).toBe(false);
    const pre = (gate: string) =>
      condition_(
        job.if!,
        {
          inputs: { 'pre-deploy-command': 'bin/migrate' },
          needs: { build: { result: 'success', outputs: {} }, 'gate-1': { result: gate, outputs: {} } },
        },
        false,
      );
    expect([pre('skipped'), pre('success'), pre('failure')]).toEqual([true, true, false]);
  });

  it('runs up to eight waves: the plan of six runs waves 1–6 and skips 7 and 8; nine fail the plan with the limit', async () => {
    const action = await deployAction();
    const workspace = join(repoRoot, '.vitest-tmp', `deploy-waves-${uniqueId()}`);
    mkdirSync(join(workspace, '.github'), { recursive: true });
    const file = (n: number) =>
      [
        'environments:',
        '  global:',
        '    cluster: shop',
        '    waves:',
        ...Array.from({ length: n }, (_, i) => `      cell-${i + 1}: web-${i + 1}`),
      ].join('\n');
    writeFileSync(join(workspace, '.github', 'ecs-environments.yml'), `${file(6)}\n`);
    const plan = await runAction({ action, workspace, inputs: { mode: 'plan', environment: 'global' } });
    expect(plan.errors).toEqual([]);
    const planned = plan.outputs.waves!;
    expect(JSON.parse(planned)).toHaveLength(6);
    // The plan job's count step, as the runner runs it, then each wave's condition with GitHub's engine.
    const count = workflow.jobs.plan!.steps.find((s) => s.run?.includes('jq'))!.run!;
    const runCount = (waves: string) => {
      const out = join(workspace, `out-${uniqueId()}`);
      writeFileSync(out, '');
      const r = spawnSync('bash', ['-e', '-c', count], {
        env: { ...process.env, WAVES: waves, GITHUB_OUTPUT: out },
        encoding: 'utf8',
      });
      return { status: r.status, stdout: r.stdout, output: readFileSync(out, 'utf8') };
    };
    const six = runCount(planned);
    expect(six.status).toBe(0);
    expect(six.output).toContain('count=6');
    const runs = waves.filter((name) => {
      const job = workflow.jobs[name]!;
      const needs = Object.fromEntries(
        ['plan', 'build', 'pre-deploy', ...gates, ...waves].map((n) => [
          n,
          {
            result: n === 'pre-deploy' || n.startsWith('gate-') ? 'skipped' : 'success',
            outputs: n === 'plan' ? { count: '6' } : {},
          },
        ]),
      );
      return condition_(job.if!, { needs }, false);
    });
    expect(runs).toEqual(['wave-1', 'wave-2', 'wave-3', 'wave-4', 'wave-5', 'wave-6']);
    // Each gate runs only for its wave, when the plan chose the approval gate for it.
    const chosen = JSON.parse(planned) as { gate: string }[];
    chosen[4]!.gate = 'approval';
    const gated = gates.filter((name) =>
      condition_(
        workflow.jobs[name]!.if!,
        { needs: { plan: { result: 'success', outputs: { count: '6', waves: JSON.stringify(chosen) } } } },
        false,
      ),
    );
    expect(gated).toEqual(['gate-5']);
    const nine = runCount(
      JSON.stringify(Array.from({ length: 9 }, (_, i) => ({ name: `cell-${i}`, services: ['web'] }))),
    );
    expect(nine.status).toBe(1);
    expect(nine.stdout).toContain('The environment has 9 waves; this workflow runs at most 8');
    rmSync(workspace, { recursive: true, force: true });
  });

  it("the plan step turns the example's environments file into ordered waves", async () => {
    const example = readFileSync(join(repoRoot, 'examples/workflows/deploy.yml'), 'utf8');
    // The environments file documented at the top of the example, uncommented.
    const block = example
      .split('\n')
      .filter((l) => l.startsWith('#   '))
      .map((l) => l.slice(4))
      .join('\n');
    const workspace = join(repoRoot, '.vitest-tmp', `deploy-plan-${uniqueId()}`);
    mkdirSync(join(workspace, '.github'), { recursive: true });
    writeFileSync(join(workspace, '.github', 'ecs-environments.yml'), `${block}\n`);
    const action = await deployAction();
    // The example's later waves need an approval: production-yellow has required reviewers, production-green none
    // (so its approvers are asked by the approval gate).
    const gh = await startGitHubServer({ owner: 'octo-org', repo: 'shop', token: 'ghs_plan' });
    gh.state.setEnvironment('production-red');
    gh.state.setEnvironment('production-yellow', { reviewers: ['sam'] });
    const github = { token: 'ghs_plan', apiUrl: gh.url, repository: 'octo-org/shop' };
    // The example rolls back on alarms, which needs the revisions from before the deploy: without AWS (none in
    // this test; the workflow's replay has moto) the plan refuses rather than promise a rollback it cannot do.
    const blind = await runAction({
      action,
      workspace,
      ...github,
      inputs: { mode: 'plan', environment: 'production' },
    });
    expect(blind.errors).toEqual([
      "'rollback-on-alarm' needs the revisions the services run before the deploy: give the plan step AWS credentials and a 'cluster'.",
    ]);
    gh.requests.length = 0;
    const production = await runAction({
      action,
      workspace,
      ...github,
      inputs: { mode: 'plan', environment: 'production', 'rollback-on-alarm': 'false' },
    });
    expect(production.errors).toEqual([]);
    expect(JSON.parse(production.outputs.waves!)).toEqual([
      { name: 'production-red', services: ['web-red', 'worker-red'], gate: 'none' },
      { name: 'production-yellow', services: ['web-yellow'], gate: 'environment' },
      { name: 'production-green', services: ['web-green'], gate: 'approval' },
    ]);
    expect(production.outputs['rollback-on-alarm']).toBe('false');
    expect(production.summary).toContain(
      '| 2 | production-yellow | 🔒 environment (required reviewers: sam) | web-yellow |',
    );
    expect(production.summary).toContain(
      '| 3 | production-green | 🔒 approval gate (approvers: my-org/sre, alice) | web-green |',
    );
    // Three reads of environments, nothing else.
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/octo-org/shop/environments/production-red',
      'GET /repos/octo-org/shop/environments/production-yellow',
      'GET /repos/octo-org/shop/environments/production-green',
    ]);
    const staging = await runAction({
      action,
      workspace,
      ...github,
      inputs: { mode: 'plan', environment: 'staging' },
    });
    expect(JSON.parse(staging.outputs.waves!)).toEqual([
      { name: 'staging', services: ['web', 'worker'], gate: 'none' },
    ]);
    gh.assertNoViolations();
    await gh.close();
    rmSync(workspace, { recursive: true, force: true });
  });
});
