import { formatDuration } from './duration.js';
import { WaitTimeoutError } from './errors.js';

/** One look at the thing being waited for. */
export type PollResult<T> = { done: true; value: T } | { done: false; status: string };

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Real time. Sleeping ends early (without error) when the signal aborts. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface PollOptions<T> {
  /** What is awaited, for messages: "service web to become stable". */
  what: string;
  check: (attempt: number) => Promise<PollResult<T>>;
  /** Fixed time between checks; never grows. */
  intervalMs: number;
  timeoutMs: number;
  /** Called after each unfinished check, with the status it reported and the time spent so far. */
  onProgress?: (status: string, elapsedMs: number) => void;
  clock?: Clock;
  signal?: AbortSignal;
}

/**
 * Checks at a fixed interval until `check` says done or the deadline passes (then a WaitTimeoutError
 * with the last status). Unlike the SDK waiters it never backs off, so progress is seen within one
 * interval and the deadline is kept to within one interval.
 */
export async function poll<T>(options: PollOptions<T>): Promise<T> {
  const clock = options.clock ?? systemClock;
  const start = clock.now();
  const deadline = start + options.timeoutMs;
  let last = 'not checked yet';
  for (let attempt = 1; ; attempt++) {
    const result = await options.check(attempt);
    if (result.done) return result.value;
    last = result.status;
    const now = clock.now();
    options.onProgress?.(last, now - start);
    if (options.signal?.aborted)
      throw new WaitTimeoutError(`Stopped waiting for ${options.what}: cancelled. Last status: ${last}`);
    if (now >= deadline) {
      throw new WaitTimeoutError(
        `Timed out after ${formatDuration(options.timeoutMs)} waiting for ${options.what}. Last status: ${last}`,
      );
    }
    await clock.sleep(Math.min(options.intervalMs, deadline - now), options.signal);
  }
}
