import { systemClock } from '@ecs-actions/kit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AWS_BUCKETS, awsBucketsOf } from './aws-limits.js';
import { type Bucket, Pacer } from './pacer.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Replays release times against AWS's bucket: how many calls it would have refused. */
function refused(times: number[], bucket: Bucket): number {
  let tokens = bucket.burst;
  let at = 0;
  let count = 0;
  for (const t of [...times].sort((a, b) => a - b)) {
    tokens = Math.min(bucket.burst, tokens + ((t - at) / 1000) * bucket.refillPerSecond);
    at = t;
    if (tokens < 1) count++;
    else tokens -= 1;
  }
  return count;
}

async function releaseTimes(pacer: Pacer, calls: string[][]): Promise<number[]> {
  const times: number[] = [];
  const all = calls.map((keys, i) =>
    pacer.take(keys).then(() => {
      times[i] = Date.now();
    }),
  );
  await vi.runAllTimersAsync();
  await Promise.all(all);
  return times;
}

describe('Pacer', () => {
  it('lets a burst through at once, then spaces calls at the refill rate, never above the bucket', async () => {
    const bucket = { burst: 20, refillPerSecond: 3 };
    const pacer = new Pacer({ m: bucket }, { clock: systemClock });
    const times = await releaseTimes(
      pacer,
      Array.from({ length: 110 }, () => ['m']),
    );
    expect(times.filter((t) => t === 0)).toHaveLength(20);
    expect(refused(times, bucket)).toBe(0);
    // The floor is (110 − 20) / 3 = 30 s; the pacer may round each wait up to the next millisecond.
    const last = Math.max(...times);
    expect(last).toBeGreaterThanOrEqual(30_000);
    expect(last).toBeLessThan(30_000 + 90);
  });

  it('keeps a reserve of the burst when asked', async () => {
    const pacer = new Pacer({ m: { burst: 20, refillPerSecond: 3 } }, { clock: systemClock, reserve: 2 });
    const times = await releaseTimes(
      pacer,
      Array.from({ length: 30 }, () => ['m']),
    );
    expect(times.filter((t) => t === 0)).toHaveLength(18);
  });

  it('takes from every bucket of a call, and a slow bucket does not hold up calls of another', async () => {
    const buckets = {
      'elb:mutating': { burst: 2, refillPerSecond: 1 },
      'elb:account': { burst: 4, refillPerSecond: 4 },
      ecs: { burst: 1, refillPerSecond: 10 },
    };
    const pacer = new Pacer(buckets, { clock: systemClock });
    const calls = [
      ...Array.from({ length: 6 }, () => ['elb:mutating', 'elb:account']),
      ...Array.from({ length: 5 }, () => ['ecs']),
    ];
    const times = await releaseTimes(pacer, calls);
    const elb = times.slice(0, 6);
    const ecs = times.slice(6);
    expect(refused(elb, buckets['elb:mutating'])).toBe(0);
    expect(refused(elb, buckets['elb:account'])).toBe(0);
    expect(refused(ecs, buckets.ecs)).toBe(0);
    expect(Math.max(...ecs)).toBeLessThanOrEqual(400);
    expect(Math.max(...elb)).toBeGreaterThanOrEqual(4000);
  });

  it('after a throttling answer, spaces the next calls at the refill rate instead of spending the burst', async () => {
    const pacer = new Pacer({ m: { burst: 20, refillPerSecond: 4 } }, { clock: systemClock });
    pacer.drain(['m', 'not-a-bucket']);
    const times = await releaseTimes(
      pacer,
      Array.from({ length: 3 }, () => ['m']),
    );
    expect(times).toEqual([250, 500, 750]);
  });

  it('serves callers of one bucket in arrival order and lets unknown buckets pass at once', async () => {
    const pacer = new Pacer({ b: { burst: 1, refillPerSecond: 2 } }, { clock: systemClock });
    const order: number[] = [];
    const all = [0, 1, 2, 3].map((i) => pacer.take(['b']).then(() => order.push(i)));
    await pacer.take(['not-a-bucket']);
    expect(order).toEqual([0]);
    await vi.runAllTimersAsync();
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3]);
  });
});

describe('AWS buckets', () => {
  it('sends ELB calls to their kind and the account bucket, ECS service changes to theirs', () => {
    expect(awsBucketsOf('Elastic Load Balancing v2', 'DeleteRule')).toEqual(['elb:mutating', 'elb:account']);
    expect(awsBucketsOf('Elastic Load Balancing v2', 'DescribeTags')).toEqual(['elb:read', 'elb:account']);
    expect(awsBucketsOf('ECS', 'DeleteService')).toEqual(['ecs:service-changes']);
    expect(awsBucketsOf('ECS', 'DescribeServices')).toEqual(['ecs:DescribeServices']);
    expect(awsBucketsOf('ECS', 'ListServices')).toEqual(['ecs:other']);
    for (const keys of [awsBucketsOf('ECS', 'DeleteService'), awsBucketsOf('ECS', 'DescribeServices')]) {
      for (const key of keys) expect(AWS_BUCKETS[key]).toBeDefined();
    }
  });
});
