import { keyTags, prKey, suiteTags, type Tags } from '@ecs-actions/kit';
import { type FakeWorld, fakeAws, fakeClock } from '@ecs-actions/testing';
import { describe, expect, it } from 'vitest';
import { findPreview } from './discover.js';
import { teardownPreview } from './teardown.js';

// findPreview and teardownPreview against the typed fake of ECS and ELB (packages/testing): unit tests of
// the preview domain; the end-to-end tests run the same code against moto.
const REPO = 'octo-org/shop';
const tagsFor = (pr: number, repository = REPO): Tags =>
  suiteTags({
    repository,
    keyTags: keyTags(prKey(pr)),
    namePrefix: 'shop',
    now: new Date('2026-11-01T00:00:00Z'),
    ttlMs: 86_400_000,
  });

function world(pr: number, over: Partial<FakeWorld> = {}): FakeWorld {
  return {
    services: [
      {
        name: `shop-pr-${pr}`,
        status: 'ACTIVE',
        tags: tagsFor(pr),
        taskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/shop-pr-${pr}:1`,
      },
    ],
    groups: [{ name: `shop-pr-${pr}`, tags: tagsFor(pr) }],
    families: [{ name: `shop-pr-${pr}`, tags: tagsFor(pr) }],
    ...over,
  };
}
const target = (pr: number) => ({ cluster: 'previews', repository: REPO, prefix: 'shop', key: prKey(pr) });

describe('findPreview (typed fake)', () => {
  it("finds the PR's service, target group, rule and revisions by name, owned by tags", async () => {
    const fake = fakeAws(world(7));
    const found = await findPreview(fake, target(7));
    expect(found.service?.name).toBe('shop-pr-7');
    expect(found.targetGroup?.name).toBe('shop-pr-7');
    expect(found.rules.map((r) => r.hosts)).toEqual([['shop-pr-7.example.com']]);
    expect(found.family?.name).toBe('shop-pr-7');
    expect(found.taskDefinitions).toHaveLength(1);
    expect(found.foreign).toEqual([]);
  });

  it("lists what has the PR's names but not its tags as foreign, and leaves it out", async () => {
    const other = tagsFor(7, 'octo-org/other');
    const fake = fakeAws(
      world(7, {
        services: [{ name: 'shop-pr-7', status: 'ACTIVE', tags: other }],
        groups: [{ name: 'shop-pr-7', tags: other }],
        families: [{ name: 'shop-pr-7', tags: other }],
      }),
    );
    const found = await findPreview(fake, target(7));
    expect(found.service).toBeUndefined();
    expect(found.targetGroup).toBeUndefined();
    expect(found.family).toBeUndefined();
    expect(found.foreign).toEqual([
      'service shop-pr-7',
      'target group shop-pr-7',
      'task definition family shop-pr-7',
    ]);
  });

  it('finds nothing, without errors, where nothing exists', async () => {
    const found = await findPreview(fakeAws({ services: [], groups: [], families: [] }), target(8));
    expect(found).toMatchObject({ rules: [], taskDefinitions: [], foreign: [] });
    expect(found.service ?? found.targetGroup ?? found.family).toBeUndefined();
  });
});

describe('teardownPreview (typed fake)', () => {
  const options = { cluster: 'previews', deregisterTaskDefinitions: true, clock: fakeClock() };

  it('removes in the order AWS requires and leaves nothing; a second run finds nothing to do', async () => {
    const w = world(7);
    const fake = fakeAws(w);
    const result = await teardownPreview(fake, await findPreview(fake, target(7)), options);
    expect(result.failed).toEqual([]);
    expect(result.removed.map((r) => r.kind)).toEqual([
      'service',
      'listener-rule',
      'target-group',
      'task-definition',
    ]);
    expect(w.services[0]?.status).toBe('INACTIVE');
    expect(w.groups).toEqual([]);
    expect(w.families).toEqual([]);
    const again = await teardownPreview(fake, await findPreview(fake, target(7)), options);
    expect(again).toEqual({ removed: [], failed: [] });
  });

  it('dry run: lists the same resources in the same order and changes nothing', async () => {
    const w = world(7);
    const fake = fakeAws(w);
    const found = await findPreview(fake, target(7));
    const before = JSON.stringify(w);
    const dry = await teardownPreview(fake, found, { ...options, dryRun: true });
    expect(JSON.stringify(w)).toBe(before);
    expect(fake.calls.filter((c) => /^(Delete|Deregister)/.test(c))).toEqual([]);
    const real = await teardownPreview(fake, found, options);
    expect(dry.removed).toEqual(real.removed);
  });

  it('records a failure and still removes the rest (they keep their tags for the next run)', async () => {
    const w = world(7, { failing: new Set(['DeleteRule:shop-pr-7']) });
    const fake = fakeAws(w);
    const result = await teardownPreview(fake, await findPreview(fake, target(7)), {
      ...options,
      releaseTimeoutMs: 0,
    });
    expect(result.failed.map((f) => f.kind)).toContain('listener-rule');
    expect(result.removed.map((r) => r.kind)).toEqual(expect.arrayContaining(['service', 'task-definition']));
  });
});
