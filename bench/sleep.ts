// The sleep benchmark: N working previews built in moto put to sleep by one scheduled run of the
// preview-sweep bundle, then woken by the next, through the fault proxy emulating AWS's token buckets.
// Reports AWS calls per preview, throttling answers and elapsed time, and writes bench/sleep-results.md.
// Needs built bundles; run with `pnpm bench:sleep` (SLEEP_BENCH_ENVIRONMENTS=N for another size).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { awsEnv, REPOSITORY, startWorld, TOKEN } from '../test/e2e/preview-env.js';
import { PROXY_BUCKETS, SWEEP, seedPreview, tagService } from '../test/e2e/sweep-env.js';
import { repoRoot, runAction } from '../test/harness/runner.js';

const COUNT = Number(process.env.SLEEP_BENCH_ENVIRONMENTS ?? 100);
const HOUR = 3_600_000;
const ALWAYS = '* * * * *';
const NEVER = '0 0 29 2 1';

const world = await startWorld();
try {
  const { clients, sandbox } = world;
  const created = new Date(Date.now() - 2 * HOUR);
  const listeners = [sandbox.httpsListenerArn ?? sandbox.httpListenerArn, sandbox.httpListenerArn];
  const seeded: { serviceArn?: string | undefined }[] = [];
  for (let i = 0; i < COUNT; i += 8) {
    seeded.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(8, COUNT - i) }, (_, j) =>
          seedPreview(clients, sandbox, {
            pr: 3000 + i + j,
            createdAt: created,
            listenerArn: listeners[(i + j) % 2],
          }),
        ),
      )),
    );
  }
  const run = async (inputs: Record<string, string>) => {
    world.proxy.setRateLimits(PROXY_BUCKETS);
    world.proxy.resetCounts();
    world.gh.requests.length = 0;
    const result = await runAction({
      action: SWEEP,
      inputs: { cluster: sandbox.clusterName, 'closed-prs': 'false', 'wake-timeout': '30s', ...inputs },
      env: awsEnv(world),
      token: TOKEN,
      apiUrl: world.gh.url,
      repository: REPOSITORY,
      event: { name: 'schedule', payload: { schedule: '17 * * * *' } },
      timeoutMs: 900_000,
    });
    const counts = world.proxy.counts();
    return {
      result,
      counts,
      calls: world.proxy.calls.length,
      throttled: world.proxy.throttled(),
      github: world.gh.requests.length,
    };
  };
  const sleep = await run({ 'sleep-schedule': ALWAYS, 'wake-schedule': NEVER });
  // The night passed: they fell asleep an hour ago, and the wake time came since.
  const past = `${new Date(Date.now() - HOUR).toISOString().slice(0, 19)}Z`;
  await Promise.all(
    seeded.map((s) =>
      s.serviceArn ? tagService(clients, s.serviceArn, { 'ecs-actions:asleep-since': past }) : undefined,
    ),
  );
  const wake = await run({ 'sleep-schedule': NEVER, 'wake-schedule': ALWAYS });
  const count = (text: string | undefined) => (JSON.parse(text ?? '[]') as unknown[]).length;
  const ops = new Set([...Object.keys(sleep.counts), ...Object.keys(wake.counts)]);
  const lines = [
    '# sleep benchmark',
    '',
    `Last run: ${new Date().toISOString().slice(0, 16)}Z by \`bench/sleep.ts\` (${COUNT} working previews). moto behind the fault proxy emulating AWS's published buckets (as in sweep-results.md); one scheduled run of the preview-sweep bundle puts them to sleep, the next wakes them.`,
    '',
    '| measure | sleep run | wake run |',
    '| --- | --- | --- |',
    `| previews changed | ${count(sleep.result.outputs.slept)} of ${COUNT} | ${count(wake.result.outputs.woke)} of ${COUNT} |`,
    `| step exit code | ${sleep.result.exitCode} | ${wake.result.exitCode} |`,
    `| elapsed (step) | ${(sleep.result.durationMs / 1000).toFixed(1)} s | ${(wake.result.durationMs / 1000).toFixed(1)} s |`,
    `| AWS calls | ${sleep.calls} (${(sleep.calls / COUNT).toFixed(2)} per preview) | ${wake.calls} (${(wake.calls / COUNT).toFixed(2)} per preview) |`,
    `| throttling answers | **${sleep.throttled}** | **${wake.throttled}** |`,
    `| GitHub requests (reading the PRs' sticky comments, 10 PRs per GraphQL query; these PRs have none, so nothing is written) | ${sleep.github} | ${wake.github} |`,
    '',
    '## Calls per operation',
    '',
    '| operation | sleep run | wake run |',
    '| --- | --- | --- |',
    ...[...ops].sort().map((op) => `| ${op} | ${sleep.counts[op] ?? 0} | ${wake.counts[op] ?? 0} |`),
    '',
  ];
  const report = lines.join('\n');
  writeFileSync(join(repoRoot, 'bench', 'sleep-results.md'), report);
  console.log(report);
  for (const r of [sleep, wake]) if (r.result.exitCode !== 0) console.log(r.result.errors.join('\n'));
} finally {
  await world.stop();
}
