import { keyTags, type PreviewKey, prKey, suiteTags, type Tags } from '@ecs-actions/kit';
import { type FakeWorld, fakeAws } from '@ecs-actions/testing';
import { describe, expect, it } from 'vitest';
import type { SweepInputs } from './inputs.js';
import type { PrState } from './plan.js';
import { runSweep, type SweepDeps, type SweepGitHub } from './run.js';

const NOW = Date.parse('2026-11-22T04:00:00Z');
const DAY = 86_400_000;
const REPO = 'octo-org/shop';

const INPUTS: SweepInputs = {
  region: 'us-east-1',
  cluster: 'previews',
  namePrefix: undefined,
  maxAgeMs: 7 * DAY,
  closedPrs: true,
  dryRun: false,
  maxDeletions: 100,
  deregisterTaskDefinitions: true,
  githubDeployments: true,
  deploymentEnvironment: 'preview',
  stickyComment: true,
  commentKey: 'preview',
  commentRow: 'preview',
  githubToken: undefined,
  githubRequestBudget: 500,
  sleepSchedule: undefined,
  idleAfterMs: undefined,
  wakeTimeoutMs: 300_000,
  fargateRates: {},
};

const tagsFor = (pr: number, createdDaysAgo: number): Tags =>
  suiteTags({
    repository: REPO,
    keyTags: keyTags(prKey(pr)),
    namePrefix: 'shop',
    now: new Date(NOW - createdDaysAgo * DAY),
    ttlMs: 7 * DAY,
  });

