// The sweep benchmark: N expired preview environments built in moto, swept by
// the preview-sweep bundle through the fault proxy emulating AWS's token buckets. Reports elapsed time
// against the floor the buckets impose, throttling answers, and calls per environment, and writes
// bench/sweep-results.md. Needs built bundles (`pnpm build preview-create preview-destroy preview-sweep`);
// run with `node --experimental-transform-types --no-warnings=ExperimentalWarning --import
// ./scripts/ts-resolve.mjs bench/sweep.ts` (SWEEP_BENCH_ENVIRONMENTS=N for another size).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBranchStates } from '../actions/preview-sweep/src/github.js';
import { renderBody } from '../packages/comment/src/body.js';
import { createOctokit, runContext } from '../packages/kit/src/index.js';
import { awsEnv, headSha, REPOSITORY, startWorld, TOKEN } from '../test/e2e/preview-env.js';
import { DAY, inventory, PROXY_BUCKETS, SWEEP, seedPreview } from '../test/e2e/sweep-env.js';
import { isMutating } from '../test/harness/aws/proxy.js';
import { repoRoot, runAction } from '../test/harness/runner.js';

const COUNT = Number(process.env.SWEEP_BENCH_ENVIRONMENTS ?? 200);

/** Time AWS's buckets need at least for these calls: the slowest bucket's (calls − burst) / refill. */
function floorSeconds(counts: Record<string, number>) {
  const sum = (pick: (service: string, op: string) => boolean) =>
    Object.entries(counts)
      .filter(([key]) => pick(key.split(':')[0]!, key.split(':')[1]!))
      .reduce((n, [, c]) => n + c, 0);
  const buckets = [
    {
      name: 'ELB mutating (20, 3/s)',
      calls: sum((s, o) => s === 'elasticloadbalancing' && isMutating(o)),
      burst: 20,
      rate: 3,
    },
    { name: 'ELB account (10/s)', calls: sum((s) => s === 'elasticloadbalancing'), burst: 40, rate: 10 },
    {
      name: 'ELB reads (40, 10/s)',
      calls: sum((s, o) => s === 'elasticloadbalancing' && !isMutating(o)),
      burst: 40,
      rate: 10,
    },
    {
      name: 'ECS service changes (50, 5/s)',
      calls: sum((s, o) => s === 'ecs' && /^(Create|Update|Delete)Service$/.test(o)),
      burst: 50,
      rate: 5,
    },
    {
      name: 'ECS DescribeServices (100, 20/s)',
      calls: sum((s, o) => s === 'ecs' && o === 'DescribeServices'),
      burst: 100,
      rate: 20,
    },
  ];
  // Not in the published figures we keep: the pacer's conservative guess for other ECS calls.
  const assumed = {
    name: 'ECS other calls (assumed 20, 5/s)',
    calls: sum(
      (s, o) =>
        s === 'ecs' && !/^(Create|Update|Delete)Service$|^DescribeServices$|^RegisterTaskDefinition$/.test(o),
    ),
    burst: 20,
    rate: 5,
    assumed: true,
  };
  return [...buckets.map((b) => ({ ...b, assumed: false })), assumed]
    .map((b) => ({ ...b, seconds: Math.max(0, (b.calls - b.burst) / b.rate) }))
    .sort((a, b) => b.seconds - a.seconds);
}

