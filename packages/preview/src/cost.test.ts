import { TAG } from '@ecs-actions/kit';
import { describe, expect, it } from 'vitest';
import {
  awakeHours,
  basisTag,
  estimateCost,
  parseBasis,
  ratesFor,
  spotShare,
  taskHourly,
  usd,
} from './cost.js';
import { SLEEP_TAG } from './sleep.js';

// Figures worked by hand from the us-east-1 rates: x86 $0.04048 per vCPU-hour and $0.004445 per GB-hour,
// ARM $0.03238 and $0.00356, Spot at 0.3 of on-demand.
const { rates } = ratesFor('us-east-1', {});
const NOW = Date.parse('2026-12-05T00:00:00Z');
const DAY = 86_400_000;

describe('cost estimate (pure, hand-worked figures)', () => {
  it('prices a task hour by size, architecture and Spot share', () => {
    // 0.25 vCPU × 0.04048 + 0.5 GB × 0.004445 = 0.01012 + 0.0022225 = 0.0123425
    expect(taskHourly({ cpu: 256, memory: 512, arch: 'X86_64', spot: 0 }, rates)).toBeCloseTo(0.0123425, 9);
    // 1 vCPU × 0.03238 + 2 GB × 0.00356 = 0.03950
    expect(taskHourly({ cpu: 1024, memory: 2048, arch: 'ARM64', spot: 0 }, rates)).toBeCloseTo(0.0395, 9);
    // All on Spot: 0.0123425 × 0.3 = 0.00370275; half: 0.0123425 × 0.65 = 0.008022625
    expect(taskHourly({ cpu: 256, memory: 512, arch: 'X86_64', spot: 1 }, rates)).toBeCloseTo(0.00370275, 9);
    expect(taskHourly({ cpu: 256, memory: 512, arch: 'X86_64', spot: 0.5 }, rates)).toBeCloseTo(
      0.008022625,
      9,
    );
    expect(
      spotShare([
        { capacityProvider: 'FARGATE', weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
      ]),
    ).toBe(0.75);
  });

  it('counts only the hours awake: a preview 4 days old that slept half the time', () => {
    const tags = {
      [TAG.createdAt]: new Date(NOW - 4 * DAY).toISOString(),
      [TAG.costBasis]: basisTag({ cpu: 512, memory: 1024, arch: 'X86_64', spot: 0 }),
      // Slept 1.5 days before, and has been asleep for half a day now: 2 of 4 days.
      [SLEEP_TAG.sleptSeconds]: String(1.5 * 86_400),
      [SLEEP_TAG.since]: new Date(NOW - DAY / 2).toISOString(),
    };
    expect(awakeHours(tags, NOW)).toBeCloseTo(48, 9);
    // 0.5 × 0.04048 + 1 × 0.004445 = 0.024685 per task-hour; 2 tasks: 0.04937; × 48 h = 2.36976; × 24 = 1.18488
    const cost = estimateCost(tags, 2, rates, NOW)!;
    expect(cost.sofar).toBeCloseTo(2.36976, 9);
    expect(cost.perDay).toBeCloseTo(1.18488, 9);
    expect(usd(cost.sofar)).toBe('$2.37');
    expect(usd(0.001)).toBe('<$0.01');
  });

  it('takes a company’s rates, refuses unknown ones, and says where the rates come from', () => {
    const own = ratesFor('eu-west-1', { vcpu_hour: '0.03', gb_hour: '0.004' });
    expect(own.rates).toMatchObject({ vcpuHour: 0.03, gbHour: 0.004, armVcpuHour: 0.03238 });
    expect(own.source).toMatch(/^the fargate-rates setting/);
    expect(ratesFor('eu-west-1', {}).source).toMatch(/eu-west-1 is not in the table: set fargate-rates/);
    expect(() => ratesFor('us-east-1', { cpu: '1' })).toThrow(/Input 'fargate-rates': unknown rate 'cpu'/);
    expect(() => ratesFor('us-east-1', { vcpu_hour: 'cheap' })).toThrow(/is not a price in USD/);
  });

  it('has no estimate without a cost basis, and reads its tag back', () => {
    expect(estimateCost({ [TAG.createdAt]: new Date(NOW).toISOString() }, 1, rates, NOW)).toBeUndefined();
    expect(parseBasis('256/512/ARM64/0.25')).toEqual({ cpu: 256, memory: 512, arch: 'ARM64', spot: 0.25 });
    expect(parseBasis('EC2')).toBeUndefined();
  });
});
