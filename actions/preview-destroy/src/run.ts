import {
  keyLabel,
  type Octokit,
  type PreviewKey,
  previewKeyOf,
  type StepDeps,
  UserError,
} from '@ecs-actions/kit';
import {
  deactivateDeployments,
  type FoundPreview,
  findPreview,
  type PreviewClients,
  type TeardownResult,
  teardownPreview,
} from '@ecs-actions/preview';
import type { DestroyInputs } from './inputs.js';

export interface DestroyDeps extends PreviewClients, StepDeps {
  octokit: Octokit | undefined;
}

export interface DestroyResult extends TeardownResult {
  key: PreviewKey;
  found: FoundPreview;
  deactivatedDeployments: number;
}

/**
 * Removes every resource of the preview (the PR's, or the branch's: `branch` input or a `delete` event) that
 * carries our tags; missing pieces are fine.
 */
export async function runDestroy(inputs: DestroyInputs, deps: DestroyDeps): Promise<DestroyResult> {
  const key = previewKeyOf(inputs, deps.context, 'use');
  const found = await findPreview(deps, {
    cluster: inputs.cluster,
    repository: deps.context.repository,
    prefix: inputs.namePrefix ?? deps.context.repo,
    key,
    ...(inputs.listenerArns.length ? { listenerArns: inputs.listenerArns } : {}),
  });
  for (const foreign of found.foreign)
    deps.warn(
      `Left alone: ${foreign} has the name of the preview of ${keyLabel(key)} but not its ecs-actions tags.`,
    );
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
  return { ...result, key, found, deactivatedDeployments };
}

/** Fails the step when some resources could not be removed (called after the outputs and summary). */
export function assertAllRemoved(result: DestroyResult): void {
  if (result.failed.length === 0) return;
  throw new UserError(
    `Some resources of the preview of ${keyLabel(result.key)} could not be removed (they keep their tags, so a re-run or preview-sweep finds them):\n${result.failed.map((f) => `  - ${f.kind} ${f.id}: ${f.error}`).join('\n')}`,
  );
}
