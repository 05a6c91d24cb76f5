import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import { actionInputs, cancelSignal, createAwsClient, runStep, stepDeps, stepIo } from '@ecs-actions/kit';
import { saveInFlight } from './cancel.js';
import { parseInputs, writePlan } from './inputs.js';
import { run } from './run.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const inputs = actionInputs();
    const parsed = parseInputs(inputs);
    if (parsed.mode === 'plan') return writePlan(inputs);
    await run(parsed, {
      ...stepDeps(),
      ...stepIo(),
      ecs: createAwsClient(ECSClient, { region: parsed.region }),
      codedeploy: createAwsClient(CodeDeployClient, { region: parsed.region }),
      saveInFlight: (inFlight) => saveInFlight(inFlight, parsed.region),
      signal: cancelSignal('Cancelled: stopped waiting; the post step stops the deployment.'),
    });
  });
}