const world = await startWorld();
try {
  const { clients, sandbox } = world;
  const seedStart = Date.now();
  const created = new Date(Date.now() - 10 * DAY);
  // Rules on both listeners so that neither passes moto's per-listener limits; 8 at once.
  const listeners = [sandbox.httpsListenerArn ?? sandbox.httpListenerArn, sandbox.httpListenerArn];
  for (let i = 0; i < COUNT; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, COUNT - i) }, (_, j) =>
        seedPreview(clients, sandbox, {
          pr: 1000 + i + j,
          createdAt: created,
          listenerArn: listeners[(i + j) % 2],
        }),
      ),
    );
  }
  // Their PRs exist (a third open, a third closed, a third merged), and each has what real previews leave on
  // GitHub: a sticky comment with its row (after a few review comments), and two deployments from two pushes,
  // the earlier one superseded (inactive) and the latest live.
  const links = { serverUrl: 'https://github.com', repository: REPOSITORY };
  for (let i = 0; i < COUNT; i++) {
    const pr = 1000 + i;
    const sha = headSha(pr);
    world.gh.state.addPullRequest({
      number: pr,
      headSha: sha,
      ...(i % 3 === 1 ? { state: 'closed' as const } : {}),
      ...(i % 3 === 2 ? { state: 'closed' as const, merged: true } : {}),
    });
    for (let c = 0; c < 3; c++) {
      world.gh.state.addComment({
        issueNumber: pr,
        body: `Review ${c}`,
        user: { login: 'reviewer', type: 'User' },
      });
    }
    const row = {
      environment: 'preview',
      status: 'ready' as const,
      url: `https://pr-${pr}.preview.example.com/`,
      sha,
      runId: 10 + i,
      runAttempt: 1,
      at: created.toISOString(),
    };
    world.gh.state.addComment({ issueNumber: pr, body: renderBody('preview', { rows: [row] }, links) });
    for (const state of ['inactive', 'success'] as const) {
      const deployment = world.gh.state.addDeployment({
        ref: `feature/pr-${pr}`,
        sha,
        task: `preview:pr-${pr}`,
        environment: 'preview',
        transientEnvironment: true,
      });
      world.gh.state.addDeploymentStatus(deployment.id, { state, autoInactive: false });
    }
  }
  world.gh.requests.length = 0;
  console.log(`Seeded ${COUNT} expired environments in ${((Date.now() - seedStart) / 1000).toFixed(0)} s.`);

  world.proxy.setRateLimits(PROXY_BUCKETS);
  world.proxy.resetCounts();
  const result = await runAction({
    action: SWEEP,
    inputs: { cluster: sandbox.clusterName, 'max-deletions': String(COUNT * 2) },
    env: awsEnv(world),
    token: TOKEN,
    apiUrl: world.gh.url,
    repository: REPOSITORY,
    event: { name: 'schedule', payload: { schedule: '17 3 * * *' } },
    timeoutMs: 900_000,
  });
  const githubRequests = world.gh.requests.length;
  const githubWrites = world.gh.requests.filter(
    (r) => r.method !== 'GET' && r.operationId !== 'graphql',
  ).length;
  const githubByKind = new Map<string, number>();
  for (const r of world.gh.requests) {
    const kind = r.operationId === 'graphql' ? 'POST graphql' : `${r.method} ${r.operationId ?? r.path}`;
    githubByKind.set(kind, (githubByKind.get(kind) ?? 0) + 1);
  }
  const sticky = (pr: number) =>
    world.gh.state.comments(pr).find((c) => c.body.includes('ecs-actions/pr-comment'));
  const destroyedRows = Array.from({ length: COUNT }, (_, i) => sticky(1000 + i)).filter((c) =>
    c?.body.includes('Removed by preview-sweep'),
  ).length;
  const liveDeployments = world.gh.state
    .deployments()
    .filter((d) => d.task.startsWith('preview:pr-1') && d.statuses.at(-1)?.state !== 'inactive').length;
  const counts = world.proxy.counts();
  const throttled = world.proxy.throttled();
  const calls = world.proxy.calls.length;
  const first = world.proxy.calls[0]?.at ?? 0;
  const last = world.proxy.calls.at(-1)?.at ?? 0;
  const deleted = JSON.parse(result.outputs.deleted ?? '[]') as unknown[];
  const failed = JSON.parse(result.outputs.failed ?? '[]') as unknown[];
  const left = (await inventory(clients, sandbox)).filter((r) => Number(r.pr) >= 1000);
  const floors = floorSeconds(counts);
  // The floor counts AWS's published buckets only.
  const floor = floors.find((b) => !b.assumed)!;
  const elapsed = result.durationMs / 1000;
  const awsSpan = (last - first) / 1000;

  const lines = [
    '# preview-sweep benchmark',
    '',
    `Last run: ${new Date().toISOString().slice(0, 16)}Z by \`bench/sweep.ts\` (${COUNT} environments). moto with the fault proxy emulating AWS's published buckets per call (ELB mutating 20 + 3/s, ELB reads 40 + 10/s, ECS Create/Update/DeleteService 50 + 5/s, DescribeServices 100 + 20/s, RegisterTaskDefinition 20 + 1/s, and every other ECS call in one bucket of 20 + 5/s: the pacer's assumption, as no figure is published in the facts we keep); the proxy has one bucket per call, so the ELB account bucket (10/s over all ELB calls) is not emulated, but the pacer honours it and it is in the floor below.`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| environments swept | ${deleted.length} of ${COUNT} (failed: ${failed.length}; resources left: ${left.length}) |`,
    `| step exit code | ${result.exitCode} |`,
    `| elapsed (step: spawn to exit) | ${elapsed.toFixed(1)} s |`,
    `| elapsed (first to last AWS call) | ${awsSpan.toFixed(1)} s |`,
    `| floor imposed by the buckets | ${floor.seconds.toFixed(1)} s (${floor.name}: ${floor.calls} calls) |`,
    `| floor imposed by GitHub (one write a second, as its best practices ask) | ${githubWrites} s (${githubWrites} writes) |`,
    `| budget used (the larger floor / step elapsed) | **${((Math.max(floor.seconds, githubWrites) / elapsed) * 100).toFixed(1)} %** |`,
    `| throttling answers | **${throttled}** |`,
    `| AWS calls | ${calls} (${(calls / COUNT).toFixed(2)} per environment) |`,
    `| GitHub requests (REST and GraphQL, counted by the GitHub fake) | **${githubRequests}** (**${(githubRequests / COUNT).toFixed(2)} per environment**; target ≤ 3: ${githubRequests / COUNT <= 3 ? 'met' : 'NOT met'}; before this change ≈ 10) |`,
    `| share of a GITHUB_TOKEN's 1,000 requests an hour | ${((githubRequests / 1000) * 100).toFixed(1)} % (the run's github-request-budget: 500) |`,
    `| sticky comments with the destroyed row afterwards | ${destroyedRows} of ${COUNT} |`,
    `| deployments of the swept previews still live afterwards | ${liveDeployments} |`,
    '',
    '## GitHub requests by kind',
    '',
    '| request | count |',
    '| --- | --- |',
    ...[...githubByKind].map(([kind, n]) => `| ${kind} | ${n} |`),
    '',
    '## Floor per bucket',
    '',
    '| bucket | calls | floor |',
    '| --- | --- | --- |',
    ...floors.map((b) => `| ${b.name} | ${b.calls} | ${b.seconds.toFixed(1)} s |`),
    '',
    '## Calls per operation',
    '',
    '| operation | calls | per environment |',
    '| --- | --- | --- |',
    ...Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, n]) => `| ${op} | ${n} | ${(n / COUNT).toFixed(2)} |`),
    '',
  ];
  // Branch previews: the sweep asks whether each one's branch still exists. 250 branches, 120 of them deleted,
  // through the same function the bundle uses, counted by the GitHub fake.
  const branches = Array.from({ length: 250 }, (_, i) => `feature/bench-${i}`);
  branches.forEach((b, i) => {
    if (i % 25 < 13) world.gh.state.setRef(b, headSha(5000 + i));
  });
  world.gh.requests.length = 0;
  const env = { GITHUB_REPOSITORY: REPOSITORY, GITHUB_API_URL: world.gh.url };
  const states = await readBranchStates(createOctokit(TOKEN, env), runContext(env), branches);
  const branchRequests = world.gh.requests.length;
  const deletedBranches = [...states.values()].filter((st) => st.state === 'deleted').length;
  lines.push(
    '## Branch previews: which branches still exist',
    '',
    `| branches checked | GitHub requests | deleted found | expected deleted |`,
    '| --- | --- | --- | --- |',
    `| ${branches.length} | ${branchRequests} (GraphQL, 100 per query) | ${deletedBranches} | ${branches.filter((_, i) => i % 25 >= 13).length} |`,
    '',
  );
  const report = lines.join('\n');
  writeFileSync(join(repoRoot, 'bench', 'sweep-results.md'), report);
  console.log(report);
  if (result.exitCode !== 0) console.log(result.errors.join('\n'), result.stderr.slice(-2000));
} finally {
  await world.stop();
}
