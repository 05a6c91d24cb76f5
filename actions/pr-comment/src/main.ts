// The edge: the only file that reads the environment and the step's inputs and writes outputs.
import { liveDeps, run, runIdentity } from '@ecs-actions/comment';
import {
  createOctokit,
  eventPullRequest,
  Inputs,
  runContext,
  runStep,
  setOutputs,
  stepInputs,
  writeSummary,
} from '@ecs-actions/kit';
import { expectedReadOnly } from './event.js';
import { outputsOf, parseInputs } from './inputs.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const context = runContext();
    const { eventName, payload, actor, prHeadSha } = context;
    const inputs = parseInputs(new Inputs(stepInputs()), {
      eventName,
      prNumber: eventPullRequest(context),
      headSha: prHeadSha,
    });
    const deps = liveDeps(createOctokit(inputs.token), { ...context, number: inputs.prNumber });
    const output = await run(inputs, runIdentity(context, expectedReadOnly(eventName, payload, actor)), deps);
    setOutputs(outputsOf(output));
    await writeSummary(output.summary);
  });
}
