import { type Clock, eventPullRequest, type Octokit, type RunContext, UserError } from '@ecs-actions/kit';
import {
  deactivateDeployments,
  type FoundPreview,
  findPreview,
  type PreviewClients,
  type TeardownResult,
  teardownPreview,
} from '@ecs-actions/preview';
import type { DestroyInputs } from './inputs.js';

export interface DestroyDeps extends PreviewClients {
  octokit: Octokit | undefined;
  context: RunContext;
  clock: Clock;
  log: (line: string) => void;
  warn: (line: string) => void;
}

export interface DestroyResult extends TeardownResult {
  pr: number;
  found: FoundPreview;
  deactivatedDeployments: number;
}

/** Removes every resource of the PR's preview that carries our tags; missing pieces are fine. */
export async function runDestroy(inputs: DestroyInputs, deps: DestroyDeps): Promise<DestroyResult> {
  const pr = inputs.prNumber ?? eventPullRequest(deps.context);
  if (pr === undefined) {
    throw new UserError(
      `Input 'pr-number' is required: this ${deps.context.eventName || 'run'} event has no pull request.`,
    );
  }
  const found = await findPreview(deps, {
    cluster: inputs.cluster,
    repository: deps.context.repository,
    prefix: inputs.namePrefix ?? deps.context.repo,
    pr,
    ...(inputs.listenerArns.length ? { listenerArns: inputs.listenerArns } : {}),
  });
  for (const foreign of found.foreign)
    deps.warn(`Left alone: ${foreign} has this PR's name but not its ecs-actions tags.`);
  const result = await teardownPreview(deps, found, {
    cluster: inputs.cluster,
    deregisterTaskDefinitions: inputs.deregisterTaskDefinitions,
    clock: deps.clock,
    log: deps.log,
  });
  let deactivatedDeployments = 0;
  if (inputs.githubDeployments && deps.octokit) {
    deactivatedDeployments = await deactivateDeployments({
      octokit: deps.octokit,
      context: deps.context,
      environment: inputs.deploymentEnvironment,
      task: found.names.deploymentTask,
      warn: deps.warn,
    });
  }
  return { ...result, pr, found, deactivatedDeployments };
}
