// preview-sweep from the starting points users have (issue: first contact): previews on a fresh ALB made just
// for them, and previews sharing a listener with 90 previews of another repository (several pages of rules
// and target groups). Each sweep removes exactly the expired preview of this repository and nothing else.
import { DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { crowdedListener, freshAlb } from '../harness/aws/starting-points.js';
import { runAction } from '../harness/runner.js';
import { awsEnv, REPOSITORY, TOKEN, taggedFor, usePreviewWorld } from './preview-env.js';
import { DAY, PROXY_BUCKETS, SWEEP, seedPreview } from './sweep-env.js';

const world = usePreviewWorld();

function sweep() {
  const w = world();
  return runAction({
    action: SWEEP,
    inputs: { cluster: w.sandbox.clusterName },
    env: awsEnv(w),
    token: TOKEN,
    apiUrl: w.gh.url,
    repository: REPOSITORY,
    event: { name: 'schedule', payload: { schedule: '17 3 * * *' } },
  });
}

async function rulesOf(listenerArn: string) {
  const rules = [];
  let Marker: string | undefined;
  do {
    const page = await world().clients.elbv2.send(
      new DescribeRulesCommand({ ListenerArn: listenerArn, Marker, PageSize: 400 }),
    );
    rules.push(...(page.Rules ?? []).filter((r) => !r.IsDefault));
    Marker = page.NextMarker;
  } while (Marker);
  return rules;
}

/** Seeds an expired and a fresh preview on `listenerArn`, sweeps, and checks that only the expired one went. */
async function sweepOn(listenerArn: string, expired: number, fresh: number) {
  const w = world();
  for (const pr of [expired, fresh]) w.gh.state.addPullRequest({ number: pr, headRef: `feature/${pr}` });
  const now = Date.now();
  await seedPreview(w.clients, w.sandbox, {
    pr: expired,
    createdAt: new Date(now - 3 * DAY),
    ttlMs: DAY,
    listenerArn,
  });
  await seedPreview(w.clients, w.sandbox, { pr: fresh, createdAt: new Date(now - DAY), listenerArn });
  w.proxy.setRateLimits(PROXY_BUCKETS);
  const result = await sweep();
  w.proxy.setRateLimits({});
  expect(result.errors).toEqual([]);
  expect(
    (JSON.parse(result.outputs.deleted ?? '[]') as { pr: number; reason: string }[]).map((d) => [
      d.pr,
      d.reason,
    ]),
  ).toEqual([[expired, 'expired']]);
  expect(await taggedFor(w, expired, [listenerArn])).toEqual({
    services: [],
    targetGroups: [],
    rules: [],
    taskDefinitions: [],
  });
  const kept = await taggedFor(w, fresh, [listenerArn]);
  expect([
    kept.services.length,
    kept.targetGroups.length,
    kept.rules.length,
    kept.taskDefinitions.length,
  ]).toEqual([1, 1, 1, 1]);
}

describe('preview-sweep from realistic starting points', () => {
  it('1. previews on a fresh ALB made for them (HTTPS only, fixed-response default)', async () => {
    const alb = await freshAlb(world().moto.endpoint, world().sandbox);
    await sweepOn(alb.listenerArn, 701, 702);
  });

  it('3. previews sharing a listener with 90 previews of another repository: theirs are untouched', async () => {
    const crowded = await crowdedListener(world().moto.endpoint, world().sandbox, 90, 'octo-org/other');
    const before = await rulesOf(crowded.listenerArn);
    expect(before).toHaveLength(90);
    await sweepOn(crowded.listenerArn, 703, 704);
    const after = await rulesOf(crowded.listenerArn);
    // Their 90 rules stay; ours: the fresh preview's rule.
    expect(after.map((r) => r.RuleArn).filter((arn) => before.some((b) => b.RuleArn === arn))).toHaveLength(
      90,
    );
    expect(after).toHaveLength(91);
  });
});
