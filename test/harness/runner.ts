import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Node 24 binary the `node` npm package installs: the runtime of `runs.using: node24`. */
export function node24(): string {
  const binary = join(repoRoot, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(binary)) throw new Error(`Node 24 is not installed at ${binary}: run pnpm install.`);
  return binary;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
}

export interface StepResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  outputs: Record<string, string>;
  /** What the step saved with saveState, passed to its post step as STATE_*. */
  state: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** Messages given to setFailed (errors without a file) and other error annotations. */
  errors: string[];
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface ActionRun {
  /** The action's folder: holds action.yml and dist/. */
  action: string;
  inputs?: Record<string, string>;
  /** Extra environment (AWS_ENDPOINT_URL, credentials, …). */
  env?: Record<string, string>;
  /** Event name and payload written to GITHUB_EVENT_PATH. */
  event?: { name: string; payload: unknown };
  /** The value `${{ github.token }}` expands to in action.yml defaults. */
  token?: string;
  repository?: string;
  apiUrl?: string;
  /** Working directory (GITHUB_WORKSPACE); a fresh temporary one by default. */
  workspace?: string;
  entry?: 'main' | 'post';
  /** STATE_* for a post step. */
  state?: Record<string, string>;
  /** The step's timeout: the process is killed after it (a test bug guard, not a behaviour check). */
  timeoutMs?: number;
}

/**
 * Runs an action's built entry as the GitHub runner does: Node 24, INPUT_* (spaces → _, upper case;
 * hyphens kept) with action.yml defaults, the file commands GITHUB_OUTPUT/STATE/STEP_SUMMARY/ENV/PATH,
 * GITHUB_EVENT_PATH, and a clean environment. An input the action does not declare is a test error.
 */
export function startAction(run: ActionRun): {
  child: ChildProcess;
  result: Promise<StepResult>;
  cancel(): void;
} {
  const manifest = parse(readFileSync(join(run.action, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: string }>;
    runs: { using: string; main: string; post?: string };
  };
  if (manifest.runs.using !== 'node24')
    throw new Error(`${run.action}: runs.using is ${manifest.runs.using}, not node24`);
  const declared = manifest.inputs ?? {};
  for (const name of Object.keys(run.inputs ?? {})) {
    if (!(name in declared)) throw new Error(`Input '${name}' is not declared in ${run.action}/action.yml`);
  }
  const entry = run.entry === 'post' ? manifest.runs.post : manifest.runs.main;
  if (!entry) throw new Error(`${run.action}/action.yml has no ${run.entry} entry`);

  const temp = mkdtempSync(join(tmpdir(), 'runner-'));
  const workspace = run.workspace ?? join(temp, 'workspace');
  mkdirSync(workspace, { recursive: true });
  const files = {
    GITHUB_OUTPUT: join(temp, 'output'),
    GITHUB_STATE: join(temp, 'state'),
    GITHUB_STEP_SUMMARY: join(temp, 'summary'),
    GITHUB_ENV: join(temp, 'env'),
    GITHUB_PATH: join(temp, 'path'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const event = run.event ?? { name: 'push', payload: {} };
  const eventPath = join(temp, 'event.json');
  writeFileSync(eventPath, JSON.stringify(event.payload));

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? temp,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: run.repository ?? 'octo-org/shop',
    GITHUB_REPOSITORY_OWNER: (run.repository ?? 'octo-org/shop').split('/')[0]!,
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_API_URL: run.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_GRAPHQL_URL: `${run.apiUrl ?? 'http://127.0.0.1:9'}/graphql`,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: 'f'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_ACTION: 'step-1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'test',
    GITHUB_JOB: 'test',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: temp,
    ...files,
    ...run.env,
  };
  for (const [name, spec] of Object.entries(declared)) {
    const given = run.inputs?.[name];
    const fallback = spec.default === undefined ? undefined : expandDefault(String(spec.default), run);
    const value = given ?? fallback;
    if (value !== undefined) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  for (const [name, value] of Object.entries(run.state ?? {})) env[`STATE_${name}`] = value;

  const started = Date.now();
  const child = spawn(node24(), [join(run.action, entry)], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs ?? 110_000);

  const result = new Promise<StepResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(killer);
      const annotations = parseAnnotations(stdout);
      try {
        resolvePromise({
          exitCode,
          signal,
          outputs: parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
          state: parseFileCommand(readFileSync(files.GITHUB_STATE, 'utf8')),
          summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
          annotations,
          errors: annotations.filter((a) => a.level === 'error').map((a) => a.message),
          stdout,
          stderr,
          durationMs: Date.now() - started,
        });
      } catch (error) {
        reject(error);
      } finally {
        // Everything the step wrote has been read: the runner's temp folder (and a default workspace) goes.
        rmSync(temp, { recursive: true, force: true });
      }
    });
  });
  // Cancelling a job: the runner sends SIGINT, then SIGTERM 7.5 s later.
  const cancel = () => {
    child.kill('SIGINT');
    setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), 7500).unref();
  };
  return { child, result, cancel };
}

/** Runs a step to its end. */
export function runAction(run: ActionRun): Promise<StepResult> {
  return startAction(run).result;
}

