// Starts moto (the AWS emulator) in server mode for one test file, on 127.0.0.1 and a free port.
//
// Preferred: our launcher (moto_launcher.py, run with the repo's .venv python) which binds port 0, prints
// the port on a ready line, and exits by itself when its stdin closes (this process died) or after a hard
// maximum lifetime. Fallback: `moto_server -H 127.0.0.1 -p <free port>` from PATH, polled until it answers.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Moto {
  /** `http://127.0.0.1:PORT`, to use as the SDK endpoint (see awsClientConfig). */
  readonly endpoint: string;
  readonly port: number;
  /** How the server was started: our launcher with the venv python, or the moto_server CLI. */
  readonly mode: 'launcher' | 'cli';
  /** Milliseconds from spawn until the server answered GET /moto-api/. */
  readonly startupMs: number;
  /** Forgets every resource in every service (POST /moto-api/reset). */
  reset(): Promise<void>;
  /**
   * How a model advances between states (moto's state manager; global to this server): e.g. ECS tasks
   * (`ecs::task`) advance one state every `times` DescribeTasks calls with `{ progression: 'manual', times }`.
   */
  setTransition(
    model: string,
    transition: { progression: 'manual' | 'immediate'; times?: number },
  ): Promise<void>;
  /** Stops the server; idempotent. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** How long to wait for the server to answer, in ms. Default 60 s (the first start compiles .pyc files). */
  readyTimeoutMs?: number;
  /** Hard maximum lifetime of the launcher, in seconds. Default 30 minutes. */
  maxLifetimeSeconds?: number;
  /** Extra environment for the server, e.g. `{ MOTO_ECS_SERVICE_RUNNING: '1' }`. */
  env?: Record<string, string>;
  /**
   * `auto` (default): the launcher when .venv exists, else moto_server from PATH. `cli`: always the
   * moto_server CLI (which does not stop by itself when this process dies: only stop() or our exit hook).
   */
  mode?: 'auto' | 'cli';
}

/** The repo root: this file is test/harness/aws/moto.ts. */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const launcherPath = join(dirname(fileURLToPath(import.meta.url)), 'moto_launcher.py');

const SETUP_HINT = 'run `pnpm run setup` (bash scripts/setup.sh) to create .venv with test/requirements.txt';

type MotoCommand = { mode: 'launcher'; python: string } | { mode: 'cli'; motoServer: string };

/**
 * Where moto is: the .venv python with moto installed (launcher), else a moto_server on PATH (CLI); throws
 * with a hint otherwise. `mode: 'cli'` skips the launcher (the .venv's moto_server counts then).
 */
export function findMoto(mode: 'auto' | 'cli' = 'auto'): MotoCommand {
  const venvBin = join(repoRoot, '.venv', 'bin');
  const python = join(venvBin, 'python');
  if (mode === 'auto' && existsSync(join(venvBin, 'moto_server')) && existsSync(python)) {
    return { mode: 'launcher', python };
  }
  if (mode === 'auto') {
    // The harness relies on moto's behaviour at the pinned version: another moto on PATH is not used silently.
    const other = (process.env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .find((dir) => existsSync(join(dir, 'moto_server')));
    throw new Error(
      `The pinned moto (test/requirements.txt) is not installed in ${venvBin}: ${SETUP_HINT}.${other ? ` (A moto_server was found in ${other}; it is not used, since its version may behave differently.)` : ''}`,
    );
  }
  for (const dir of [venvBin, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)]) {
    if (existsSync(join(dir, 'moto_server'))) return { mode: 'cli', motoServer: join(dir, 'moto_server') };
  }
  throw new Error(`moto_server not found in ${venvBin} nor on PATH: ${SETUP_HINT}`);
}

