// The edge: the inputs are read and checked with nothing heavy loaded, then the step runs (run.ts).
import { environmentLookup, loadEnvironments } from '@ecs-actions/kit/config';
import { firstOf, Inputs, stepInputs } from '@ecs-actions/kit/inputs';
import { info, maskInput, runStep } from '@ecs-actions/kit/step';
import { parseCommandInputs } from './inputs.js';

export function main(): Promise<void> {
  return runStep(async () => {
    maskInput('github-token');
    maskInput('teams-token');
    const settings = commandSettings();
    const inputs = parseCommandInputs(settings);
    info(`command: step ${inputs.step}.`);
    const { run } = await import('./run.js');
    await run(inputs, settings);
  });
}

/**
 * The step's inputs, then the environments file's settings of `environment` (default `preview`: the /preview
 * commands are about the preview environment even when the step does not name it; a file without one gives
 * its `defaults`).
 */
function commandSettings(): Inputs {
  const step = new Inputs(stepInputs());
  const file = loadEnvironments(step.string('config'));
  const named = step.string('environment');
  const environment = named ?? (file?.environments.preview ? 'preview' : undefined);
  return new Inputs(firstOf(stepInputs(), environmentLookup(file, environment)));
}
