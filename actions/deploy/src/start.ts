import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import { cancelSignal, createAwsClient, stepDeps, stepIo } from '@ecs-actions/kit';
import { saveInFlight } from './cancel.js';
import type { DeployInputs } from './inputs.js';
import { run } from './run.js';

/** The deploy, once the inputs are checked. */
export async function start(parsed: DeployInputs): Promise<void> {
  await run(parsed, {
    ...stepDeps(),
    ...stepIo(),
    ecs: createAwsClient(ECSClient, { region: parsed.region }),
    codedeploy: createAwsClient(CodeDeployClient, { region: parsed.region }),
    ...(parsed.alarms.length
      ? { cloudwatch: createAwsClient(CloudWatchClient, { region: parsed.region }) }
      : {}),
    saveInFlight: (inFlight) => saveInFlight(inFlight, parsed.region),
    signal: cancelSignal('Cancelled: stopped waiting; the post step stops the deployment.'),
  });
}
