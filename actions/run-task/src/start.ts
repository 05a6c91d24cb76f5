import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import {
  cancelSignal,
  createAwsClient,
  setOutputs,
  stepDeps,
  UserError,
  writeSummary,
} from '@ecs-actions/kit';
import type { RunTaskInputs } from './inputs.js';
import { runTask } from './run.js';
import { saveInFlight } from './state.js';
import { runTaskOutputs, runTaskSummary } from './summary.js';

/** Runs the task, once the inputs are checked. */
export async function start(inputs: RunTaskInputs): Promise<void> {
  const ecs = createAwsClient(ECSClient, { region: inputs.region });
  const result = await runTask(inputs, {
    ...stepDeps(),
    ecs,
    logs: (region) => createAwsClient(CloudWatchLogsClient, { region }),
    region: await ecs.config.region(),
    saveInFlight: (inFlight) => saveInFlight(inFlight, inputs.stopOnCancel),
    signal: cancelSignal('Cancelled: stopped following the task; the post step stops it.'),
  });
  setOutputs(runTaskOutputs(result));
  await writeSummary(runTaskSummary(result));
  if (result.failure) throw new UserError(result.failure);
}
