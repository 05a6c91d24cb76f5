// step: start — reads the comment, says it was seen (👀), checks who asked, and carries out what needs GitHub
// only (/preview redeploy, /deploy). What needs AWS (destroy, extend, seed, wake) it hands to the next job
// through its outputs; that job's `finish` step reports it.
import {
  environmentLookup,
  errorMessage,
  firstOf,
  httpStatusOf,
  Inputs,
  info,
  loadEnvironments,
  type RunContext,
  stepInputs,
  UserError,
  warning,
} from '@ecs-actions/kit';
import picomatch from 'picomatch';
import type { CommandsGitHub, CommentEvent } from './github.js';
import type { CommandInputs } from './inputs.js';
import { type Command, commandName, type Parsed, parseComment, printable } from './parse.js';
import { authorize, DEFAULT_GRANTS, type Policy, parsePolicy } from './policy.js';
import { type Finish, finishCommand } from './report.js';

export interface StartOutputs {
  /** The command as typed; empty when the comment was not one of ours. */
  command: string;
  /** ignored, refused, done, failed, or pending (the AWS job carries it out). */
  outcome: 'ignored' | 'refused' | 'done' | 'failed' | 'pending';
  /** destroy, extend, seed or wake when the AWS job must run; else empty. */
  aws: string;
  prNumber: number | undefined;
  detail: string;
}

