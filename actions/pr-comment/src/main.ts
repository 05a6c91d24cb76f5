// The edge: the only file that reads the environment and the step's inputs. It checks them with nothing
// heavy loaded and says what it is about to do; Octokit is loaded after that (start.ts).
import { eventPullRequest, runContext } from '@ecs-actions/kit/context';
import { Inputs, stepInputs } from '@ecs-actions/kit/inputs';
import { info, runStep } from '@ecs-actions/kit/step';
import { parseInputs } from './inputs.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const context = runContext();
    const { eventName, prHeadSha } = context;
    const inputs = parseInputs(new Inputs(stepInputs()), {
      eventName,
      prNumber: eventPullRequest(context),
      headSha: prHeadSha,
    });
    info(`pr-comment: comment '${inputs.key}' on #${inputs.prNumber} (${inputs.mode}).`);
    const { start } = await import('./start.js');
    await start(inputs, context);
  });
}
