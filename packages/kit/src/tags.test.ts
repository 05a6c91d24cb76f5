import { describe, expect, it } from 'vitest';
import { fromTags, isOwned, MANAGED_BY, suiteTags, TAG, toEcsTags, toElbTags } from './tags.js';

describe('tags', () => {
  it('writes managed-by, repository, PR, created-at and expires-at', () => {
    const tags = suiteTags({
      repository: 'o/r',
      keyTags: { [TAG.pr]: '7' },
      now: new Date('2026-11-22T04:00:00.123Z'),
      ttlMs: 86_400_000,
    });
    expect(tags).toEqual({
      [TAG.managedBy]: MANAGED_BY,
      [TAG.repository]: 'o/r',
      [TAG.pr]: '7',
      [TAG.createdAt]: '2026-11-22T04:00:00Z',
      [TAG.expiresAt]: '2026-11-23T04:00:00Z',
    });
  });

  it('owns only what carries managed-by and this repository', () => {
    const ours = suiteTags({ repository: 'o/r', now: new Date() });
    expect(isOwned(ours, 'o/r')).toBe(true);
    expect(isOwned(ours, 'o/other')).toBe(false);
    expect(isOwned({ [TAG.repository]: 'o/r' }, 'o/r')).toBe(false);
  });

  it('round-trips through both SDK shapes', () => {
    const tags = { a: '1', b: '2' };
    expect(fromTags(toEcsTags(tags))).toEqual(tags);
    expect(fromTags(toElbTags(tags))).toEqual(tags);
  });
});
