import { createOctokit, setOutputs, stepDeps, writeSummary } from '@ecs-actions/kit';
import { createPreviewClients } from '@ecs-actions/preview';
import type { CreateInputs } from './inputs.js';
import { runCreate } from './run.js';
import { createOutputs, createSummary } from './summary.js';

/** Creates or updates the preview, once the inputs are checked. */
export async function start(inputs: CreateInputs): Promise<void> {
  const result = await runCreate(inputs, {
    ...stepDeps(),
    ...createPreviewClients(inputs.region),
    octokit: inputs.githubToken ? createOctokit(inputs.githubToken) : undefined,
  });
  setOutputs(createOutputs(result));
  await writeSummary(createSummary(result));
}
