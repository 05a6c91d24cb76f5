import { createOctokit, setOutputs, stepDeps, writeSummary } from '@ecs-actions/kit';
import { createPreviewClients } from '@ecs-actions/preview';
import type { DestroyInputs } from './inputs.js';
import { assertAllRemoved, runDestroy } from './run.js';
import { destroySummary } from './summary.js';

/** Removes the preview, once the inputs are checked. */
export async function start(inputs: DestroyInputs): Promise<void> {
  const result = await runDestroy(inputs, {
    ...stepDeps(),
    ...createPreviewClients(inputs.region),
    octokit: inputs.githubToken ? createOctokit(inputs.githubToken) : undefined,
  });
  setOutputs({ destroyed: result.removed.length > 0, resources: result.removed });
  await writeSummary(destroySummary(result));
  assertAllRemoved(result);
}
