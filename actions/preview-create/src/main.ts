// The edge: the inputs are read and checked with nothing heavy loaded, the step says what it is about to
// do, and only then are the AWS SDK and GitHub clients loaded (start.ts), so the first line appears and a
// wrong input fails in a few milliseconds.
import { actionInputs } from '@ecs-actions/kit/config';
import { info, maskInput, runStep } from '@ecs-actions/kit/step';
import { CLIENT_SECRET_INPUT } from '@ecs-actions/preview/auth-settings';
import { parseCreateInputs } from './inputs.js';

export function main(): Promise<void> {
  return runStep(async () => {
    // Masked before anything reads it, so no later line, error or summary can show it.
    maskInput(CLIENT_SECRET_INPUT);
    const inputs = parseCreateInputs(actionInputs());
    info(`preview-create: a preview in cluster ${inputs.cluster}.`);
    const { start } = await import('./start.js');
    await start(inputs);
  });
}
