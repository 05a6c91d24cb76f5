// The edge: the inputs are read and checked with nothing heavy loaded, the step says what it is about to
// do, and only then are the AWS SDK and GitHub clients loaded (start.ts), so the first line appears and a
// wrong input fails in a few milliseconds.
import { actionInputs } from '@ecs-actions/kit/config';
import { info, runStep } from '@ecs-actions/kit/step';
import { parseInputs } from './inputs.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const inputs = actionInputs();
    const parsed = parseInputs(inputs);
    if (parsed.mode === 'plan' || parsed.mode === 'report') {
      const { writePlan, writeReport } = await import('./plan-step.js');
      return parsed.mode === 'plan' ? writePlan(inputs, parsed) : writeReport(inputs, parsed);
    }
    info(
      parsed.deploymentId
        ? `deploy: ${parsed.mode} CodeDeploy deployment ${parsed.deploymentId}.`
        : `deploy: service ${parsed.service} in cluster ${parsed.cluster} (${parsed.mode}).`,
    );
    const { start } = await import('./start.js');
    await start(parsed);
  });
}
