import { createOctokit, setOutputs, stepDeps, writeSummary } from '@ecs-actions/kit';
import { createPreviewClients } from '@ecs-actions/preview';
import { priceListReader } from '@ecs-actions/preview/price-list';
import { BudgetRefusal } from './budget.js';
import type { CreateInputs } from './inputs.js';
import { runCreate } from './run.js';
import { createOutputs, createSummary } from './summary.js';

/** Creates or updates the preview, once the inputs are checked. */
export async function start(inputs: CreateInputs): Promise<void> {
  const result = await runCreate(inputs, {
    ...stepDeps(),
    ...createPreviewClients(inputs.region),
    octokit: inputs.githubToken ? createOctokit(inputs.githubToken) : undefined,
    readRates: priceListReader(),
  }).catch((error: unknown) => {
    // The workflow puts a budget refusal in the PR's comment row.
    if (error instanceof BudgetRefusal) setOutputs({ refused: error.message });
    throw error;
  });
  setOutputs(createOutputs(result));
  await writeSummary(createSummary(result));
}
