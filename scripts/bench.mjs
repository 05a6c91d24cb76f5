// `pnpm bench`: bundle sizes, repository archive size and start-up of every action, written to
// bench/results.md. Sizes are what Node loads for the action (recorded by a loader hook) in a run with valid
// inputs whose AWS and GitHub endpoints refuse connections, so shared chunks count for every action that
// loads them. Start-up: spawn to the step's first output with those inputs, measured paired with an empty
// `node -e 0` (alternating, RUNS of each): median and the 10th–90th percentile spread.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listActions, root } from './actions.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const START_LIMIT = 3;
const BUNDLE_LIMIT = 1024 * 1024;
const ARCHIVE_LIMIT = 0.69 * 1000 * 1000;
const node24 = join(root, 'node_modules', 'node', 'bin', 'node');
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

/** Valid inputs for every action's main step; AWS and GitHub endpoints refuse connections (port 9). */
const VALID_INPUTS = {
  GITHUB_REPOSITORY: 'octo-org/shop',
  INPUT_CLUSTER: 'shop',
  INPUT_IMAGE: 'public.ecr.aws/nginx/nginx:1.27',
  INPUT_HOST: 'pr-{pr}.preview.example.com',
  'INPUT_LISTENER-ARN': 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/a/1/2',
  'INPUT_TEMPLATE-SERVICE': 'web',
  INPUT_SERVICE: 'web',
  INPUT_COMMAND: 'bin/migrate',
  'INPUT_TASK-DEFINITION': 'web',
  'INPUT_PR-NUMBER': '7',
  'INPUT_GITHUB-TOKEN': 'ghs_bench',
  INPUT_STATUS: 'ready',
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  GITHUB_API_URL: 'http://127.0.0.1:9',
  AWS_MAX_ATTEMPTS: '1',
};

/** Milliseconds from spawn to the first byte on stdout (or to exit, when nothing is printed). */
function firstOutput(args, env, cwd) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(node24, args, { env, cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve(Number(process.hrtime.bigint() - start) / 1e6);
      child.kill();
    };
    child.stdout.once('data', finish);
    child.once('exit', finish);
  });
}

async function measure(action, entry) {
  const temp = mkdtempSync(join(tmpdir(), 'bench-'));
  const loads = join(temp, 'loads');
  const env = {
    PATH: process.env.PATH,
    HOME: temp,
    GITHUB_OUTPUT: join(temp, 'o'),
    ...(entry.endsWith('index.js') ? VALID_INPUTS : {}),
  };
  writeFileSync(loads, '');
  spawnSync(node24, ['--import', join(root, 'bench/record-loads.mjs'), join(action.dir, entry)], {
    env: { ...env, BENCH_LOADS_FILE: loads },
    cwd: temp,
    timeout: 60_000,
  });
  const lines = readFileSync(loads, 'utf8').split('\n');
  const firstAt = lines.indexOf('FIRST-OUTPUT');
  const distFiles = (list) =>
    [...new Set(list.filter((u) => u.includes('/dist/')))].map((u) => fileURLToPath(u));
  const files = distFiles(lines);
  const before = distFiles(firstAt < 0 ? lines : lines.slice(0, firstAt));
  const size = (list) => list.reduce((sum, f) => sum + statSync(f).size, 0);
  const action_ = [];
  const empty = [];
  for (let i = 0; i < RUNS; i++) {
    empty.push(await firstOutput(['-e', '0'], env, temp));
    action_.push(await firstOutput([join(action.dir, entry)], env, temp));
  }
  rmSync(temp, { recursive: true, force: true });
  const maps = files.reduce(
    (sum, f) => sum + (statSync(`${f}.map`, { throwIfNoEntry: false })?.size ?? 0),
    0,
  );
  const ratio = median(action_) / median(empty);
  return {
    bytes: size(files),
    before: size(before),
    maps,
    files: files.length,
    startMs: median(action_),
    spread: `${percentile(action_, 0.1).toFixed(0)}–${percentile(action_, 0.9).toFixed(0)}`,
    emptyMs: median(empty),
    ratio,
  };
}

const archive = execFileSync('sh', ['-c', 'git archive HEAD | gzip -9 | wc -c'], {
  cwd: root,
  encoding: 'utf8',
});
const archiveBytes = Number(archive.trim());
// The same tree without .gitattributes' export-ignore (tests and benchmarks included), for comparison.
const everything = execFileSync('sh', ['-c', 'git ls-files -z | tar --null -T - -cf - | gzip -9 | wc -c'], {
  cwd: root,
  encoding: 'utf8',
});

const rows = [];
for (const action of listActions()) {
  for (const entry of ['dist/index.js', 'dist/post.js']) {
    try {
      statSync(join(action.dir, entry));
    } catch {
      continue;
    }
    const m = await measure(action, entry);
    rows.push({ name: `${action.name} (${entry.replace('dist/', '')})`, ...m });
  }
}

const lines = [
  '# Benchmark results',
  '',
  `Last run: ${new Date().toISOString().slice(0, 10)} by \`pnpm bench\` on ${process.platform}/${process.arch}, Node ${execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim()}. Start-up is spawn to the step's first output (a main step: the line saying what it is about to do, printed once its inputs are checked and before the AWS SDK and Octokit load; a post step with nothing to do: its exit), ${RUNS} runs of each entry paired with ${RUNS} of an empty \`node -e 0\` (alternating): median, and 10th–90th percentile.`,
  '',
  `Repository archive (\`git archive HEAD | gzip -9 | wc -c\`, of the last commit; what the runner downloads, without the export-ignore'd test/ and bench/): **${kb(archiveBytes)}** (${archiveBytes} bytes; target ≤ 690,000 bytes: ${archiveBytes <= ARCHIVE_LIMIT ? 'met' : 'NOT met'}). Every tracked file, tests included: ${kb(Number(everything.trim()))}.`,
  '',
  "Source maps of the suite's own code ship beside the chunks (`dist/*.js.map`, file and line only, no source text). Nothing reads them at start-up: only when a bug is reported does the kit map the stack's frames to `actions/<name>/src/<file>.ts:LINE` (`packages/kit/src/stack.ts`), so they cost no start-up time; the column says how much map a bug report of that entry may read.",
  '',
  '| action entry | loaded before the first output | loaded in all | files | target ≤ 1 MiB | source maps (read on a bug only) | start-up (median, p10–p90) | empty node (median) | ratio | target ≤ 3× |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${kb(r.before)} | ${kb(r.bytes)} | ${r.files} | ${r.bytes <= BUNDLE_LIMIT ? 'met' : 'NOT met'} | ${kb(r.maps)} | ${r.startMs.toFixed(0)} ms (${r.spread}) | ${r.emptyMs.toFixed(0)} ms | ${r.ratio.toFixed(2)}× | ${r.ratio <= START_LIMIT ? 'met' : 'NOT met'} |`,
  ),
  '',
];
if (rows.length === 0) lines.push('No actions are built yet (actions/*/dist).', '');
const text = lines.join('\n');
writeFileSync(join(root, 'bench/results.md'), text);
console.log(text);
