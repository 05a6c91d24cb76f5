// How a command ends, for everyone to see: a reaction on the comment (🚀 done, 👎 refused or failed), a reply
// when it did not run, and a line in the PR's sticky comment (who asked what, the outcome, the run).
import { type Report, reportRow, runIdentity } from '@ecs-actions/comment';
import { errorMessage, info, type RunContext, warning } from '@ecs-actions/kit';
import type { CommandsGitHub, CommentEvent } from './github.js';
import type { CommandInputs, Result } from './inputs.js';
import { printable } from './parse.js';

export interface Finish {
  github: CommandsGitHub;
  context: RunContext;
  event: CommentEvent;
  inputs: CommandInputs;
}

export interface Ending {
  text: string;
  result: Result;
  detail: string;
  /** A new word for the environment's row too (a wake, an extension). */
  row?: Report;
}

export async function finishCommand(finish: Finish, ending: Ending): Promise<void> {
  const { github, event, context } = finish;
  const { text, result, detail } = ending;
  info(`${text}: ${result}${detail ? ` (${detail})` : ''}`);
  await github.react(event.commentId, result === 'done' ? 'rocket' : '-1');
  if (result !== 'done') {
    const run = context.runUrl ? ` ([run](${context.runUrl}))` : '';
    const what = result === 'refused' ? 'was not run, and nothing was changed' : 'failed';
    await github.reply(event.issueNumber, `@${event.login} \`${printable(text)}\` ${what}: ${detail}${run}`);
  }
  // A refusal changes nothing, the sticky comment included; and an issue has none.
  if (result === 'refused' || !event.isPull) return;
  try {
    await reportRow(
      github.octokit,
      { owner: context.owner, repo: context.repo, pr: event.issueNumber, ...runIdentity(context) },
      ending.row,
      { command: { by: event.login, text, outcome: result, ...(detail ? { detail } : {}) } },
    );
  } catch (error) {
    warning(`The sticky comment's command line was not written: ${errorMessage(error)}`);
  }
}
