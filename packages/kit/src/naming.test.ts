import { describe, expect, it } from 'vitest';
import { dnsLabel, ecsName, fitName, LIMITS, previewBaseName, slugify, targetGroupName } from './naming.js';

// Deterministic pseudo-random generator so the 1,000 names are the same on every run.
function* names(seed: number, count: number): Generator<string> {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state;
  };
  const pieces = [
    'feature/',
    'fix-',
    'Ünïcödé',
    '日本語',
    'emoji-🚀',
    'UPPER',
    '__',
    '--',
    '.',
    ' ',
    'a'.repeat(50),
    'internal-',
    '/',
    'x',
  ];
  for (let i = 0; i < count; i++) {
    let name = '';
    const length = next() % 12;
    for (let j = 0; j < length; j++) name += pieces[next() % pieces.length];
    yield i % 50 === 0 ? 'b'.repeat(200) : name;
  }
}

describe('naming', () => {
  it('holds AWS limits for 1,000 generated branch names and prefixes', () => {
    const seen = new Map<string, string>();
    for (const text of names(42, 1000)) {
      const pr = text.length % 7 === 0 ? 123456 : 42;
      const tg = targetGroupName(text, `pr-${pr}`);
      expect(tg.length).toBeLessThanOrEqual(LIMITS.targetGroupName);
      expect(tg).toMatch(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/);
      expect(tg.startsWith('internal-')).toBe(false);
      expect(tg.endsWith(`-pr-${pr}`)).toBe(true);
      const label = dnsLabel(text);
      expect(label.length).toBeLessThanOrEqual(LIMITS.dnsLabel);
      expect(label).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
      const service = ecsName(previewBaseName(text, `pr-${pr}`));
      expect(service.length).toBeLessThanOrEqual(LIMITS.serviceName);
      expect(service).toMatch(/^[A-Za-z0-9_-]+$/);
      // Stable: the same input always gives the same name.
      expect(targetGroupName(text, `pr-${pr}`)).toBe(tg);
      // Distinct prefixes that slug differently never share a target group name.
      const key = `${slugify(text)}|${pr}`;
      const previous = seen.get(tg);
      if (previous !== undefined && previous !== key && slugify(text) !== '') {
        expect.fail(`collision: ${tg} for ${previous} and ${key}`);
      }
      if (slugify(text) !== '') seen.set(tg, key);
    }
  });

  it('keeps short names as they are and hash-suffixes long ones', () => {
    expect(targetGroupName('web', 'pr-7')).toBe('web-pr-7');
    const a = targetGroupName('my-very-long-repository-name-alpha', 'pr-12');
    const b = targetGroupName('my-very-long-repository-name-bravo', 'pr-12');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^my-very-long-repo[a-z0-9-]*-[0-9a-f]{6}-pr-12$/);
    expect(fitName('abcdef', 10)).toBe('abcdef');
    expect(fitName('a'.repeat(40), 20)).toHaveLength(20);
  });

  it('slugs branch names for DNS', () => {
    expect(slugify('Feature/Add_Ünïcode--Stuff!')).toBe('feature-add-unicode-stuff');
    expect(dnsLabel('日本語')).toMatch(/^[0-9a-f]{6}$/);
  });
});
