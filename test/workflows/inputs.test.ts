import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCreateInputs } from '../../actions/preview-create/src/inputs.js';
import { parseDestroyInputs } from '../../actions/preview-destroy/src/inputs.js';
import { parseSweepInputs } from '../../actions/preview-sweep/src/inputs.js';
import { actionInputs } from '../../packages/kit/src/config.js';
import { repoRoot } from '../harness/runner.js';
import { allWorkflows, localAction, localWorkflow, type Step, workflowCall } from './model.js';

// A dry run of what a user gets from copying the examples: the caller's `with:`, the reusable workflow's
// defaults, the step's `with:` and the example environments file, put together the way the runner and the kit
// do (INPUT_* variables, then the file's environment), then parsed by each action's own input parser, which
// fails on any missing or invalid setting before it would call AWS.
const files = new Map(allWorkflows().map((w) => [w.path, w.workflow]));
const IMAGE =
  '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-web:0123456789abcdef0123456789abcdef01234567';

function stepEnvironment(
  example: string,
  reusable: string,
  jobId: string,
  action: string,
): NodeJS.ProcessEnv {
  const caller = Object.values(files.get(example)?.jobs ?? {}).find(
    (j) => j.uses && localWorkflow(j.uses) === reusable.split('/').pop(),
  );
  const callee = files.get(reusable)!;
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(workflowCall(callee)?.inputs ?? {}))
    if (spec?.default !== undefined) values[name] = String(spec.default);
  // The caller's literal values; an expression there (dry-run from workflow_dispatch) leaves the default.
  for (const [name, value] of Object.entries(caller?.with ?? {}))
    if (!String(value).includes('${{')) values[name] = String(value);

  const step = (callee.jobs[jobId]?.steps ?? []).find(
    (s: Step) => s.uses !== undefined && localAction(s.uses) === action,
  );
  expect(step, `${reusable}: job ${jobId} runs ${action}`).toBeDefined();
  const env: NodeJS.ProcessEnv = {};
  for (const [name, raw] of Object.entries(step?.with ?? {})) {
    const value = String(raw).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
      if (expr === 'needs.build.outputs.image') return IMAGE;
      // The examples pass no secret (their login, if any, is commented out): it reads as empty.
      if (/^secrets\.[\w-]+$/.test(expr)) return '';
      const input = /^inputs\.([\w-]+)$/.exec(expr)?.[1];
      if (input === undefined || !(input in values)) throw new Error(`${reusable}: cannot resolve ${expr}`);
      return values[input]!;
    });
    env[`INPUT_${name.toUpperCase()}`] = value;
  }
  // The user copies examples/ecs-environments.yml to the default path the workflows pass.
  expect(env.INPUT_CONFIG).toBe('.github/ecs-environments.yml');
  env.INPUT_CONFIG = join(repoRoot, 'examples/ecs-environments.yml');
  return env;
}

describe('the examples, put together, give each action valid inputs', () => {
  it('preview-create in the preview workflow', () => {
    const env = stepEnvironment(
      'examples/workflows/preview.yml',
      '.github/workflows/preview.yml',
      'deploy',
      'preview-create',
    );
    const inputs = parseCreateInputs(actionInputs(env));
    expect(inputs).toMatchObject({
      cluster: 'previews',
      hostTemplate: 'pr-{pr}.preview.example.com',
      image: IMAGE,
      taskDefinition: { kind: 'registered', ref: 'web-preview' },
      containerName: 'web',
      subnets: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829'],
      securityGroups: ['sg-0c3d4e5f607182930'],
      assignPublicIp: true,
      desiredCount: 1,
    });
    expect(inputs.listenerArns).toHaveLength(1);
  });

  it('preview-destroy in the cleanup workflow', () => {
    const env = stepEnvironment(
      'examples/workflows/preview-cleanup.yml',
      '.github/workflows/preview-cleanup.yml',
      'destroy',
      'preview-destroy',
    );
    expect(parseDestroyInputs(actionInputs(env))).toMatchObject({ cluster: 'previews' });
  });

  it('preview-sweep in the cleanup workflow', () => {
    const env = stepEnvironment(
      'examples/workflows/preview-cleanup.yml',
      '.github/workflows/preview-cleanup.yml',
      'sweep',
      'preview-sweep',
    );
    expect(parseSweepInputs(actionInputs(env))).toMatchObject({
      cluster: 'previews',
      dryRun: false,
      maxDeletions: 100,
    });
  });
});