/** Runs main, then post with main's saved state, as the runner does for an action with `runs.post`. */
export async function runWithPost(run: ActionRun): Promise<{ main: StepResult; post: StepResult }> {
  const main = await runAction({ ...run, entry: 'main' });
  const post = await runAction({ ...run, entry: 'post', state: main.state });
  return { main, post };
}

function expandDefault(value: string, run: ActionRun): string {
  return value.replace(/\$\{\{\s*github\.token\s*\}\}/g, run.token ?? '');
}

/** Reads GITHUB_OUTPUT / GITHUB_STATE: `name<<DELIMITER` blocks and plain `name=value` lines. */
export function parseFileCommand(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new Error(`Unterminated value for ${name} (delimiter ${delimiter})`);
      result[name!] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`Malformed file command line: ${line}`);
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

/** Workflow commands on stdout: `::error file=a,line=1::message` and friends. */
export function parseAnnotations(stdout: string): Annotation[] {
  const result: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line.replace(/\r$/, ''));
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    result.push({ level: match[1] as Annotation['level'], message: unescapeData(match[3]!), properties });
  }
  return result;
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/** A realistic pull_request event payload, as GitHub sends it for `opened`/`synchronize`. */
export function pullRequestEvent(options: {
  number: number;
  action?: string;
  headRef?: string;
  headSha?: string;
  repository?: string;
  fork?: boolean;
  title?: string;
}): { name: string; payload: unknown } {
  const repository = options.repository ?? 'octo-org/shop';
  const [owner, name] = repository.split('/');
  const repo = {
    id: 1296269,
    name,
    full_name: repository,
    owner: { login: owner, id: 1, type: 'Organization' },
    private: false,
  };
  const head = options.fork
    ? { ...repo, full_name: `someone/${name}`, owner: { login: 'someone', id: 2, type: 'User' }, fork: true }
    : repo;
  return {
    name: 'pull_request',
    payload: {
      action: options.action ?? 'opened',
      number: options.number,
      pull_request: {
        id: 100_000 + options.number,
        number: options.number,
        state: 'open',
        title: options.title ?? `PR ${options.number}`,
        user: { login: 'octocat', id: 583231, type: 'User' },
        head: {
          ref: options.headRef ?? `feature/pr-${options.number}`,
          sha: options.headSha ?? 'a'.repeat(40),
          repo: head,
        },
        base: { ref: 'main', sha: 'b'.repeat(40), repo },
        merged: false,
        draft: false,
      },
      repository: repo,
      sender: { login: 'octocat', id: 583231, type: 'User' },
    },
  };
}

/** The repository object of event payloads. */
function eventRepository(repository: string) {
  const [owner, name] = repository.split('/');
  return {
    id: 1296269,
    name,
    full_name: repository,
    owner: { login: owner, id: 1, type: 'Organization' },
    private: false,
  };
}

/**
 * A `push` event to a branch, with the variables the runner sets for it (GITHUB_REF, GITHUB_REF_NAME,
 * GITHUB_SHA: pass `env` to runAction). `deleted` is GitHub's push for a branch deletion.
 */
export function pushEvent(options: { branch: string; sha: string; repository?: string; deleted?: boolean }): {
  event: { name: string; payload: unknown };
  env: Record<string, string>;
} {
  const ref = `refs/heads/${options.branch}`;
  return {
    event: {
      name: 'push',
      payload: {
        ref,
        before: '0'.repeat(40),
        after: options.deleted ? '0'.repeat(40) : options.sha,
        created: false,
        deleted: options.deleted ?? false,
        forced: false,
        head_commit: options.deleted ? null : { id: options.sha, message: 'change' },
        repository: eventRepository(options.repository ?? 'octo-org/shop'),
        sender: { login: 'octocat', id: 583231, type: 'User' },
      },
    },
    env: { GITHUB_REF: ref, GITHUB_REF_NAME: options.branch, GITHUB_SHA: options.sha },
  };
}

/** A `delete` event for a branch; the runner's GITHUB_REF is then the default branch. */
export function deleteEvent(options: { branch: string; repository?: string }): {
  name: string;
  payload: unknown;
} {
  return {
    name: 'delete',
    payload: {
      ref: options.branch,
      ref_type: 'branch',
      pusher_type: 'user',
      repository: eventRepository(options.repository ?? 'octo-org/shop'),
      sender: { login: 'octocat', id: 583231, type: 'User' },
    },
  };
}

/** A unique id for test resources. */
export function uniqueId(): string {
  return randomUUID().slice(0, 8);
}

/**
 * The directory of an action whose bundle is built (its entry and the suite's shared bundle), as the runner
 * would run it; throws with the command that builds it. The one check every e2e world uses.
 */
export function builtAction(name: string): string {
  const dir = join(repoRoot, 'actions', name);
  if (!existsSync(join(dir, 'dist', 'index.js')) || !existsSync(join(repoRoot, 'dist', 'index.js'))) {
    throw new Error(`actions/${name}/dist is missing: run \`pnpm build\` first.`);
  }
  return dir;
}
