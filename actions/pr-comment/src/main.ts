// The edge: the only file that reads the environment and the step's inputs and writes outputs.

import { githubCommentsApi, run, stepLog } from '@ecs-actions/comment';
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
import { OUTPUT, parseInputs } from './inputs.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const context = runContext();
    const inputs = parseInputs(new Inputs(stepInputs()), {
      eventName: context.eventName,
      prNumber: eventPullRequest(context),
      headSha: context.prHeadSha,
    });
    const readOnlyReason = expectedReadOnly(context.eventName, context.payload, context.actor);
    const output = await run(
      inputs,
      {
        runId: context.runId,
        runAttempt: context.runAttempt,
        ...(context.runUrl ? { runUrl: context.runUrl } : {}),
        links: { serverUrl: context.serverUrl, repository: context.repository },
        ...(readOnlyReason ? { readOnlyReason } : {}),
      },
      {
        api: githubCommentsApi(createOctokit(inputs.token), {
          owner: context.owner,
          repo: context.repo,
          number: inputs.prNumber,
        }),
        now: () => new Date(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        random: Math.random,
        log: stepLog,
      },
    );
    setOutputs({
      [OUTPUT.commentId]: output.commentId,
      [OUTPUT.commentUrl]: output.commentUrl,
      [OUTPUT.result]: output.result,
    });
    await writeSummary(output.summary);
  });
}
