import { describe, expect, it } from 'vitest';
import { allWorkflows, contractProblems, localAction, localWorkflow, workflowFromText } from './model.js';

// Every workflow and every example, against the action.yml files and reusable workflows as they are on disk
// now: an input renamed in an action fails here, in the workflow that still passes the old name.
const workflows = allWorkflows();

describe('workflow contracts', () => {
  it('finds the workflows and examples, and the steps that run this repository’s actions', () => {
    const paths = workflows.map((w) => w.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '.github/workflows/preview.yml',
        '.github/workflows/preview-cleanup.yml',
        'examples/workflows/preview.yml',
        'examples/workflows/preview-cleanup.yml',
      ]),
    );
    const used = new Set(
      workflows.flatMap((w) =>
        Object.values(w.workflow.jobs).flatMap((j) =>
          (j.steps ?? []).map((s) => (s.uses ? localAction(s.uses) : undefined)).filter(Boolean),
        ),
      ),
    );
    for (const action of ['preview-create', 'preview-destroy', 'preview-sweep', 'pr-comment'])
      expect(used).toContain(action);
  });

  it.each(workflows.map((w) => [w.path, w] as const))(
    '%s passes, requires and reads only what exists',
    (_, file) => {
      expect(contractProblems(file)).toEqual([]);
    },
  );

  it('recognizes every way of naming this repository’s actions and workflows', () => {
    expect(localAction('$/actions/preview-create')).toBe('preview-create');
    expect(localAction('./actions/pr-comment')).toBe('pr-comment');
    expect(localAction('ecs-actions/ecs-actions/actions/preview-sweep@v1')).toBe('preview-sweep');
    expect(
      localAction('aws-actions/amazon-ecr-login@062b18b96a7aff071d4dc91bc00c4c1a7945b076'),
    ).toBeUndefined();
    expect(localWorkflow('./.github/workflows/preview.yml')).toBe('preview.yml');
    expect(localWorkflow('ecs-actions/ecs-actions/.github/workflows/preview-cleanup.yml@0123abc')).toBe(
      'preview-cleanup.yml',
    );
  });

  it('fails a workflow that breaks the contract (the check is not vacuous)', () => {
    const bad = workflowFromText(
      'bad.yml',
      `
on:
  workflow_call:
    outputs:
      url:
        value: \${{ jobs.deploy.outputs.address }}
jobs:
  deploy:
    runs-on: ubuntu-latest
    outputs:
      url: \${{ steps.create.outputs.link }}
    steps:
      - id: create
        uses: $/actions/preview-create
        with:
          config: .github/ecs-environments.yml
          hostname: pr-{pr}.example.com
      - uses: ./actions/pr-comment
        with:
          status: ready
          url: \${{ steps.create.outputs.url }}
          colour: green
      - uses: ecs-actions/ecs-actions/actions/no-such-action@v1
      - run: echo "\${{ steps.missing.outputs.x }}"
  notify:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
        env:
          URL: \${{ needs.deploy.outputs.url }}
  call:
    needs: deploy
    uses: ./.github/workflows/preview.yml
    with:
      aws-region: eu-west-1
      ecr-repository: web
      colour: green
    secrets:
      token: x
  after-call:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - run: echo "$URL"
        env:
          URL: \${{ needs.call.outputs.address }}
`,
    );
    const problems = contractProblems(bad).map((p) => p.replace(/^bad\.yml: /, ''));
    expect(problems).toEqual(
      expect.arrayContaining([
        "deploy.create: passes input 'hostname' that actions/preview-create does not declare",
        "deploy.step 2: passes input 'colour' that actions/pr-comment does not declare",
        'deploy.step 3: uses ecs-actions/ecs-actions/actions/no-such-action@v1, but actions/no-such-action/action.yml does not exist',
        expect.stringMatching(
          /^deploy: reads steps\.create\.outputs\.link; actions\/preview-create outputs: url, /,
        ),
        "deploy: reads steps.missing.outputs.x, but no step has the id 'missing'",
        "notify: reads needs.deploy.outputs.url, but does not list 'deploy' in needs",
        "call: passes input 'colour' that preview.yml does not declare",
        "call: omits required input 'role-to-assume' of preview.yml",
        "call: passes secret 'token' that preview.yml does not declare",
        "after-call: reads needs.call.outputs.address; job 'call' outputs: url",
        "outputs.url: reads jobs.deploy.outputs.address; job 'deploy' outputs: url",
      ]),
    );
    expect(problems).toHaveLength(11);
  });

  it('fails a step that omits a required input, with the action.yml given in memory', () => {
    const file = workflowFromText(
      'bad.yml',
      `
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: $/actions/strict
        with: { optional: x }
`,
    );
    const resolver = {
      action: (name: string) =>
        name === 'strict'
          ? {
              inputs: {
                needed: { required: true },
                'has-default': { required: true, default: 'x' },
                optional: { required: false },
              },
              outputs: {},
            }
          : undefined,
      workflow: () => undefined,
    };
    expect(contractProblems(file, resolver)).toEqual([
      "bad.yml: j.step 1: omits required input 'needed' of actions/strict",
    ]);
  });
});
