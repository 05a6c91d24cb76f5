import { describe, expect, it } from 'vitest';
import { LIMITS, previewBaseName, targetGroupName } from './naming.js';
import { branchKey, compareKeys, keyLabel, keyOfTags, keyTags, prKey, validBranch } from './preview-key.js';
import { TAG } from './tags.js';

describe('preview keys', () => {
  it('keys a PR by its number and a branch whose name is already a slug by that name', () => {
    expect(prKey(42).id).toBe('pr-42');
    expect(branchKey('main').id).toBe('br-main');
    expect(branchKey('feature-x').id).toBe('br-feature-x');
    expect(keyLabel(branchKey('feature/x'))).toBe('branch feature/x');
  });

  it('adds a hash of the exact name whenever slugging changed it, so look-alike branches never share a key', () => {
    const ids = [
      'feature/x',
      'feature-x',
      'Feature-X',
      'feature_x',
      'feature.x',
      'feature//x'.replace('//', '/-'),
    ].map((b) => branchKey(b).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(branchKey('feature/x').id).toMatch(/^br-feature-x-[0-9a-f]{6}$/);
    // Stable across runs.
    expect(branchKey('feature/x').id).toBe(branchKey('feature/x').id);
  });

  it('shortens long branches with a hash and keeps two that share a long beginning apart', () => {
    const long = `renovate/${'a'.repeat(120)}`;
    const a = branchKey(`${long}-one`);
    const b = branchKey(`${long}-two`);
    expect(a.id).not.toBe(b.id);
    expect(a.id.length).toBeLessThanOrEqual(3 + 32 + 7);
    for (const key of [a, b, branchKey('x'), prKey(123456)]) {
      const tg = targetGroupName('my-quite-long-repository-name', key.id);
      expect(tg.length).toBeLessThanOrEqual(LIMITS.targetGroupName);
      expect(tg).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
    }
    expect(targetGroupName('web', a.id)).not.toBe(targetGroupName('web', b.id));
    expect(previewBaseName('web', 'br-main')).toBe('web-br-main');
  });

  it('round-trips through tags, encoding what tag values cannot hold', () => {
    for (const key of [
      prKey(7),
      branchKey('main'),
      branchKey('feature/x'),
      branchKey("fix/it's-#12!"),
      branchKey('ünï/çødé'),
    ]) {
      const tags = keyTags(key);
      for (const value of Object.values(tags)) expect(value).toMatch(/^[\p{L}\p{N}_.:/=+\-@]+$/u);
      expect(keyOfTags(tags)).toEqual(key);
    }
    expect(keyTags(branchKey("fix/it's-#12!"))[TAG.branch]).toMatch(/^b64:/);
    expect(keyOfTags({ [TAG.pr]: 'x' })).toBeUndefined();
    expect(keyOfTags({})).toBeUndefined();
  });

  it('refuses names git refuses and names too long for a tag, naming the rule', () => {
    for (const bad of ['', 'a b', 'a..b', 'a:b', 'x/', '-x', 'a.lock', 'a~1'])
      expect(validBranch(bad)).toBe(false);
    expect(() => branchKey('a b')).toThrow(/not a branch name git allows/);
    expect(() => branchKey(`x/${'é'.repeat(200)}!`)).toThrow(/256-character AWS tag value/);
  });

  it('orders PRs by number before branches by name', () => {
    const keys = [branchKey('b'), prKey(10), branchKey('a'), prKey(2)];
    expect(keys.sort(compareKeys).map((k) => k.id)).toEqual(['pr-2', 'pr-10', 'br-a', 'br-b']);
  });
});