export async function runStart(
  inputs: CommandInputs,
  event: CommentEvent,
  github: CommandsGitHub,
  context: RunContext,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StartOutputs> {
  const ignored = (why: string): StartOutputs => {
    info(`Not a command to carry out: ${why}.`);
    return { command: '', outcome: 'ignored', aws: '', prNumber: undefined, detail: why };
  };
  if (event.action !== 'created')
    return ignored(`the comment was ${event.action || 'not created'} (only new comments count)`);
  if (event.userType === 'Bot') return ignored(`the comment is by a bot (@${event.login})`);
  const parsed: Parsed = parseComment(event.body);
  if (parsed.type === 'none') return ignored('the comment does not start with /preview or /deploy');

  await github.react(event.commentId, 'eyes');
  const finish: Finish = { github, context, event, inputs };
  const refuse = async (text: string, reason: string): Promise<StartOutputs> => {
    await finishCommand(finish, { text, result: 'refused', detail: reason });
    return {
      command: text,
      outcome: 'refused',
      aws: '',
      prNumber: event.isPull ? event.issueNumber : undefined,
      detail: reason,
    };
  };
  if (parsed.type === 'invalid') return refuse(parsed.text, parsed.reason);
  const command = parsed.command;
  info(`@${event.login} asks: ${command.text}`);
  if (!event.isPull) {
    return refuse(
      command.text,
      `#${event.issueNumber} is an issue, not a pull request: these commands work on pull requests only.`,
    );
  }

  // Who may: the settings of the environment the command is about (read once; /deploy also takes its refs).
  let policy: Policy;
  let refs: string[] = [];
  try {
    if (command.kind === 'deploy') ({ policy, refs } = deploySettings(inputs, command.environment, env));
    else policy = inputs.previewPolicy;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return refuse(command.text, error.message);
  }
  const grants = policy[commandName(command)] ?? DEFAULT_GRANTS;
  let decision: Awaited<ReturnType<typeof authorize>>;
  try {
    decision = await authorize(grants, event.login, github);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    warning(error.message);
    return refuse(command.text, `who may run it could not be checked, so it does not run: ${error.message}`);
  }
  if (!decision.allowed)
    return refuse(command.text, `@${event.login} may not run this: ${decision.because}.`);
  info(`Allowed: ${decision.because}.`);

  const pr = await github.pull(event.issueNumber);
  const done = async (detail: string): Promise<StartOutputs> => {
    await finishCommand(finish, { text: command.text, result: 'done', detail });
    return { command: command.text, outcome: 'done', aws: '', prNumber: event.issueNumber, detail };
  };
  try {
    if (command.kind === 'deploy') {
      if (pr.fork && command.ref === undefined) {
        return refuse(
          command.text,
          'the branch of this pull request lives in a fork: commands never deploy code from forks.',
        );
      }
      const ref = command.ref ?? pr.headRef;
      if (
        command.ref !== undefined &&
        command.ref !== pr.headRef &&
        !refs.some((p) => picomatch(p)(command.ref!))
      ) {
        return refuse(
          command.text,
          refs.length
            ? `\`${printable(command.ref)}\` is not a ref '${command.environment}' takes from a comment (deploy-refs: ${refs.join(', ')}).`
            : `'${command.environment}' takes only this pull request's branch from a comment (it sets no deploy-refs).`,
        );
      }
      const values: Record<string, string> = {};
      for (const [key, template] of Object.entries(inputs.deployInputs)) {
        values[key] = template.replace(/\{(environment|ref|pr|sha)\}/g, (_, p: string) =>
          p === 'environment'
            ? command.environment
            : p === 'ref'
              ? ref
              : p === 'pr'
                ? String(event.issueNumber)
                : pr.headSha,
        );
      }
      // The deploy workflow of the default branch, never the PR's copy of it: a comment cannot choose what runs.
      await github.dispatch(inputs.deployWorkflow, event.defaultBranch, values);
      const runs = `${context.serverUrl}/${context.repository}/actions/workflows/${inputs.deployWorkflow}`;
      return done(`${inputs.deployWorkflow} dispatched: ${ref} to ${command.environment} (${runs})`);
    }
    switch (command.verb) {
      case 'redeploy': {
        if (pr.fork) return refuse(command.text, 'previews are not made for pull requests from forks.');
        if (pr.state !== 'open') return refuse(command.text, 'the pull request is closed.');
        const run = await github.latestRun(inputs.previewWorkflow, pr.headSha);
        if (!run) {
          return refuse(
            command.text,
            `no ${inputs.previewWorkflow} run of ${pr.headSha.slice(0, 7)} to re-run: push a commit to start one.`,
          );
        }
        if (run.status !== 'completed') {
          return refuse(
            command.text,
            `the ${inputs.previewWorkflow} run of ${pr.headSha.slice(0, 7)} is still ${run.status.replace('_', ' ')}: ${run.url}`,
          );
        }
        await github.rerun(run.id);
        return done(`re-running ${run.url}`);
      }
      case 'seed':
        if (!inputs.seedCommand)
          return refuse(command.text, "no seed command is set (the commands workflow's `seed-command`).");
        return pending(command, event);
      default:
        return pending(command, event);
    }
  } catch (error) {
    const status = httpStatusOf(error);
    const detail =
      status === 404
        ? `not found: check that ${command.kind === 'deploy' ? inputs.deployWorkflow : inputs.previewWorkflow} is a workflow of this repository (${errorMessage(error)})`
        : status === 403
          ? `GitHub refused it (${errorMessage(error)}): the job needs 'actions: write'`
          : errorMessage(error);
    await finishCommand(finish, { text: command.text, result: 'failed', detail });
    throw new UserError(`${command.text}: ${detail}`);
  }
}

function pending(command: Command, event: CommentEvent): StartOutputs {
  const verb = command.kind === 'preview' ? command.verb : '';
  info(`Carried out by the AWS job: ${verb}.`);
  return { command: command.text, outcome: 'pending', aws: verb, prNumber: event.issueNumber, detail: '' };
}

/** The deploy target's settings: who may deploy there from a comment, and which other refs it takes. */
function deploySettings(
  inputs: CommandInputs,
  environment: string,
  env: NodeJS.ProcessEnv,
): { policy: Policy; refs: string[] } {
  const file = loadEnvironments(inputs.config);
  if (!file) {
    throw new UserError(`there is no environments file, so no environment '${environment}' to deploy to.`);
  }
  let lookup: ReturnType<typeof environmentLookup>;
  try {
    lookup = environmentLookup(file, environment);
  } catch {
    const known = Object.keys(file.environments);
    throw new UserError(
      `'${environment}' is not an environment of ${file.path} (known: ${known.join(', ') || 'none'}).`,
    );
  }
  const settings = new Inputs(firstOf(stepInputs(env), lookup));
  return { policy: parsePolicy(settings), refs: settings.list('deploy-refs') };
}
