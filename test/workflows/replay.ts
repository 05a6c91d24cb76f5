import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { parse } from 'yaml';
import { parseFileCommand, repoRoot, runAction, type StepResult } from '../harness/runner.js';
import { localAction, type Step, type Workflow } from './model.js';

// Replays a workflow's jobs the way the runner would, close enough to prove the wiring between its steps: job
// and step conditions, `${{ }}` expressions (evaluated by GitHub's own engine, @actions/expressions, with the
// run's status functions), this repository's actions run from their built bundles, and `run:` scripts run by bash with their
// `env:`. Third-party actions are not run: checkout is stood in for by the prepared workspace and
// configure-aws-credentials by the AWS variables of the test world; a job that cannot run here (the image
// build) is given as a stub with its outputs.

export type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value };

/**
 * Evaluates a GitHub expression (without `${{ }}`) over a context, with the status of the job so far, using
 * GitHub's own expression engine (`@actions/expressions`, the one behind GitHub's language services): every
 * built-in function, case-insensitive comparison and type coercion behave as on GitHub. The status functions
 * depend on the run, so the replay supplies them.
 */
export function evaluate(expression: string, context: Record<string, Value>, failed = false): Value {
  const status = (name: string, value: () => boolean): FunctionDefinition => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value()),
  });
  const functions = [
    status('success', () => !failed),
    status('failure', () => failed),
    status('always', () => true),
    status('cancelled', () => false),
  ];
  const lexed = new Lexer(expression).lex();
  const tree = new Parser(lexed.tokens, Object.keys(context), functions).parse();
  const input = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  const result = new Evaluator(tree, input, new Map(functions.map((f) => [f.name, f]))).evaluate();
  return JSON.parse(JSON.stringify(result, data.replacer) ?? 'null') as Value;
}

/** GitHub's truthiness: false, 0, -0, NaN, '' and null are false. */
const truthy = (value: Value) =>
  value !== '' &&
  value !== 0 &&
  value !== false &&
  value !== null &&
  value !== undefined &&
  !Number.isNaN(value);

const STATUS_FUNCTION = /\b(success|failure|always|cancelled)\(/;

/** Substitutes every `${{ }}` in a text; a text that is one expression keeps the expression's type. */
export function interpolate(text: unknown, context: Record<string, Value>, failed = false): Value {
  if (typeof text !== 'string') return text as Value;
  const whole = /^\$\{\{\s*([\s\S]+?)\s*\}\}$/.exec(text.trim());
  if (whole?.[1] && !whole[1].includes('}}')) return evaluate(whole[1], context, failed);
  return text.replace(/\$\{\{\s*([\s\S]+?)\s*\}\}/g, (_, e: string) => {
    const v = evaluate(e, context, failed);
    return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? '');
  });
}

/** Whether a condition holds; without a status function it also needs everything so far to have succeeded. */
export function condition(
  text: string | undefined,
  context: Record<string, Value>,
  failed: boolean,
): boolean {
  if (text === undefined) return !failed;
  const bare = text.trim().replace(/^\$\{\{\s*([\s\S]+?)\s*\}\}$/, '$1');
  if (STATUS_FUNCTION.test(bare)) return truthy(evaluate(bare, context, failed));
  // GitHub reads it as `success() && (…)`: after a failure the rest is not evaluated at all.
  return !failed && truthy(evaluate(bare, context, failed));
}

export interface StepRecord {
  id?: string;
  uses?: string;
  outcome: 'success' | 'failure' | 'skipped' | 'stood-in';
  inputs?: Record<string, string>;
  result?: StepResult;
  summary?: string;
}

export interface JobRecord {
  result: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
  steps: StepRecord[];
}

export interface ReplayOptions {
  event: { name: string; payload: Record<string, Value> };
  inputs: Record<string, Value>;
  /** GITHUB_WORKSPACE, holding the environments file. */
  workspace: string;
  /** Environment of every step (AWS endpoint and credentials). */
  env: Record<string, string>;
  token: string;
  apiUrl: string;
  repository: string;
  runId: number;
  /** Jobs that are not run, with their result and outputs. */
  stubs?: Record<string, JobRecord>;
  /** The secrets the caller passes (`secrets:` of the call); an unset one reads as empty, as on GitHub. */
  secrets?: Record<string, string>;
  /** GITHUB_REF and GITHUB_SHA of the run (a push's branch and commit); default refs/heads/main. */
  ref?: string;
  sha?: string;
}

