import { branchKey, keyTags, MANAGED_BY, prKey, suiteTags, TAG, type Tags } from '@ecs-actions/kit';
import { type FakeService, type FakeWorld, fakeAws } from '@ecs-actions/testing';
import { describe, expect, it } from 'vitest';
import { findPreviews, ownedKey } from './find-previews.js';

const REPO = 'octo-org/shop';

const tagsFor = (pr: number | string, extra: Partial<{ repository: string; prefix: string }> = {}) =>
  suiteTags({
    repository: extra.repository ?? REPO,
    keyTags: keyTags(typeof pr === 'number' ? prKey(pr) : branchKey(pr)),
    namePrefix: extra.prefix ?? 'shop',
    now: new Date('2026-11-01T00:00:00Z'),
    ttlMs: 86_400_000,
  });

describe('findPreviews', () => {
  it('reads 45 services, 60 groups and rules in batches AWS accepts, and keeps only what carries our tags', async () => {
    const services: FakeService[] = [];
    const groups: FakeWorld['groups'] = [];
    const families: { name: string; tags: Tags }[] = [];
    for (let pr = 1; pr <= 30; pr++) {
      services.push({
        name: `shop-pr-${pr}`,
        status: 'ACTIVE',
        tags: tagsFor(pr),
        taskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/shop-pr-${pr}:3`,
      });
      groups.push({ name: `shop-pr-${pr}`, tags: tagsFor(pr) });
      families.push({ name: `shop-pr-${pr}`, tags: tagsFor(pr) });
    }
    // Deleted services linger as INACTIVE; look-alikes without managed-by; another repository; another prefix.
    for (let pr = 31; pr <= 35; pr++)
      services.push({ name: `shop-pr-${pr}`, status: 'INACTIVE', tags: tagsFor(pr) });
    const unmanaged = { ...tagsFor(40) };
    delete unmanaged[TAG.managedBy];
    services.push({ name: 'shop-pr-40', status: 'ACTIVE', tags: unmanaged });
    groups.push({ name: 'shop-pr-40', tags: unmanaged });
    families.push({ name: 'shop-pr-40', tags: unmanaged });
    for (let pr = 41; pr <= 49; pr++) {
      services.push({
        name: `shop-pr-${pr}`,
        status: 'ACTIVE',
        tags: tagsFor(pr, { repository: 'octo-org/other' }),
      });
      groups.push({ name: `other-pr-${pr}`, tags: tagsFor(pr, { repository: 'octo-org/other' }) });
    }
    for (let pr = 50; pr < 70; pr++)
      groups.push({ name: `api-pr-${pr}`, tags: tagsFor(pr, { prefix: 'api' }) });
    // An orphaned family: its service and group are gone, its tags are ours.
    families.push({ name: 'shop-pr-77', tags: tagsFor(77) });
    // A group whose service runs in another cluster: ECS has registered its tasks.
    groups.push({ name: 'shop-pr-88', tags: tagsFor(88), targets: 2 });

    const fake = fakeAws({ services, groups, families });
    const found = await findPreviews(fake, { cluster: 'previews', repository: REPO, prefix: 'shop' });

    expect(found.previews.map((e) => e.key.id)).toEqual([
      ...Array.from({ length: 30 }, (_, i) => `pr-${i + 1}`),
      'pr-77',
      'pr-88',
    ]);
    const first = found.previews[0]!;
    expect(first.service?.name).toBe('shop-pr-1');
    expect(first.targetGroup?.name).toBe('shop-pr-1');
    expect(first.rules).toHaveLength(1);
    expect(first.family?.name).toBe('shop-pr-1');
    expect(found.previews.at(-2)).toMatchObject({
      key: prKey(77),
      rules: [],
      family: { name: 'shop-pr-77' },
    });
    expect(found.previews.at(-2)?.service).toBeUndefined();
    expect(found.previews.at(-1)).toMatchObject({ key: prKey(88), registeredTargets: 2 });
    // Target health is read only for groups without a service here.
    expect(fake.calls.filter((c) => c === 'DescribeTargetHealth')).toHaveLength(1);
    expect(first.registeredTargets).toBeUndefined();
    // The 20 api-prefix groups (their rules are never read: they forward to groups that are not ours).
    expect(found.otherPrefixes).toBe(20);
    const count = (op: string) => fake.calls.filter((c) => c === op).length;
    expect(count('ListServices')).toBe(1);
    expect(count('DescribeServices')).toBe(Math.ceil(services.length / 10));
    // Tags of every group (60 → 3 calls), then of the rules forwarding to our 30 groups (2 calls).
    expect(count('DescribeTags')).toBe(Math.ceil(groups.length / 20) + 2);
    // Families run by our services need no read; the orphaned one and the look-alike do.
    expect(count('DescribeTaskDefinition')).toBe(2);
  });
});

describe('findPreviews with branch previews', () => {
  it('groups a branch preview by its branch tag beside PR previews, and takes no family whose tags name another branch', async () => {
    const feature = branchKey('feature/x');
    const name = `shop-${feature.id}`;
    const fake = fakeAws({
      services: [
        { name: 'shop-pr-1', status: 'ACTIVE', tags: tagsFor(1) },
        { name, status: 'ACTIVE', tags: tagsFor('feature/x') },
      ],
      groups: [
        { name: 'shop-pr-1', tags: tagsFor(1) },
        { name, tags: tagsFor('feature/x') },
      ],
      families: [
        { name, tags: tagsFor('feature/x') },
        // Named like branch `main`'s family but tagged for another branch: not main's, not feature/x's.
        { name: 'shop-br-main', tags: tagsFor('feature/x') },
        { name: 'shop-br-orphan', tags: tagsFor('orphan') },
      ],
    });
    const found = await findPreviews(fake, { cluster: 'previews', repository: REPO, prefix: 'shop' });
    expect(found.previews.map((e) => e.key.id)).toEqual(['pr-1', feature.id, 'br-orphan']);
    const branch = found.previews.find((e) => e.key.id === feature.id)!;
    expect(branch.key).toEqual(feature);
    expect(branch.service?.name).toBe(name);
    expect(branch.targetGroup?.name).toBe(name);
    expect(branch.family?.name).toBe(name);
    expect(found.previews.find((e) => e.key.id === 'br-orphan')?.family?.name).toBe('shop-br-orphan');
  });
});

describe('ownedKey', () => {
  it('needs managed-by, this repository, this prefix and a PR number or branch', () => {
    const scope = { cluster: 'c', repository: REPO, prefix: 'shop' };
    expect(ownedKey(tagsFor(5), scope)).toEqual(prKey(5));
    expect(ownedKey(tagsFor('feature/x'), scope)).toEqual(branchKey('feature/x'));
    expect(ownedKey({ ...tagsFor(5), [TAG.managedBy]: 'someone' }, scope)).toBeUndefined();
    expect(ownedKey(tagsFor(5, { repository: 'octo-org/other' }), scope)).toBeUndefined();
    expect(ownedKey(tagsFor(5, { prefix: 'api' }), scope)).toBeUndefined();
    expect(ownedKey({ ...tagsFor(5), [TAG.pr]: 'x' }, scope)).toBeUndefined();
    expect(MANAGED_BY).toBe('ecs-actions');
  });
});
