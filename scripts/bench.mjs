// `pnpm bench`: bundle sizes, repository archive size and cold start of every action, written to
// bench/results.md. Sizes are what Node loads for the action (recorded by a loader hook), so shared
// chunks count for every action that loads them. Cold start: spawn to exit with no inputs (the
// action loads, parses its inputs and fails on the first required one), median of several runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listActions, root } from './actions.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BUNDLE_LIMIT = 1024 * 1024;
const ARCHIVE_LIMIT = 0.69 * 1000 * 1000;
const node24 = join(root, 'node_modules', 'node', 'bin', 'node');
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(action, entry) {
  const temp = mkdtempSync(join(tmpdir(), 'bench-'));
  const loads = join(temp, 'loads');
  const env = { PATH: process.env.PATH, HOME: temp, GITHUB_OUTPUT: join(temp, 'o'), BENCH_LOADS_FILE: loads };
  writeFileSync(loads, '');
  spawnSync(node24, ['--import', join(root, 'bench/record-loads.mjs'), join(action.dir, entry)], {
    env,
    cwd: temp,
  });
  const files = [
    ...new Set(
      readFileSync(loads, 'utf8')
        .split('\n')
        .filter((u) => u.includes('/dist/')),
    ),
  ].map((u) => fileURLToPath(u));
  const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    spawnSync(node24, [join(action.dir, entry)], { env: { ...env, BENCH_LOADS_FILE: '' }, cwd: temp });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  rmSync(temp, { recursive: true, force: true });
  const maps = files.reduce(
    (sum, f) => sum + (statSync(`${f}.map`, { throwIfNoEntry: false })?.size ?? 0),
    0,
  );
  return { bytes, maps, files: files.length, coldMs: median(times) };
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
const baseline = (() => {
  const start = process.hrtime.bigint();
  spawnSync(node24, ['-e', '0']);
  return Number(process.hrtime.bigint() - start) / 1e6;
})();

const rows = [];
for (const action of listActions()) {
  for (const entry of ['dist/index.js', 'dist/post.js']) {
    try {
      statSync(join(action.dir, entry));
    } catch {
      continue;
    }
    const m = measure(action, entry);
    rows.push({ name: `${action.name} (${entry.replace('dist/', '')})`, ...m });
  }
}

const lines = [
  '# Benchmark results',
  '',
  `Last run: ${new Date().toISOString().slice(0, 10)} by \`pnpm bench\` on ${process.platform}/${process.arch}, Node ${execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim()}, ${RUNS} cold starts per entry (median). An empty Node process starts in ${baseline.toFixed(0)} ms here.`,
  '',
  `Repository archive (\`git archive HEAD | gzip -9 | wc -c\`, of the last commit; what the runner downloads, without the export-ignore'd test/ and bench/): **${kb(archiveBytes)}** (${archiveBytes} bytes; target ≤ 690,000 bytes: ${archiveBytes <= ARCHIVE_LIMIT ? 'met' : 'NOT met'}). Every tracked file, tests included: ${kb(Number(everything.trim()))}.`,
  '',
  "Source maps of the suite's own code ship beside the chunks (`dist/*.js.map`, file and line only, no source text). Nothing reads them at start-up: only when a bug is reported does the kit map the stack's frames to `actions/<name>/src/<file>.ts:LINE` (`packages/kit/src/stack.ts`), so they cost no start-up time; the column says how much map a bug report of that entry may read.",
  '',
  '| action entry | bytes loaded | files | target ≤ 1 MiB | source maps (read on a bug only) | cold start |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${kb(r.bytes)} | ${r.files} | ${r.bytes <= BUNDLE_LIMIT ? 'met' : 'NOT met'} | ${kb(r.maps)} | ${r.coldMs.toFixed(0)} ms |`,
  ),
  '',
];
if (rows.length === 0) lines.push('No actions are built yet (actions/*/dist).', '');
const text = lines.join('\n');
writeFileSync(join(root, 'bench/results.md'), text);
console.log(text);
