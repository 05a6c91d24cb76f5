// A runner nobody here wrote: act (github.com/nektos/act, built by scripts/bootstrap.sh into .tools/bin) runs a
// workflow that chains the actions through `uses: ./actions/<name>`, in host mode (no Docker), against moto and
// the GitHub fake: preview-create → pr-comment with create's outputs → preview-destroy → pr-comment destroyed.
// The assertions read outcomes — moto's state, the comment in the fake, the steps' outputs — not act's log.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { node24, repoRoot } from '../harness/runner.js';
import { awsEnv, headSha, REPOSITORY, TOKEN, taggedFor, usePreviewWorld } from './preview-env.js';

export const ACT = join(repoRoot, '.tools', 'bin', 'act');
const world = usePreviewWorld();
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const CHAIN = `name: chain
on: pull_request
jobs:
  chain:
    runs-on: ubuntu-latest
    steps:
      # act stands the local repository in for the checkout.
      - uses: actions/checkout@v4
      - id: create
        uses: ./actions/preview-create
        with:
          cluster: \${{ env.CLUSTER }}
          listener-arn: \${{ env.LISTENER }}
          host: pr-{pr}.preview.example.com
          image: public.ecr.aws/nginx/nginx:1.27
          template-service: \${{ env.TEMPLATE }}
          poll-interval: 200ms
          timeout: 30s
      - id: ready
        uses: ./actions/pr-comment
        with:
          environment: preview
          status: ready
          url: \${{ steps.create.outputs.url }}
      - id: destroy
        uses: ./actions/preview-destroy
        with:
          cluster: \${{ env.CLUSTER }}
          listener-arn: \${{ env.LISTENER }}
      - id: destroyed
        uses: ./actions/pr-comment
        with:
          environment: preview
          status: destroyed
      - name: Record the steps' outputs for the test
        env:
          STEPS: \${{ toJSON(steps) }}
        run: printf '%s' "$STEPS" > "$STEPS_FILE"
`;

/** A repository with the actions and their bundles (what a `uses: ./actions/x` needs), origin on github.com. */
function repositoryWith(workflow: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'act-repo-'));
  temps.push(dir);
  for (const action of ['preview-create', 'preview-destroy', 'pr-comment', 'deploy']) {
    for (const part of ['action.yml', 'dist']) {
      cpSync(join(repoRoot, 'actions', action, part), join(dir, 'actions', action, part), {
        recursive: true,
      });
    }
  }
  cpSync(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
  mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
  writeFileSync(join(dir, '.github', 'workflows', 'chain.yml'), workflow);
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  git('init', '-q');
  // act takes GITHUB_REPOSITORY from the origin remote.
  git('remote', 'add', 'origin', `https://github.com/${REPOSITORY}.git`);
  git('add', '-A');
  git('-c', 'user.email=test@example.com', '-c', 'user.name=test', 'commit', '-qm', 'actions');
  return dir;
}

describe('act runs the actions (a runner this project did not write)', () => {
  it('chains preview-create → pr-comment → preview-destroy → pr-comment through uses: ./actions/…', async () => {
    if (!existsSync(ACT)) throw new Error(`${ACT} is missing: run bash scripts/bootstrap.sh (it needs Go).`);
    const w = world();
    const pr = 77;
    const sha = headSha(pr);
    w.gh.state.addPullRequest({ number: pr, headRef: 'feature/act', headSha: sha });
    const repo = repositoryWith(CHAIN);
    const event = join(repo, '..', `${repo.split('/').pop()}-event.json`);
    temps.push(event);
    writeFileSync(
      event,
      JSON.stringify({
        action: 'opened',
        number: pr,
        pull_request: { number: pr, head: { ref: 'feature/act', sha }, base: { ref: 'main' } },
        repository: { full_name: REPOSITORY, name: 'shop', owner: { login: 'octo-org' } },
      }),
    );
    const stepsFile = join(repo, '..', `${repo.split('/').pop()}-steps.json`);
    temps.push(stepsFile);
    const env: Record<string, string> = {
      ...awsEnv(w),
      GITHUB_API_URL: w.gh.url,
      CLUSTER: w.sandbox.clusterName,
      LISTENER: w.sandbox.httpsListenerArn!,
      TEMPLATE: w.sandbox.serviceName,
      STEPS_FILE: stepsFile,
    };
    // Asynchronously: the proxy and the GitHub fake live in this process and must keep answering.
    const result = await run(
      ACT,
      [
        'pull_request',
        '--eventpath',
        event,
        '-P',
        'ubuntu-latest=-self-hosted',
        '--secret',
        `GITHUB_TOKEN=${TOKEN}`,
        ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      ],
      {
        cwd: repo,
        // Node 24 first on PATH: act runs node24 actions with the host's node.
        env: { PATH: `${dirname(node24())}:${process.env.PATH}`, HOME: process.env.HOME ?? tmpdir() },
      },
    );
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);

    const steps = JSON.parse(readFileSync(stepsFile, 'utf8')) as Record<
      string,
      { outcome: string; outputs: Record<string, string> }
    >;
    expect(steps.create?.outcome).toBe('success');
    expect(steps.create?.outputs).toMatchObject({
      url: `https://pr-${pr}.preview.example.com`,
      created: 'true',
    });
    expect(steps.destroy?.outputs.destroyed).toBe('true');
    expect(steps.ready?.outputs['comment-id']).toBe(steps.destroyed?.outputs['comment-id']);

    // The sticky comment in the GitHub fake says destroyed; nothing tagged for the PR is left in moto.
    const comments = w.gh.state.comments(pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/preview/);
    expect(comments[0]!.body).toMatch(/destroyed/i);
    expect(await taggedFor(w, pr)).toEqual({
      services: [],
      targetGroups: [],
      rules: [],
      taskDefinitions: [],
    });
  });
});

/** Runs a command to its end without blocking this process; kills it after `timeoutMs`. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 100_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
