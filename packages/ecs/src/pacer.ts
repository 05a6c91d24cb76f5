import { iamAction } from '@ecs-actions/kit/aws';
import { awsErrorCode } from '@ecs-actions/kit/errors';
import { type Clock, systemClock } from '@ecs-actions/kit/waiter';

/** A token bucket as AWS publishes them: `burst` calls at once, then `refillPerSecond` on average. */
export interface Bucket {
  burst: number;
  refillPerSecond: number;
}

export interface PacerOptions {
  clock?: Clock;
  /**
   * Tokens of each burst left unused. The pacer sees calls leave; AWS sees them arrive, and latency
   * varies, so two calls a full refill interval apart here may arrive closer there. Keeping a token or
   * two in hand absorbs that (up to reserve / refill seconds of jitter) at the cost of a smaller burst.
   */
  reserve?: number;
}

interface LiveBucket extends Bucket {
  capacity: number;
  tokens: number;
  at: number;
}

interface Waiting {
  keys: readonly string[];
  release: () => void;
}

/**
 * Client-side token buckets: `take(keys)` resolves when one call may be made against every named
 * bucket, and takes that token at that moment. Callers are served first come, first served per bucket,
 * but a caller waiting on a slow bucket never holds up callers of other buckets. Unknown keys are free.
 */
export class Pacer {
  private readonly buckets = new Map<string, LiveBucket>();
  private readonly queue: Waiting[] = [];
  private readonly clock: Clock;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(buckets: Record<string, Bucket>, options: PacerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const reserve = options.reserve ?? 0;
    const now = this.clock.now();
    for (const [key, b] of Object.entries(buckets)) {
      if (!(b.burst >= 1 && b.refillPerSecond > 0)) throw new Error(`Bucket ${key}: burst ≥ 1, refill > 0`);
      const capacity = Math.max(1, b.burst - reserve);
      this.buckets.set(key, { ...b, capacity, tokens: capacity, at: now });
    }
  }

  /** Waits for a token of every known bucket among `keys` and takes them. */
  take(keys: readonly string[]): Promise<void> {
    const known = keys.filter((k) => this.buckets.has(k));
    if (known.length === 0) return Promise.resolve();
    return new Promise((release) => {
      this.queue.push({ keys: known, release });
      this.pump();
    });
  }

  /**
   * AWS throttled a call: its bucket holds fewer tokens than we thought (other clients share it, or a
   * run just before this one spent it), so empty ours and let the refill rate space what follows.
   */
  drain(keys: readonly string[]): void {
    this.refill(this.clock.now());
    for (const key of keys) {
      const bucket = this.buckets.get(key);
      if (bucket) bucket.tokens = Math.min(bucket.tokens, 0);
    }
  }

  /** Calls waiting for a token. */
  get waiting(): number {
    return this.queue.length;
  }

  private refill(now: number): void {
    for (const b of this.buckets.values()) {
      b.tokens = Math.min(b.capacity, b.tokens + ((now - b.at) / 1000) * b.refillPerSecond);
      b.at = now;
    }
  }

  private pump(): void {
    const now = this.clock.now();
    this.refill(now);
    const blocked = new Set<string>();
    let nextAt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.queue.length; ) {
      const waiting = this.queue[i]!;
      // First come, first served per bucket: nobody overtakes an earlier caller of the same bucket.
      if (waiting.keys.some((k) => blocked.has(k))) {
        i++;
        continue;
      }
      const buckets = waiting.keys.map((k) => this.buckets.get(k)!);
      if (buckets.every((b) => b.tokens >= 1)) {
        for (const b of buckets) b.tokens -= 1;
        this.queue.splice(i, 1);
        waiting.release();
        continue;
      }
      for (const k of waiting.keys) blocked.add(k);
      const readyIn = Math.max(...buckets.map((b) => ((1 - b.tokens) / b.refillPerSecond) * 1000));
      nextAt = Math.min(nextAt, now + Math.max(1, Math.ceil(readyIn)));
      i++;
    }
    if (nextAt < this.timerAt) {
      this.timerAt = nextAt;
      void this.clock.sleep(nextAt - now).then(() => {
        if (this.timerAt === nextAt) this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      });
    }
  }
}

/** What a paced client did, per IAM action (`ecs:DeleteService`): attempts sent and attempts AWS throttled. */
export class ApiCalls {
  readonly attempts = new Map<string, number>();
  readonly throttled = new Map<string, number>();

  record(operation: string, error: unknown): void {
    this.attempts.set(operation, (this.attempts.get(operation) ?? 0) + 1);
    if (error !== undefined && isThrottling(error)) {
      this.throttled.set(operation, (this.throttled.get(operation) ?? 0) + 1);
    }
  }

  total(map: Map<string, number> = this.attempts): number {
    let sum = 0;
    for (const n of map.values()) sum += n;
    return sum;
  }
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
]);

/** True for AWS's throttling error codes. */
export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(awsErrorCode(error) ?? '');
}

interface StackClient {
  config: { serviceId?: string };
  middlewareStack: {
    addRelativeTo(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { relation: 'after'; toMiddleware: string; name: string },
    ): void;
  };
}

/**
 * Makes every attempt of an SDK client (retries included, since the hook sits after the SDK's retry
 * middleware) wait for its buckets, and counts attempts and throttling answers; a throttling answer
 * empties the call's buckets, so the SDK's retry waits a refill interval. `bucketsOf` names the
 * buckets of one call, e.g. `['elb:mutating', 'elb:account']`.
 */
export function paceClient<C>(
  client: C,
  pacer: Pacer,
  bucketsOf: (serviceId: string, operation: string) => readonly string[],
  calls?: ApiCalls,
): C {
  const stack = client as unknown as StackClient;
  const serviceId = stack.config.serviceId ?? 'unknown';
  stack.middlewareStack.addRelativeTo(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const name = iamAction(serviceId, context.commandName);
      const buckets = bucketsOf(serviceId, operation);
      await pacer.take(buckets);
      try {
        const output = await next(args);
        calls?.record(name, undefined);
        return output;
      } catch (error) {
        calls?.record(name, error);
        if (isThrottling(error)) pacer.drain(buckets);
        throw error;
      }
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'ecsActionsPacer' },
  );
  return client;
}
