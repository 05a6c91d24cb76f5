import { actionInputs, createOctokit, runStep, setOutputs, stepDeps, writeSummary } from '@ecs-actions/kit';
import { createPreviewClients } from '@ecs-actions/preview';
import { parseCreateInputs } from './inputs.js';
import { runCreate } from './run.js';
import { createOutputs, createSummary } from './summary.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const inputs = parseCreateInputs(actionInputs());
    const result = await runCreate(inputs, {
      ...stepDeps(),
      ...createPreviewClients(inputs.region),
      octokit: inputs.githubToken ? createOctokit(inputs.githubToken) : undefined,
    });
    setOutputs(createOutputs(result));
    await writeSummary(createSummary(result));
  });
}
