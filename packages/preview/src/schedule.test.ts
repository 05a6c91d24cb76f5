import { describe, expect, it } from 'vitest';
import { lastFiring, parseSleepSchedule, scheduleState } from './schedule.js';

const at = (iso: string) => Date.parse(iso);
const nights = parseSleepSchedule('0 20 * * 1-5', '0 7 * * 1-5', 'Europe/Berlin')!;

describe('sleep schedule (pure, injected clock)', () => {
  it('is asleep from 20:00 to 07:00 local time on weekdays and over the weekend', () => {
    // Wednesday 2026-12-02, Berlin is UTC+1 in winter.
    expect(scheduleState(nights, at('2026-12-02T12:00:00Z'))).toEqual({
      state: 'awake',
      since: at('2026-12-02T06:00:00Z'),
    });
    expect(scheduleState(nights, at('2026-12-02T19:30:00Z'))).toEqual({
      state: 'asleep',
      since: at('2026-12-02T19:00:00Z'),
    });
    // Saturday noon: Friday 20:00 was the last firing; Monday 07:00 is next.
    expect(scheduleState(nights, at('2026-12-05T12:00:00Z'))).toEqual({
      state: 'asleep',
      since: at('2026-12-04T19:00:00Z'),
    });
    expect(scheduleState(nights, at('2026-12-07T06:00:00Z')).state).toBe('awake');
  });

  it('follows the time zone across a daylight-saving change (Berlin: 29 March 2026, 02:00 → 03:00)', () => {
    // Friday 27 March, 20:00 CET = 19:00 UTC; Monday 30 March, 07:00 CEST = 05:00 UTC.
    expect(lastFiring('0 20 * * 1-5', 'Europe/Berlin', at('2026-03-28T12:00:00Z'))).toBe(
      at('2026-03-27T19:00:00Z'),
    );
    expect(lastFiring('0 7 * * 1-5', 'Europe/Berlin', at('2026-03-30T05:30:00Z'))).toBe(
      at('2026-03-30T05:00:00Z'),
    );
    expect(scheduleState(nights, at('2026-03-30T04:59:00Z')).state).toBe('asleep');
    expect(scheduleState(nights, at('2026-03-30T05:00:00Z')).state).toBe('awake');
  });

  it('counts a firing at exactly now', () => {
    expect(lastFiring('0 7 * * *', 'UTC', at('2026-12-02T07:00:00Z'))).toBe(at('2026-12-02T07:00:00Z'));
  });

  it('refuses half a schedule, bad cron and unknown zones, naming the input', () => {
    expect(parseSleepSchedule(undefined, undefined, 'UTC')).toBeUndefined();
    expect(() => parseSleepSchedule('0 20 * * *', undefined, undefined)).toThrow(
      /'sleep-schedule' and 'wake-schedule' go together/,
    );
    expect(() => parseSleepSchedule('0 25 * * *', '0 7 * * *', undefined)).toThrow(
      /^Input 'sleep-schedule': "0 25 \* \* \*" is not a cron expression/,
    );
    expect(() => parseSleepSchedule('0 20 * *', '0 7 * * *', undefined)).toThrow(/five fields/);
    expect(() => parseSleepSchedule('0 20 * * *', '0 7 * * *', 'Mars/Olympus')).toThrow(/^Input 'time-zone'/);
  });
});
