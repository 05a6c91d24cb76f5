import { actionInputs, createOctokit, runStep, setOutputs, stepDeps, writeSummary } from '@ecs-actions/kit';
import { createPreviewClients } from '@ecs-actions/preview';
import { parseDestroyInputs } from './inputs.js';
import { assertAllRemoved, runDestroy } from './run.js';
import { destroySummary } from './summary.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const inputs = parseDestroyInputs(actionInputs());
    const result = await runDestroy(inputs, {
      ...stepDeps(),
      ...createPreviewClients(inputs.region),
      octokit: inputs.githubToken ? createOctokit(inputs.githubToken) : undefined,
    });
    setOutputs({ destroyed: result.removed.length > 0, resources: result.removed });
    await writeSummary(destroySummary(result));
    assertAllRemoved(result);
  });
}