/** PR 1 fresh and open, 2 expired, 3 expired but its target group refuses deletion, 4 fresh with its PR closed. */
function world(): FakeWorld {
  const w: FakeWorld = {
    services: [],
    groups: [],
    families: [],
    failing: new Set(['DeleteTargetGroup:shop-pr-3']),
  };
  for (const [pr, age] of [
    [1, 1],
    [2, 9],
    [3, 9],
    [4, 1],
  ] as const) {
    const tags = tagsFor(pr, age);
    w.services.push({
      name: `shop-pr-${pr}`,
      status: 'ACTIVE',
      tags,
      taskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/shop-pr-${pr}:1`,
    });
    w.groups.push({ name: `shop-pr-${pr}`, tags });
    w.families.push({ name: `shop-pr-${pr}`, tags });
  }
  return w;
}

function deps(w: FakeWorld, extra: Partial<SweepDeps> = {}, extraGithub: Partial<SweepGitHub> = {}) {
  const fake = fakeAws(w);
  const marked: [number, string][] = [];
  const warnings: string[] = [];
  let requests = 0;
  const github: SweepGitHub = {
    comments: true,
    requests: () => requests,
    readPrStates: async (prs) => {
      requests++;
      return new Map<number, PrState>(prs.map((pr) => [pr, { state: pr === 4 ? 'closed' : 'open' }]));
    },
    readBranchStates: async (branches) => {
      requests++;
      return new Map(branches.map((b) => [b, { state: 'exists' as const }]));
    },
    prepare: async (keys) => {
      requests++;
      return new Map(keys.map((key) => [key.id, { key, writes: 2 }]));
    },
    write: async (key, reason) => {
      requests += 2;
      const pr = key.kind === 'pr' ? key.pr : 0;
      marked.push([pr, reason]);
      return { comment: pr === 4 ? 'no-comment' : 'updated', deactivated: 1 };
    },
    verify: async () => 0,
    markSleep: async () => false,
    warnExpiry: async () => false,
  };
  const d: SweepDeps = {
    ecs: fake.ecs,
    elb: fake.elb,
    github: { ...github, ...extraGithub },
    context: {
      repository: REPO,
      owner: 'octo-org',
      repo: 'shop',
      eventName: 'schedule',
      payload: {},
      sha: '',
      runUrl: undefined,
      prHeadSha: undefined,
      headSha: '',
      runId: 0,
      runAttempt: 0,
      serverUrl: 'https://github.com',
      actor: 'octocat',
    },
    clock: { now: () => NOW, sleep: async () => {} },
    log: () => {},
    warn: (line) => warnings.push(line),
    ...extra,
  };
  return { d, calls: fake.calls, marked, warnings };
}

const byPr = (list: { key: PreviewKey; reason: string }[]) =>
  Object.fromEntries(list.map((x) => [x.key.kind === 'pr' ? x.key.pr : x.key.branch, x.reason]));

describe('runSweep', () => {
  it('removes expired and closed-PR previews, reports the one that fails, and marks only removed ones destroyed', async () => {
    const w = world();
    const { d, marked } = deps(w);
    const result = await runSweep(INPUTS, d);
    expect(byPr(result.deleted)).toEqual({ 2: 'expired', 4: 'pr-closed' });
    expect(byPr(result.kept)).toEqual({ 1: 'fresh' });
    expect(byPr(result.failed)).toEqual({ 3: 'expired' });
    expect(result.failed[0]?.errors).toEqual([
      { kind: 'target-group', id: 'shop-pr-3', error: 'DeleteTargetGroup refused' },
    ]);
    expect(marked.sort()).toEqual([
      [2, 'expired'],
      [4, 'pr-closed'],
    ]);
    expect(result.comments).toEqual({ updated: 1, noComment: 1, readOnly: 0, failed: 0, wired: true });
    expect(result.deactivatedDeployments).toBe(2);
    expect(w.services.filter((s) => s.status === 'ACTIVE').map((s) => s.name)).toEqual(['shop-pr-1']);
    expect(w.groups.map((g) => g.name)).toEqual(['shop-pr-1', 'shop-pr-3']);
    expect(w.families.map((f) => f.name)).toEqual(['shop-pr-1']);
  });

  it('in a dry run plans the same removals, with their resources, and changes nothing', async () => {
    const w = world();
    const { d, calls, marked } = deps(w);
    const result = await runSweep({ ...INPUTS, dryRun: true }, d);
    expect(byPr(result.deleted)).toEqual({ 2: 'expired', 3: 'expired', 4: 'pr-closed' });
    expect(result.deleted[0]?.resources.map((r) => r.kind)).toEqual([
      'service',
      'listener-rule',
      'target-group',
      'task-definition',
    ]);
    expect(calls.filter((c) => /^(Delete|Deregister)/.test(c))).toEqual([]);
    expect(marked).toEqual([]);
    expect(w).toEqual(world());
  });

  it('warns when the comment update fails, and still counts the environment as removed', async () => {
    const w = world();
    w.failing = new Set();
    const { d, warnings } = deps(
      w,
      {},
      {
        write: async () => {
          throw new Error('HTTP 500');
        },
      },
    );
    const result = await runSweep(INPUTS, d);
    expect(byPr(result.deleted)).toEqual({ 2: 'expired', 3: 'expired', 4: 'pr-closed' });
    expect(result.comments).toEqual({ updated: 0, noComment: 0, readOnly: 0, failed: 3, wired: true });
    expect(warnings.filter((w) => w.includes('GitHub follow-ups not written: HTTP 500'))).toHaveLength(3);
  });

  it('without a PR reader or token keeps previews whose only reason would be a closed PR', async () => {
    const { d, warnings } = deps(world(), { github: undefined });
    const result = await runSweep({ ...INPUTS, dryRun: true }, d);
    expect(byPr(result.kept)).toEqual({ 1: 'fresh', 4: 'fresh' });
    expect(result.prCheck).toBe('no github-token');
    expect(warnings).toEqual([
      'closed-prs is on but there is no github-token: PR and branch states were not checked.',
    ]);
  });

  it('keeps the removals whose GitHub writes do not fit in the request budget for the next run (typed fakes: the budget arithmetic)', async () => {
    const w = world();
    w.failing = new Set();
    // 2 requests used before planning, 5 % margin and 1 for the check: 20 → 19 − 2 − 1 = 16 for writes.
    const { d, marked } = deps(
      w,
      {},
      { prepare: async (keys) => new Map(keys.map((key) => [key.id, { key, writes: 7 }])) },
    );
    const result = await runSweep({ ...INPUTS, githubRequestBudget: 20 }, d);
    expect(byPr(result.deleted)).toEqual({ 2: 'expired', 3: 'expired' });
    expect(byPr(result.kept)).toEqual({ 1: 'fresh', 4: 'github-budget' });
    expect(result.kept.find((k) => k.key.id === 'pr-4')?.detail).toMatch(
      /github-request-budget \(20\) would be exceeded: the next run takes it/,
    );
    expect(marked.map(([pr]) => pr).sort()).toEqual([2, 3]);
    expect(w.services.filter((s) => s.status === 'ACTIVE').map((s) => s.name)).toEqual([
      'shop-pr-1',
      'shop-pr-4',
    ]);
  });
});
