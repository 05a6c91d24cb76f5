import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { ConfigError } from './config.js';
import { errorMessage, UserError } from './errors.js';
import { mapStack } from './stack.js';

/** GitHub's limit for one step's summary. */
export const SUMMARY_LIMIT = 1024 * 1024;

/**
 * The single place where a step fails. A UserError's message is the failure as it is (with file
 * annotations for a bad environments file); anything else is reported as a bug with its stack in the
 * debug log.
 */
export async function runStep(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    fail(error);
  }
}

/** A post step never fails the job: problems become warnings. */
export async function runPostStep(post: () => Promise<void>): Promise<void> {
  try {
    await post();
  } catch (error) {
    core.warning(`Post step: ${errorMessage(error)}`);
    if (error instanceof Error && error.stack) core.debug(mapStack(error.stack));
  }
}

function fail(error: unknown): void {
  if (error instanceof ConfigError) {
    for (const p of error.problems) {
      core.error(p.message, {
        file: p.file,
        startLine: p.line,
        startColumn: p.column,
        title: 'Environments file',
      });
    }
  }
  if (error instanceof UserError) {
    core.setFailed(error.message);
    return;
  }
  if (error instanceof Error && error.stack) core.debug(mapStack(error.stack));
  core.setFailed(
    `Unexpected error (a bug in ecs-actions; please report it with the debug log): ${errorMessage(error)}`,
  );
}

/** Sets outputs from one object; booleans and numbers as text, objects and arrays as JSON. */
export function setOutputs(outputs: Record<string, string | number | boolean | object | undefined>): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}

/** Masks a secret input's value (and each of its lines) in everything the runner prints from now on. */
export function maskInput(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]?.trim();
  if (!value) return;
  core.setSecret(value);
  for (const line of value.split(/\r?\n/)) if (line.trim()) core.setSecret(line.trim());
}

/** A line in the step's log. */
export function info(line: string): void {
  core.info(line);
}

/** A warning annotation on the run. */
export function warning(message: string): void {
  core.warning(message);
}

/** Runs `fn` inside a collapsible log group. */
export function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return core.group(name, fn);
}

/** A markdown table cell: pipes and newlines would break the table. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** A markdown table from a header row and data rows. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

/**
 * Appends markdown to the job summary, cut to GitHub's 1 MiB limit with a note when it is too long.
 * Does nothing outside a runner (no GITHUB_STEP_SUMMARY).
 */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  let text = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
  if (Buffer.byteLength(text) > SUMMARY_LIMIT) {
    const note = "\n\n… (summary cut at GitHub's 1 MiB limit; the full detail is in the log)\n";
    text =
      Buffer.from(text)
        .subarray(0, SUMMARY_LIMIT - Buffer.byteLength(note) - 4)
        .toString('utf8')
        .replace(/\uFFFD*$/, '') + note;
  }
  await core.summary.addRaw(text).write();
}

/** Saves a value for the post step (read there with `savedState`). */
export function saveState(name: string, value: string): void {
  core.saveState(name, value);
}

/** A value saved by the main step, or '' when it saved none. */
export function savedState(name: string): string {
  return core.getState(name);
}

/** An informational annotation, shown on the run's summary page. */
export function notice(message: string): void {
  core.notice(message);
}

/** A line shown only when the run has debug logging on. */
export function debug(message: string): void {
  core.debug(message);
}

/** The step's files and reports, for run()s that read workspace files and write the summary themselves. */
export function stepIo() {
  return {
    readFile: (path: string) => readFileSync(path, 'utf8'),
    summary: writeSummary,
    setOutputs: (outputs: object) => setOutputs({ ...outputs }),
    env: process.env,
  };
}

/**
 * Aborted when the job is cancelled: the runner sends SIGINT (then SIGTERM 7.5 s later), and the step should
 * stop waiting, report what it has, and leave the clean-up to its post step. `message` is logged then.
 */
export function cancelSignal(message: string): AbortSignal {
  const cancelled = new AbortController();
  process.once('SIGINT', () => {
    info(message);
    cancelled.abort();
  });
  return cancelled.signal;
}
