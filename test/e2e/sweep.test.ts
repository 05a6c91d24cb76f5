import { join } from 'node:path';
import { CreateRuleCommand, DeleteRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderBody } from '../../packages/comment/src/body.js';
import { builtAction, repoRoot, type StepResult } from '../harness/runner.js';
import {
  CREATE,
  createInputs,
  headSha,
  type PreviewWorld,
  REPOSITORY,
  runForPr,
  startWorld,
} from './preview-env.js';
import { DAY, inventory, PROXY_BUCKETS, prsOf, seedPreview, sweepIn } from './sweep-env.js';

const PR_COMMENT = join(repoRoot, 'actions', 'pr-comment');

let world: PreviewWorld;
beforeAll(async () => {
  builtAction('preview-sweep');
  world = await startWorld();
});
afterAll(() => world?.stop());
afterEach(() => {
  world.proxy.clearFaults();
  world.proxy.setRateLimits({});
  world.gh.assertNoViolations();
});

/** Runs the sweep the way a scheduled workflow does. */
function sweep(inputs: Record<string, string> = {}): Promise<StepResult> {
  return sweepIn(world, inputs);
}

interface Listed {
  pr: number;
  reason: string;
  resources?: { kind: string; id: string }[];
}
const parse = (text: string | undefined): Listed[] => JSON.parse(text ?? '[]');
const reasons = (list: Listed[]) =>
  Object.fromEntries(list.map((d) => [d.pr, d.reason]).sort((a, b) => Number(a[0]) - Number(b[0])));

