import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import { createAwsClient, info, savedState, writeSummary } from '@ecs-actions/kit';
import { parseInFlight, stopInFlight } from './cancel.js';
import { STATE } from './names.js';

/**
 * Runs after the job, also when it was cancelled (post-if: always()). The main step clears its in-flight
 * state once the deployment settled (finished, failed, or deliberately left at test traffic / not waited for),
 * so anything still saved here was interrupted: cancelled or timed out. It is stopped with a rollback.
 */
export async function stopInterrupted(): Promise<void> {
  const inFlight = parseInFlight(savedState(STATE.inFlight));
  if (!inFlight) return;
  const region = savedState(STATE.region) || undefined;
  const clients = {
    ecs: createAwsClient(ECSClient, { region }),
    codedeploy: createAwsClient(CodeDeployClient, { region }),
  };
  const line = await stopInFlight(inFlight, clients);
  info(line);
  await writeSummary(`### ⏹️ Deploy interrupted\n\n${line}\n`);
}
