// The edge: inputs checked with nothing heavy loaded, then the gate (gate.ts).
import { actionInputs } from '@ecs-actions/kit/config';
import { formatDuration } from '@ecs-actions/kit/duration';
import { info, maskInput, runStep, warning } from '@ecs-actions/kit/step';
import { parseApprovalInputs } from './inputs.js';

/** GitHub-hosted runners end a job after 6 hours. */
const HOSTED_JOB_LIMIT_MS = 6 * 3600_000;

export function main(): Promise<void> {
  return runStep(async () => {
    maskInput('github-token');
    maskInput('teams-token');
    const inputs = parseApprovalInputs(actionInputs());
    info(`approval: waiting for approval of '${inputs.wave}'.`);
    // A job on a GitHub-hosted runner ends after 6 hours whatever it waits for (the gate then fails closed).
    if (process.env.RUNNER_ENVIRONMENT === 'github-hosted' && inputs.timeoutMs > HOSTED_JOB_LIMIT_MS) {
      warning(
        `'approval-timeout' is ${formatDuration(inputs.timeoutMs)}, but a job on a GitHub-hosted runner runs at most 6h: GitHub stops the gate then, and the wave does not deploy.`,
      );
    }
    const { start } = await import('./start.js');
    await start(inputs);
  });
}
