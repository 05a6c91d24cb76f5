import { liveDeps, run, runIdentity } from '@ecs-actions/comment';
import type { PrCommentInputs } from '@ecs-actions/comment/request';
import { createOctokit, type RunContext, setOutputs, writeSummary } from '@ecs-actions/kit';
import { expectedReadOnly } from './event.js';
import { outputsOf } from './inputs.js';

/** Writes the comment, once the inputs are checked. */
export async function start(inputs: PrCommentInputs, context: RunContext): Promise<void> {
  const { eventName, payload, actor } = context;
  const deps = liveDeps(createOctokit(inputs.token), { ...context, number: inputs.prNumber });
  const output = await run(inputs, runIdentity(context, expectedReadOnly(eventName, payload, actor)), deps);
  setOutputs(outputsOf(output));
  await writeSummary(output.summary);
}
