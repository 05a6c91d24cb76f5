import { ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import { awsErrorCode, createAwsClient, info, writeSummary } from '@ecs-actions/kit';
import { inFlight } from './state.js';

/**
 * Runs after the job, also when it was cancelled (post-if: always()). The main step clears the saved task once
 * it saw it stop (or was told not to wait); a task still saved here was left running by a cancel: it is
 * stopped, with a reason ECS shows, unless `stop-on-cancel` is false.
 */
export async function stopInterrupted(): Promise<void> {
  const task = inFlight();
  if (!task) return;
  const ecs = createAwsClient(ECSClient, { region: task.region });
  try {
    await ecs.send(
      new StopTaskCommand({
        cluster: task.cluster,
        task: task.taskArn,
        reason: 'Stopped by run-task: the workflow run was cancelled',
      }),
    );
  } catch (error) {
    if (awsErrorCode(error) !== 'InvalidParameterException') throw error; // already stopped and gone
  }
  const line = `Stopped ${task.taskArn}: the workflow run was cancelled while it ran.`;
  info(line);
  await writeSummary(`### ⏹️ One-off task stopped\n\n${line}\n`);
}
