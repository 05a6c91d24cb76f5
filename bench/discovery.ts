// Sweep discovery in an account with 3,000 target groups that are not the suite's: AWS calls of a dry-run
// sweep of 20 previews found by their tags (tag:GetResources), and the same sweep where the Tagging API is
// denied (every target group listed, their tags read 20 at a time). Counted by the fault proxy; writes
// bench/discovery-results.md. Run with `node --experimental-transform-types --no-warnings=ExperimentalWarning
// --import ./scripts/ts-resolve.mjs bench/discovery.ts` after `pnpm build`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { awsEnv, REPOSITORY, startWorld, TOKEN } from '../test/e2e/preview-env.js';
import { createUnrelatedTargetGroups, DAY, SWEEP, seedPreview } from '../test/e2e/sweep-env.js';
import { repoRoot, runAction } from '../test/harness/runner.js';

const UNRELATED = Number(process.env.DISCOVERY_BENCH_TARGET_GROUPS ?? 3000);
const PREVIEWS = 20;
const world = await startWorld();
try {
  const { clients, sandbox } = world;
  for (let i = 0; i < PREVIEWS; i++) {
    await seedPreview(clients, sandbox, { pr: 2000 + i, createdAt: new Date(Date.now() - 10 * DAY) });
  }
  await createUnrelatedTargetGroups(clients, sandbox, UNRELATED);
  const measure = async (label: string) => {
    world.proxy.resetCounts();
    const result = await runAction({
      action: SWEEP,
      inputs: { cluster: sandbox.clusterName, 'dry-run': 'true', 'closed-prs': 'false' },
      env: awsEnv(world),
      token: TOKEN,
      apiUrl: world.gh.url,
      repository: REPOSITORY,
      event: { name: 'schedule', payload: { schedule: '17 3 * * *' } },
      timeoutMs: 600_000,
    });
    if (result.exitCode !== 0) throw new Error(`${label}: ${result.errors.join('; ')}`);
    const found = JSON.parse(result.outputs.deleted ?? '[]').length;
    const counts = world.proxy.counts();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const detail = Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, n]) => `${op}${n > 1 ? ` ×${n}` : ''}`)
      .join(', ');
    return `| ${label} | ${found} of ${PREVIEWS} | ${total} | ${(result.durationMs / 1000).toFixed(1)} s | ${detail} |`;
  };
  const byTags = await measure('by tags (tag:GetResources)');
  world.proxy.inject({
    operation: 'tagging:GetResources',
    fault: 'access-denied',
    times: Number.POSITIVE_INFINITY,
  });
  const listed = await measure('listing (tag:GetResources denied)');
  const text = [
    '# Sweep discovery benchmark',
    '',
    `Last run: ${new Date().toISOString().slice(0, 10)} by \`bench/discovery.ts\`: a dry-run sweep of ${PREVIEWS} expired previews in an account that also holds ${UNRELATED} target groups of other teams (moto, counted by the fault proxy).`,
    '',
    '| discovery | previews found | AWS calls | step elapsed | calls |',
    '| --- | --- | --- | --- | --- |',
    byTags,
    listed,
    '',
  ].join('\n');
  writeFileSync(join(repoRoot, 'bench', 'discovery-results.md'), text);
  console.log(text);
} finally {
  await world.stop();
}