describe('preview-sweep through its bundle', () => {
  it('removes exactly the expired, closed-PR and orphaned previews; a dry run reports the same plan and removes nothing', async () => {
    const { clients, sandbox, gh } = world;
    const now = Date.now();
    const ago = (ms: number) => new Date(now - ms);

    // Two previews made by the real preview-create bundle: PR 1 stays open, PR 2 is merged afterwards.
    gh.state.addPullRequest({ number: 2, merged: true, headRef: 'feature/pr-2', headSha: headSha(2) });
    for (const pr of [1, 2]) {
      const created = await runForPr(world, CREATE, pr, createInputs(world));
      expect(created.errors).toEqual([]);
    }
    // PR 2's workflow keeps a sticky comment with the pr-comment bundle; the others have none.
    const commented = await runForPr(world, PR_COMMENT, 2, {
      status: 'ready',
      url: 'https://pr-2.preview.example.com',
    });
    expect(commented.errors).toEqual([]);
    expect(gh.state.comments(2)).toHaveLength(1);
    for (const [pr, state, merged] of [
      [3, 'open', false],
      [4, 'open', false],
      [5, 'open', false],
      [9, 'open', false],
      [10, 'closed', false],
      [11, 'open', false],
    ] as const) {
      gh.state.addPullRequest({ number: pr, state, merged, headSha: headSha(pr) });
    }
    // PR 3: expires-at passed. PR 4: expires-at ahead (ttl 30d) but created 9 days ago (max-age 7d).
    await seedPreview(clients, sandbox, { pr: 3, createdAt: ago(2 * DAY), ttlMs: DAY });
    await seedPreview(clients, sandbox, { pr: 4, createdAt: ago(9 * DAY), ttlMs: 30 * DAY });
    // PR 5: orphaned (service gone) for 3 hours. PR 6: no service yet, 5 minutes old: being created.
    await seedPreview(clients, sandbox, {
      pr: 5,
      createdAt: ago(3 * 60 * 60 * 1000),
      pieces: { service: false },
    });
    await seedPreview(clients, sandbox, {
      pr: 6,
      createdAt: ago(5 * 60 * 1000),
      pieces: { service: false, rule: false, taskDefinition: false },
    });
    // Foreign: no managed-by tag (7), another repository (8), another name prefix (12), all long expired.
    await seedPreview(clients, sandbox, { pr: 7, createdAt: ago(30 * DAY), unmanaged: true });
    await seedPreview(clients, sandbox, {
      pr: 8,
      createdAt: ago(30 * DAY),
      repository: 'octo-org/other',
      prefix: 'other',
    });
    await seedPreview(clients, sandbox, { pr: 12, createdAt: ago(30 * DAY), prefix: 'api' });
    // PR 9: fresh and open. PR 10: fresh, PR closed without merge. PR 11: only a task-definition family left.
    await seedPreview(clients, sandbox, { pr: 9, createdAt: ago(DAY) });
    await seedPreview(clients, sandbox, { pr: 10, createdAt: ago(DAY) });
    await seedPreview(clients, sandbox, {
      pr: 11,
      createdAt: ago(2 * 60 * 60 * 1000),
      pieces: { service: false, targetGroup: false, rule: false },
    });
    const before = await inventory(clients, sandbox);
    expect(prsOf(before)).toEqual(['1', '2', '3', '4', '5', '6', '7', '9', '10', '11', '12']);

    world.proxy.setRateLimits(PROXY_BUCKETS);
    world.proxy.resetCounts();
    const dry = await sweep({ 'dry-run': 'true' });
    expect(dry.errors).toEqual([]);
    expect(dry.exitCode).toBe(0);
    expect(await inventory(clients, sandbox)).toEqual(before);
    expect(world.proxy.calls.filter((c) => /^(Delete|Deregister)/.test(c.operation))).toEqual([]);
    const planned = parse(dry.outputs.deleted);
    const expected = {
      2: 'pr-merged',
      3: 'expired',
      4: 'expired',
      5: 'orphaned',
      10: 'pr-closed',
      11: 'orphaned',
    };
    expect(reasons(planned)).toEqual(expected);
    expect(reasons(parse(dry.outputs.kept))).toEqual({ 1: 'fresh', 6: 'creating', 9: 'fresh' });
    expect(dry.summary).toContain('dry run: nothing was removed');

    // Each sweep assumes AWS's buckets are full when it starts; the dry run a moment ago spent them, so
    // give the real run what a scheduled run gets (the SDK's retries would absorb the difference).
    world.proxy.setRateLimits(PROXY_BUCKETS);
    world.proxy.resetCounts();
    const real = await sweep();
    expect(real.errors).toEqual([]);
    expect(real.exitCode).toBe(0);
    expect(world.proxy.throttled()).toBe(0);
    const deleted = parse(real.outputs.deleted);
    // The same plan, resource for resource.
    expect(deleted).toEqual(planned);
    expect(reasons(parse(real.outputs.kept))).toEqual({ 1: 'fresh', 6: 'creating', 9: 'fresh' });
    expect(parse(real.outputs.failed)).toEqual([]);
    const kinds = (pr: number) =>
      deleted
        .find((d) => d.pr === pr)
        ?.resources?.map((r) => r.kind)
        .sort();
    expect(kinds(2)).toEqual(['listener-rule', 'service', 'target-group', 'task-definition']);
    expect(kinds(5)).toEqual(['listener-rule', 'target-group', 'task-definition']);
    expect(kinds(11)).toEqual(['task-definition']);

    // What remains: the kept previews and everything not ours, untouched, tags and all.
    const after = await inventory(clients, sandbox);
    const removedPrs = new Set(Object.keys(expected));
    expect(after).toEqual(
      before.filter(
        (r) => !(r.repository === REPOSITORY && r.prefix === 'shop' && r.managed && removedPrs.has(r.pr)),
      ),
    );
    expect(prsOf(after)).toEqual(['1', '6', '7', '9', '12']);
    expect(prsOf(after, 'octo-org/other')).toEqual(['8']);
    expect(
      after
        .filter((r) => r.pr === '1')
        .map((r) => r.kind)
        .sort(),
    ).toEqual(['listener-rule', 'service', 'target-group', 'task-definition']);

    // PR 2's GitHub deployment is marked inactive, as preview-destroy would.
    const deployment = gh.state.deployments().find((d) => d.task === 'preview:pr-2');
    expect(deployment?.statuses.at(-1)?.state).toBe('inactive');
    // PR 2's sticky comment row now says destroyed, with the reason; no comment appeared anywhere else.
    const [comment, ...more] = gh.state.comments(2);
    expect(more).toEqual([]);
    expect(comment?.body).toContain('Destroyed');
    expect(comment?.body).toContain('Removed by preview-sweep: PR merged.');
    for (const pr of [1, 3, 4, 5, 9, 10, 11]) expect(gh.state.comments(pr)).toEqual([]);
    expect(real.summary).toContain('Sticky comments: 1 set to destroyed, 5 PR(s) had none.');
    expect(real.summary).toMatch(/removed 6, kept 3/);
    expect(real.summary).toMatch(/\| #2 \| PR merged \|/);
    expect(real.summary).toMatch(/AWS API calls: \d+ in .*, 0 throttled/);
    expect(real.summary).toContain('| ecs:DeleteService |');

    // A second sweep finds nothing more to do.
    const again = await sweep();
    expect(again.exitCode).toBe(0);
    expect(parse(again.outputs.deleted)).toEqual([]);
  });

  it('reports an environment it cannot remove and removes all the others', async () => {
    const { clients, sandbox, gh } = world;
    const old = new Date(Date.now() - 10 * DAY);
    const seeded = [];
    for (const pr of [21, 22, 23, 24]) {
      gh.state.addPullRequest({ number: pr, headSha: headSha(pr) });
      seeded.push(await seedPreview(clients, sandbox, { pr, createdAt: old }));
    }
    // Someone else's rule (no suite tags) also forwards to PR 22's target group: AWS refuses to delete the
    // group while it is in use, and the sweep must not touch that rule.
    const { Rules } = await clients.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: sandbox.httpListenerArn,
        Priority: 500,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['hand-made.example.com'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: seeded[1]!.targetGroupArn }],
      }),
    );
    // And a transient server error on the first DeleteService: the SDK's retry absorbs it.
    world.proxy.inject({ operation: 'ecs:DeleteService', fault: 'server-error', status: 503 });

    const result = await sweep();
    expect(result.exitCode).toBe(1);
    expect(result.errors.join('\n')).toMatch(/target-group: Timed out .* — #22 \(shop-pr-22\)/);
    expect(reasons(parse(result.outputs.deleted))).toEqual({ 21: 'expired', 23: 'expired', 24: 'expired' });
    const failed = parse(result.outputs.failed);
    expect(reasons(failed)).toEqual({ 22: 'expired' });
    expect(failed[0]?.resources?.map((r) => r.kind).sort()).toEqual([
      'listener-rule',
      'service',
      'task-definition',
    ]);
    expect(result.summary).toContain('Failed (kept their tags');

    let left = await inventory(clients, sandbox);
    expect(left.filter((r) => ['21', '22', '23', '24'].includes(r.pr))).toEqual([
      expect.objectContaining({
        kind: 'target-group',
        pr: '22',
        managed: true,
        id: seeded[1]!.targetGroupArn,
      }),
    ]);

    // Once the hand-made rule is gone, the next sweep takes the leftover group as an orphan.
    await clients.elbv2.send(new DeleteRuleCommand({ RuleArn: Rules![0]!.RuleArn }));
    const next = await sweep();
    expect(next.exitCode).toBe(0);
    expect(parse(next.outputs.deleted)).toEqual([
      {
        pr: 22,
        key: 'pr-22',
        reason: 'orphaned',
        detail: expect.any(String),
        resources: [{ kind: 'target-group', id: expect.stringContaining('pr-22') }],
      },
    ]);
    left = await inventory(clients, sandbox);
    expect(left.filter((r) => ['21', '22', '23', '24'].includes(r.pr))).toEqual([]);
  }, 150_000);

  it('holds back deletions beyond max-deletions for the next run, oldest first', async () => {
    const { clients, sandbox, gh } = world;
    for (const [pr, days] of [
      [31, 20],
      [32, 12],
      [33, 15],
    ] as const) {
      gh.state.addPullRequest({ number: pr, headSha: headSha(pr) });
      await seedPreview(clients, sandbox, { pr, createdAt: new Date(Date.now() - days * DAY) });
    }
    // A dry run just before spends the (emulated) buckets the real run assumes full: the run still
    // succeeds, every throttling answer is absorbed, and the summary counts them as the proxy does.
    world.proxy.setRateLimits(PROXY_BUCKETS);
    await sweep({ 'max-deletions': '2', 'closed-prs': 'false', 'dry-run': 'true' });
    world.proxy.resetCounts();
    const result = await sweep({ 'max-deletions': '2', 'closed-prs': 'false' });
    expect(result.exitCode).toBe(0);
    expect(result.summary).toContain(`, ${world.proxy.throttled()} throttled`);
    expect(reasons(parse(result.outputs.deleted))).toEqual({ 31: 'expired', 33: 'expired' });
    expect(reasons(parse(result.outputs.kept))).toMatchObject({ 32: 'max-deletions' });
    expect(prsOf(await inventory(clients, sandbox))).toContain('32');
    expect(result.summary).toContain('Closed PRs and deleted branches were not checked: closed-prs is off.');
  });

  it('stays within github-request-budget: removals whose GitHub writes do not fit wait for the next run, which does them', async () => {
    const { clients, sandbox, gh } = world;
    const links = { serverUrl: 'https://github.com', repository: REPOSITORY };
    for (const [pr, days] of [
      [41, 20],
      [42, 19],
      [43, 18],
      [44, 17],
    ] as const) {
      gh.state.addPullRequest({ number: pr, headSha: headSha(pr) });
      await seedPreview(clients, sandbox, { pr, createdAt: new Date(Date.now() - days * DAY) });
      const row = {
        environment: 'preview',
        status: 'ready' as const,
        sha: headSha(pr),
        runId: 5,
        runAttempt: 1,
        at: new Date().toISOString(),
      };
      gh.state.addComment({ issueNumber: pr, body: renderBody('preview', { rows: [row] }, links) });
      // Six live deployments each (from before the suite retired earlier ones): seven writes per removal.
      for (let i = 0; i < 6; i++) {
        const d = gh.state.addDeployment({
          ref: 'main',
          sha: headSha(pr),
          task: `preview:pr-${pr}`,
          environment: 'preview',
          transientEnvironment: true,
        });
        gh.state.addDeploymentStatus(d.id, { state: 'success', autoInactive: false });
      }
    }
    const live = (pr: number) =>
      gh.state
        .deployments()
        .filter((d) => d.task === `preview:pr-${pr}` && d.statuses.at(-1)?.state === 'success').length;
    gh.requests.length = 0;
    // 20 requests, 5 % kept back: two reads and the comment check leave 16, two removals' 14 writes.
    const first = await sweep({ 'closed-prs': 'false', 'github-request-budget': '20' });
    expect(first.exitCode).toBe(0);
    // (Previews left by the tests before, which have no GitHub writes, may go in the same runs.)
    const ours = (list: Listed[]) => list.filter((d) => d.pr > 40 && d.pr < 45);
    expect(reasons(ours(parse(first.outputs.deleted)))).toEqual({ 41: 'expired', 42: 'expired' });
    expect(reasons(ours(parse(first.outputs.kept)))).toEqual({ 43: 'github-budget', 44: 'github-budget' });
    expect(gh.requests.length).toBeLessThanOrEqual(20);
    expect([41, 42, 43, 44].map(live)).toEqual([0, 0, 6, 6]);
    expect(first.summary).toContain('deferred: github-request-budget');
    expect(prsOf(await inventory(clients, sandbox))).toEqual(expect.arrayContaining(['43', '44']));

    gh.requests.length = 0;
    const second = await sweep({ 'closed-prs': 'false', 'github-request-budget': '20' });
    expect(reasons(ours(parse(second.outputs.deleted)))).toEqual({ 43: 'expired', 44: 'expired' });
    expect(gh.requests.length).toBeLessThanOrEqual(20);
    expect([41, 42, 43, 44].map(live)).toEqual([0, 0, 0, 0]);
    for (const pr of [41, 42, 43, 44]) {
      expect(gh.state.comments(pr)[0]?.body).toContain('Removed by preview-sweep: expired.');
    }
    expect(
      prsOf(await inventory(clients, sandbox)).filter((pr) => Number(pr) > 40 && Number(pr) < 45),
    ).toEqual([]);
  }, 150_000);

  it('finds previews by their tags, and by listing everything where tag:GetResources is denied, with the same plan', async () => {
    const { clients, sandbox, gh } = world;
    for (const pr of [51, 52]) {
      gh.state.addPullRequest({ number: pr, headSha: headSha(pr) });
      await seedPreview(clients, sandbox, { pr, createdAt: new Date(Date.now() - 20 * DAY) });
    }
    const planned = (r: StepResult) =>
      reasons(parse(r.outputs.deleted).filter((d) => d.pr === 51 || d.pr === 52));
    world.proxy.resetCounts();
    const byTags = await sweep({ 'closed-prs': 'false', 'dry-run': 'true' });
    expect(byTags.exitCode).toBe(0);
    expect(planned(byTags)).toEqual({ 51: 'expired', 52: 'expired' });
    expect(byTags.summary).toContain('Found by their tags (tag:GetResources).');
    const tagged = world.proxy.counts();
    expect(tagged['tagging:GetResources']).toBeGreaterThan(0);
    expect(tagged['ecs:ListServices']).toBeUndefined();

    world.proxy.inject({
      operation: 'tagging:GetResources',
      fault: 'access-denied',
      times: Number.POSITIVE_INFINITY,
    });
    world.proxy.resetCounts();
    const listed = await sweep({ 'closed-prs': 'false', 'dry-run': 'true' });
    expect(listed.exitCode).toBe(0);
    expect(planned(listed)).toEqual(planned(byTags));
    expect(listed.summary).toContain('Found by listing every service of the cluster');
    expect(listed.annotations.map((a) => a.message).join('\n')).toMatch(
      /tag:GetResources was denied \(AccessDenied/,
    );
    expect(world.proxy.counts()['ecs:ListServices']).toBe(1);
  }, 120_000);
});