export async function startMoto(options: StartMotoOptions = {}): Promise<Moto> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const maxLifetime = options.maxLifetimeSeconds ?? 30 * 60;
  const command = findMoto(options.mode);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Requested ACM certificates turn ISSUED on first read instead of after 60 s.
    MOTO_ACM_VALIDATION_WAIT: '0',
    PYTHONUNBUFFERED: '1',
    ...options.env,
  };
  const started = performance.now();

  let child: ChildProcess;
  let port: number;
  if (command.mode === 'launcher') {
    child = spawn(command.python, [launcherPath, '--port', '0', '--max-lifetime', String(maxLifetime)], {
      cwd: repoRoot,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } else {
    port = await freePort();
    child = spawn(command.motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
      cwd: repoRoot,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  const stderr = tailBuffer(child, 8_000);
  if (command.mode === 'cli') child.stdout?.resume();
  // Writing to (or ending) the stdin of a server that already died raises EPIPE: not our failure to report.
  child.stdin?.on('error', () => {});
  // Our process exiting closes the launcher's stdin, which stops it; the CLI needs an explicit kill.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const exited = new Promise<string>((resolveExit) => {
    child.once('error', (err) => resolveExit(`failed to start: ${err.message}`));
    child.once('exit', (code, signal) => resolveExit(`exited with ${signal ?? `code ${code}`}`));
  });

  const fail = (why: string): never => {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    throw new Error(
      `moto (${command.mode}) ${why}\n--- stderr ---\n${stderr()}\nIf moto is missing, ${SETUP_HINT}`,
    );
  };

  const deadline = Date.now() + readyTimeoutMs;
  if (command.mode === 'launcher') {
    let timer: NodeJS.Timeout | undefined;
    const ready = await Promise.race([
      readReadyLine(child),
      exited.then((why) => ({ error: why })),
      new Promise<{ error: string }>((resolveTimeout) => {
        timer = setTimeout(
          () => resolveTimeout({ error: `printed no ready line within ${readyTimeoutMs} ms` }),
          readyTimeoutMs,
        );
      }),
    ]);
    clearTimeout(timer);
    if ('error' in ready) return fail(ready.error);
    port = ready.port;
  }
  const endpoint = `http://127.0.0.1:${port!}`;
  for (;;) {
    const status = await Promise.race([exited, ping(endpoint)]);
    if (status === true) break;
    if (typeof status === 'string') return fail(status);
    if (Date.now() > deadline)
      return fail(`did not answer GET ${endpoint}/moto-api/ within ${readyTimeoutMs} ms`);
    await sleep(100);
  }
  const startupMs = Math.round(performance.now() - started);
  // Once up, the server must not keep this process alive (a script that forgets stop() still ends, and
  // the launcher follows when its stdin closes): the handle and its streams are unreferenced.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port: port!,
    mode: command.mode,
    startupMs,
    async setTransition(model, transition) {
      const res = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
        method: 'POST',
        body: JSON.stringify({ model_name: model, transition }),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`moto set-transition failed: HTTP ${res.status}`);
    },
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.stdin?.end();
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const done = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((resolveTimeout) => {
            timer = setTimeout(() => resolveTimeout(false), 5_000);
          }),
        ]);
        clearTimeout(timer);
        if (!done) {
          child.kill('SIGKILL');
          await exited;
        }
      })();
      return stopping;
    },
  };
}

async function ping(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function readReadyLine(child: ChildProcess): Promise<{ port: number } | { error: string }> {
  return new Promise((resolveLine) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      child.stdout?.removeListener('data', onData);
      // Keep draining stdout so that the pipe never fills up.
      child.stdout?.resume();
      const line = buffered.slice(0, newline);
      try {
        const parsed = JSON.parse(line) as { ready?: boolean; port?: number };
        if (parsed.ready && typeof parsed.port === 'number') resolveLine({ port: parsed.port });
        else resolveLine({ error: `printed an unexpected ready line: ${line}` });
      } catch {
        resolveLine({ error: `printed an unexpected ready line: ${line}` });
      }
    };
    child.stdout?.on('data', onData);
  });
}

/** Drains a child's stderr (and stdout for the CLI) and keeps the last `max` characters for errors. */
function tailBuffer(child: ChildProcess, max: number): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-max);
  };
  child.stderr?.on('data', keep);
  return () => text.trim() || '(empty)';
}

/** A port that was free a moment ago (for the CLI fallback, which cannot bind port 0 and tell us). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
