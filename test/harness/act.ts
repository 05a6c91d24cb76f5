// act (github.com/nektos/act), a runner this project did not write, built by scripts/bootstrap.sh into
// .tools/bin: a repository it can run, and a way to run it that keeps this process (moto's proxy, the GitHub
// fake) answering.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { node24, repoRoot } from './runner.js';

export const ACT = join(repoRoot, '.tools', 'bin', 'act');

/** Fails with what to do when act is not built. */
export function assertActBuilt(): void {
  if (!existsSync(ACT)) throw new Error(`${ACT} is missing: run bash scripts/bootstrap.sh (it needs Go).`);
}

/** A repository with the actions and their bundles (what a `uses: ./actions/x` needs), origin on github.com. */
export function repositoryWith(
  workflow: string,
  repository = 'octo-org/shop',
  files: Record<string, string> = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), 'act-repo-'));
  for (const action of [
    'preview-create',
    'preview-destroy',
    'pr-comment',
    'deploy',
    'run-task',
    'command',
    'approval',
  ]) {
    for (const part of ['action.yml', 'dist']) {
      cpSync(join(repoRoot, 'actions', action, part), join(dir, 'actions', action, part), {
        recursive: true,
      });
    }
  }
  cpSync(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
  mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
  writeFileSync(join(dir, '.github', 'workflows', 'chain.yml'), workflow);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  git('init', '-q');
  // act takes GITHUB_REPOSITORY from the origin remote.
  git('remote', 'add', 'origin', `https://github.com/${repository}.git`);
  git('add', '-A');
  git('-c', 'user.email=test@example.com', '-c', 'user.name=test', 'commit', '-qm', 'actions');
  return dir;
}

/**
 * Runs act for `event` in `repo`, in host mode (`-P ubuntu-latest=-self-hosted`: no Docker), with `env` and
 * the token as the GITHUB_TOKEN secret. Node 24 comes first on PATH: act runs node24 actions with the host's
 * node. `onStart` receives the child (to cancel it).
 */
export function runAct(options: {
  repo: string;
  eventName: string;
  eventPath: string;
  token: string;
  env: Record<string, string>;
  timeoutMs?: number;
  onStart?: (child: ReturnType<typeof spawn>) => void;
}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const args = [
    options.eventName,
    '--eventpath',
    options.eventPath,
    '-P',
    'ubuntu-latest=-self-hosted',
    '--secret',
    `GITHUB_TOKEN=${options.token}`,
    ...Object.entries(options.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(ACT, args, {
      cwd: options.repo,
      env: { PATH: `${dirname(node24())}:${process.env.PATH}`, HOME: process.env.HOME ?? tmpdir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onStart?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 100_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
