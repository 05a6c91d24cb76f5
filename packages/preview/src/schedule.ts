// When previews sleep: a pair of cron schedules in a time zone (`sleep-schedule` puts them to sleep,
// `wake-schedule` wakes them), read with cron-parser. Pure: the clock is a parameter.
import { UserError } from '@ecs-actions/kit';
import { CronExpressionParser } from 'cron-parser';

export interface SleepSchedule {
  sleep: string;
  wake: string;
  timeZone: string;
}

/** Checks both schedules and the time zone; an error names the setting. */
export function parseSleepSchedule(
  sleep: string | undefined,
  wake: string | undefined,
  timeZone: string | undefined,
): SleepSchedule | undefined {
  if (sleep === undefined && wake === undefined) return undefined;
  if (sleep === undefined || wake === undefined) {
    throw new UserError(
      `Inputs 'sleep-schedule' and 'wake-schedule' go together: set both (e.g. '0 20 * * 1-5' and '0 7 * * 1-5'), or neither.`,
    );
  }
  const tz = timeZone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new UserError(
      `Input 'time-zone': "${tz}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York).`,
    );
  }
  for (const [name, expression] of [
    ['sleep-schedule', sleep],
    ['wake-schedule', wake],
  ] as const) {
    if (expression.trim().split(/\s+/).length !== 5) {
      throw new UserError(
        `Input '${name}': "${expression}" is not a cron expression of five fields (minute hour day month weekday), e.g. '0 20 * * 1-5'.`,
      );
    }
    try {
      CronExpressionParser.parse(expression, { tz, strict: false });
    } catch (error) {
      throw new UserError(
        `Input '${name}': "${expression}" is not a cron expression (${(error as Error).message}).`,
      );
    }
  }
  return { sleep, wake, timeZone: tz };
}

/** The last time a cron expression fired at or before `now` (ms), in the schedule's time zone. */
export function lastFiring(expression: string, timeZone: string, now: number): number | undefined {
  try {
    // `prev()` is strictly before currentDate: ask from one second later so that `now` itself counts.
    return CronExpressionParser.parse(expression, { tz: timeZone, currentDate: new Date(now + 1000) })
      .prev()
      .getTime();
  } catch {
    return undefined; // never fired (an expression with no past occurrence)
  }
}

/**
 * What the schedule says at `now`: `asleep` when its sleep time fired more recently than its wake time, with
 * the moment it did (`since`). A preview woken since then (a push) stays awake until the next sleep time.
 */
export function scheduleState(
  schedule: SleepSchedule,
  now: number,
): { state: 'asleep' | 'awake'; since: number } {
  const slept = lastFiring(schedule.sleep, schedule.timeZone, now) ?? Number.NEGATIVE_INFINITY;
  const woke = lastFiring(schedule.wake, schedule.timeZone, now) ?? Number.NEGATIVE_INFINITY;
  return slept > woke ? { state: 'asleep', since: slept } : { state: 'awake', since: woke };
}
