import { fakeClock } from '@ecs-actions/testing';
import { describe, expect, it } from 'vitest';
import { WaitTimeoutError } from './errors.js';
import { poll } from './waiter.js';

describe('poll', () => {
  it('checks at a fixed interval, reports progress and returns the value', async () => {
    const clock = fakeClock();
    const progress: string[] = [];
    const value = await poll({
      what: 'x',
      intervalMs: 5000,
      timeoutMs: 60_000,
      clock,
      check: async (attempt) =>
        attempt < 4 ? { done: false, status: `step ${attempt}` } : { done: true, value: 'ok' },
      onProgress: (status, elapsed) => progress.push(`${status}@${elapsed}`),
    });
    expect(value).toBe('ok');
    expect(clock.sleeps).toEqual([5000, 5000, 5000]);
    expect(progress).toEqual(['step 1@0', 'step 2@5000', 'step 3@10000']);
  });

  it('stops at the deadline with the last status, never sleeping past it', async () => {
    const clock = fakeClock();
    const error = await poll<never>({
      what: 'service web',
      intervalMs: 4000,
      timeoutMs: 10_000,
      clock,
      check: async () => ({ done: false, status: '1/2 running' }),
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.message).toMatch(/Timed out after 10s waiting for service web\. Last status: 1\/2 running/);
    expect(clock.sleeps).toEqual([4000, 4000, 2000]);
  });

  it('ends when the signal aborts', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const error = await poll<never>({
      what: 'x',
      intervalMs: 1000,
      timeoutMs: 60_000,
      clock,
      signal: controller.signal,
      check: async (attempt) => {
        if (attempt === 2) controller.abort();
        return { done: false, status: 'waiting' };
      },
    }).catch((e: Error) => e);
    expect(error.message).toMatch(/cancelled/);
    expect(clock.sleeps).toHaveLength(1);
  });
});
