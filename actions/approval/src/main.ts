// The edge: inputs checked with nothing heavy loaded, then the gate (gate.ts).
import { actionInputs } from '@ecs-actions/kit/config';
import { info, maskInput, runStep } from '@ecs-actions/kit/step';
import { parseApprovalInputs } from './inputs.js';

export function main(): Promise<void> {
  return runStep(async () => {
    maskInput('github-token');
    maskInput('teams-token');
    const inputs = parseApprovalInputs(actionInputs());
    info(`approval: waiting for approval of '${inputs.wave}'.`);
    const { start } = await import('./start.js');
    await start(inputs);
  });
}
