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
import { eventHeadSha, expectedReadOnly } from './event.js';
import { OUTPUT, parseInputs } from './inputs.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const context = runContext();
    const inputs = parseInputs(new Inputs(stepInputs()), {
      eventName: context.eventName,
      prNumber: eventPullRequest(context),
      headSha: eventHeadSha(context.payload),
    });
    const env = process.env;
    const runId = count(env.GITHUB_RUN_ID);
    const runAttempt = count(env.GITHUB_RUN_ATTEMPT);
    const readOnlyReason = expectedReadOnly(context.eventName, context.payload, env.GITHUB_ACTOR);
    const octokit = createOctokit(inputs.token);
    const output = await run(
      inputs,
      {
        runId,
        runAttempt,
        ...(context.runUrl
          ? { runUrl: runAttempt > 1 ? `${context.runUrl}/attempts/${runAttempt}` : context.runUrl }
          : {}),
        links: { serverUrl: env.GITHUB_SERVER_URL || 'https://github.com', repository: context.repository },
        ...(readOnlyReason ? { readOnlyReason } : {}),
      },
      {
        api: githubCommentsApi(octokit, {
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

function count(text: string | undefined): number {
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}