/** Replays every job of a workflow in order (our workflows list jobs after the jobs they need). */
export async function replayWorkflow(
  path: string,
  options: ReplayOptions,
): Promise<Record<string, JobRecord[]>> {
  const workflow = parse(readFileSync(join(repoRoot, path), 'utf8')) as Workflow;
  const github: Record<string, Value> = {
    event_name: options.event.name,
    event: options.event.payload,
    repository: options.repository,
    token: options.token,
    ref: options.ref ?? 'refs/heads/main',
    ref_name: (options.ref ?? 'refs/heads/main').replace(/^refs\/(heads|tags)\//, ''),
    sha: options.sha ?? 'f'.repeat(40),
  };
  const jobs: Record<string, JobRecord[]> = {};
  const needsContext: Record<string, Value> = {};
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    const stub = options.stubs?.[jobId];
    const needs = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
    const context: Record<string, Value> = {
      github,
      inputs: options.inputs,
      needs: needsContext,
      secrets: options.secrets ?? {},
    };
    const needsFailed = needs.some((n) => jobs[n]?.some((r) => r.result !== 'success'));
    let records: JobRecord[];
    if (!condition(job.if, context, needsFailed)) {
      records = [{ result: 'skipped', outputs: {}, steps: [] }];
    } else if (stub) {
      records = [stub];
    } else {
      const matrix = (job as { strategy?: { matrix?: Record<string, unknown> } }).strategy?.matrix;
      const combinations: Record<string, Value>[] = [{}];
      for (const [key, raw] of Object.entries(matrix ?? {})) {
        const values = interpolate(raw, context) as Value[];
        // `include:` lists whole combinations (objects); any other key is one dimension of values.
        combinations.splice(
          0,
          combinations.length,
          ...(key === 'include' ? (values as Record<string, Value>[]) : values.map((v) => ({ [key]: v }))),
        );
      }
      records = [];
      for (const combination of combinations)
        records.push(
          await replayJob(job.steps ?? [], job.outputs ?? {}, { ...context, matrix: combination }, options),
        );
    }
    jobs[jobId] = records;
    const result = records.every((r) => r.result === 'success')
      ? 'success'
      : records.some((r) => r.result === 'failure')
        ? 'failure'
        : 'skipped';
    // A matrix job's outputs combine every leg's: a leg that leaves an output empty does not erase another's.
    const outputs: Record<string, string> = {};
    for (const record of records)
      for (const [k, v] of Object.entries(record.outputs)) if (v !== '' || !(k in outputs)) outputs[k] = v;
    needsContext[jobId] = { result, outputs };
  }
  return jobs;
}

async function replayJob(
  steps: Step[],
  outputs: Record<string, unknown>,
  context: Record<string, Value>,
  options: ReplayOptions,
): Promise<JobRecord> {
  const stepsContext: Record<string, Value> = {};
  const records: StepRecord[] = [];
  let failed = false;
  for (const step of steps) {
    // `job.status`: what a step sees of its job so far (success until a step failed).
    const ctx = { ...context, steps: stepsContext, job: { status: failed ? 'failure' : 'success' } };
    if (!condition(step.if, ctx, failed)) {
      records.push({ id: step.id, uses: step.uses, outcome: 'skipped' });
      if (step.id) stepsContext[step.id] = { outcome: 'skipped', outputs: {} };
      continue;
    }
    const env = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, String(interpolate(v, ctx, failed) ?? '')]),
    );
    let record: StepRecord;
    const action = step.uses ? localAction(step.uses) : undefined;
    if (action) {
      const inputs = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([k, v]) => [k, String(interpolate(v, ctx, failed) ?? '')]),
      );
      const result = await runAction({
        action: join(repoRoot, 'actions', action),
        inputs,
        env: {
          ...options.env,
          ...env,
          GITHUB_RUN_ID: String(options.runId),
          GITHUB_REF: String((context.github as Record<string, Value>).ref),
          GITHUB_REF_NAME: String((context.github as Record<string, Value>).ref_name),
          GITHUB_SHA: String((context.github as Record<string, Value>).sha),
        },
        event: options.event,
        token: options.token,
        apiUrl: options.apiUrl,
        repository: options.repository,
        workspace: options.workspace,
      });
      record = {
        id: step.id,
        uses: step.uses,
        inputs,
        result,
        summary: result.summary,
        outcome: result.exitCode === 0 ? 'success' : 'failure',
      };
      if (step.id) stepsContext[step.id] = { outcome: record.outcome, outputs: result.outputs };
    } else if (step.run !== undefined) {
      const temp = mkdtempSync(join(tmpdir(), 'replay-'));
      const files = { GITHUB_OUTPUT: join(temp, 'output'), GITHUB_STEP_SUMMARY: join(temp, 'summary') };
      for (const file of Object.values(files)) writeFileSync(file, '');
      const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
        cwd: options.workspace,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...files, ...env },
        encoding: 'utf8',
      });
      const summary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
      record = { id: step.id, outcome: run.status === 0 ? 'success' : 'failure', summary };
      if (step.id)
        stepsContext[step.id] = {
          outcome: record.outcome,
          outputs: parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
        };
    } else {
      record = { id: step.id, uses: step.uses, outcome: 'stood-in' };
      if (step.id) stepsContext[step.id] = { outcome: 'success', outputs: {} };
    }
    records.push(record);
    if (record.outcome === 'failure') failed = true;
  }
  const ctx = { ...context, steps: stepsContext };
  return {
    result: failed ? 'failure' : 'success',
    outputs: Object.fromEntries(
      Object.entries(outputs).map(([k, v]) => [k, String(interpolate(v, ctx) ?? '')]),
    ),
    steps: records,
  };
}
