import { describe, expect, it } from 'vitest';
import { choosePriority } from './priority.js';

describe('choosePriority', () => {
  it('is stable for one PR, differs between PRs, and stays in range', () => {
    const used = new Set<number>();
    const a = choosePriority(used, [10000, 49999], 'o/r#1');
    expect(choosePriority(used, [10000, 49999], 'o/r#1')).toBe(a);
    const picks = new Set(
      Array.from({ length: 50 }, (_, i) => choosePriority(used, [10000, 49999], `o/r#${i}`)),
    );
    expect(picks.size).toBe(50);
    for (const p of picks) expect(p).toBeGreaterThanOrEqual(10000);
  });

  it('skips used priorities, moves on another attempt, and says when the range is full', () => {
    const first = choosePriority(new Set(), [1, 10], 'x')!;
    expect(choosePriority(new Set([first]), [1, 10], 'x')).not.toBe(first);
    expect(choosePriority(new Set([1, 2, 3]), [1, 3], 'x')).toBeUndefined();
    const attempts = new Set(
      Array.from({ length: 5 }, (_, i) => choosePriority(new Set(), [1, 50000], 'x', i)),
    );
    expect(attempts.size).toBe(5);
  });
});
