// Wires a step to GitHub and AWS: the Octokit of the step's token, the run's context, the preview clients.
import {
  createOctokit,
  type Inputs,
  runContext,
  setOutputs,
  systemClock,
  UserError,
  writeSummary,
} from '@ecs-actions/kit';
import { createPreviewClients } from '@ecs-actions/preview';
import { runApply } from './apply.js';
import { CommandsGitHub, commentEvent } from './github.js';
import type { CommandInputs } from './inputs.js';
import { parseComment, printable } from './parse.js';
import { finishCommand } from './report.js';
import { runStart } from './start.js';

export async function run(inputs: CommandInputs, settings: Inputs): Promise<void> {
  const context = runContext();
  const event = commentEvent(context);
  const github = new CommandsGitHub(
    createOctokit(inputs.githubToken),
    context,
    inputs.teamsToken ? createOctokit(inputs.teamsToken) : undefined,
  );
  switch (inputs.step) {
    case 'start': {
      const out = await runStart(inputs, event, github, context);
      setOutputs({
        command: out.command,
        outcome: out.outcome,
        aws: out.aws,
        'pr-number': out.prNumber,
        detail: out.detail,
      });
      if (out.command) {
        await writeSummary(summaryOf(event.login, out.command, out.outcome, out.detail));
      }
      return;
    }
    case 'apply': {
      const out = await runApply(inputs, settings, event, github, {
        ...createPreviewClients(settings.string('region')),
        clock: systemClock,
      });
      setOutputs({
        outcome: out.outcome,
        detail: out.detail,
        'service-arn': out.serviceArn,
        'task-definition-arn': out.taskDefinitionArn,
      });
      return;
    }
    case 'finish': {
      const parsed = parseComment(event.body);
      if (parsed.type !== 'command') {
        throw new UserError(
          "Step 'finish' reports a command that step 'start' let through; this comment is none.",
        );
      }
      await finishCommand(
        { github, context, event, inputs },
        { text: parsed.command.text, result: inputs.result!, detail: inputs.detail ?? '' },
      );
      await writeSummary(summaryOf(event.login, parsed.command.text, inputs.result!, inputs.detail));
      return;
    }
  }
}

/** The job summary's word on a command: who asked what, and how it ended. */
function summaryOf(login: string, text: string, outcome: string, detail: string | undefined): string {
  return `### Command\n\n@${login}: \`${printable(text)}\` — ${outcome}${detail ? `: ${detail}` : ''}\n`;
}
