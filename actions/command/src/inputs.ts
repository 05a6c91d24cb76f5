// The step's inputs, read and checked before anything is loaded or called.
import { UserError } from '@ecs-actions/kit/errors';
import type { Inputs } from '@ecs-actions/kit/inputs';
import { type Policy, parsePolicy } from './policy.js';

export const STEPS = ['start', 'apply', 'finish'] as const;
export type Step = (typeof STEPS)[number];

export const RESULTS = ['done', 'refused', 'failed'] as const;
export type Result = (typeof RESULTS)[number];

export interface CommandInputs {
  step: Step;
  githubToken: string;
  /** Reads team membership only; undefined when not given. */
  teamsToken: string | undefined;
  config: string | undefined;
  /** The environment of the file whose settings the `/preview` commands use (and the comment row's name). */
  environment: string;
  /** Who may run the `/preview` commands (this environment's `commands`). */
  previewPolicy: Policy;
  previewWorkflow: string;
  deployWorkflow: string;
  /** Inputs of the deploy workflow's dispatch, with `{environment}`, `{ref}`, `{pr}` placeholders. */
  deployInputs: Record<string, string>;
  seedCommand: boolean;
  /** finish: how the job that carried the command out ended, and what to say about it. */
  result: Result | undefined;
  detail: string | undefined;
}

/** A workflow file name as the REST API takes it (`deploy.yml`), never a path into another repository. */
const WORKFLOW_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/;

export function parseCommandInputs(inputs: Inputs): CommandInputs {
  const step = inputs.oneOf('step', STEPS, 'start');
  const workflow = (name: string, fallback: string) => {
    const value = inputs.string(name, fallback);
    if (!WORKFLOW_FILE.test(value)) {
      throw new UserError(
        `Input '${name}': '${value}' is not a workflow file name of this repository (like 'deploy.yml', no path).`,
      );
    }
    return value;
  };
  const deployInputs = inputs.keyValues('deploy-inputs');
  const template = Object.keys(deployInputs).length
    ? deployInputs
    : { environment: '{environment}', branch: '{ref}' };
  for (const [key, value] of Object.entries(template)) {
    const unknown = [...value.matchAll(/\{([^}]*)\}/g)]
      .map((m) => m[1])
      .filter((p) => !['environment', 'ref', 'pr', 'sha'].includes(p!));
    if (unknown.length > 0) {
      throw new UserError(
        `Input 'deploy-inputs': '${key}' uses {${unknown[0]}}; the placeholders are {environment}, {ref}, {pr} and {sha}.`,
      );
    }
  }
  const result = inputs.string('result');
  if (step === 'finish' && (result === undefined || !RESULTS.includes(result as Result))) {
    throw new UserError(`Input 'result' is required by step 'finish': one of ${RESULTS.join(', ')}.`);
  }
  const token = inputs.string('github-token', '');
  if (!token)
    throw new UserError("Input 'github-token' is empty: give the job's GITHUB_TOKEN (the default).");
  return {
    step,
    githubToken: token,
    teamsToken: inputs.string('teams-token') || undefined,
    config: inputs.string('config'),
    environment: inputs.string('environment', 'preview'),
    previewPolicy: parsePolicy(inputs),
    previewWorkflow: workflow('preview-workflow', 'preview.yml'),
    deployWorkflow: workflow('deploy-workflow', 'deploy.yml'),
    deployInputs: template,
    seedCommand: (inputs.string('seed-command') ?? '').trim() !== '',
    result: result as Result | undefined,
    detail: inputs.string('detail'),
  };
}
