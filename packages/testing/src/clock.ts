import type { Clock } from '@ecs-actions/kit';

/**
 * The one fake clock of the unit tests: it starts at `start`, moves only when something sleeps (or the test
 * advances it), and records every sleep.
 */
export function fakeClock(
  start = Date.UTC(2026, 0, 1),
): Clock & { advance(ms: number): void; sleeps: number[] } {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
