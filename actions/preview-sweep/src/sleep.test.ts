import { isoSeconds, keyTags, prKey, suiteTags, type Tags } from '@ecs-actions/kit';
import { type FoundPreview, previewNames, SLEEP_TAG } from '@ecs-actions/preview';
import { parseSleepSchedule } from '@ecs-actions/preview/schedule';
import { describe, expect, it } from 'vitest';
import { idleCandidates, metricDimension, planSleep } from './sleep.js';

// planSleep is pure: previews as tags, the schedule, the clock and the idle set (from CloudWatch in the run).
const NOW = Date.parse('2026-12-02T21:30:00Z'); // Wednesday, 22:30 in Berlin
const HOUR = 3_600_000;
const nights = parseSleepSchedule('0 20 * * 1-5', '0 7 * * 1-5', 'Europe/Berlin')!;
const LB = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/previews/50dc6c495c0c9188';

function env(pr: number, extra: Tags = {}, createdAgo = 5 * HOUR): FoundPreview {
  const key = prKey(pr);
  const tags = {
    ...suiteTags({ repository: 'o/r', keyTags: keyTags(key), now: new Date(NOW - createdAgo) }),
    ...extra,
  };
  return {
    key,
    names: previewNames('r', key),
    service: {
      arn: `svc/${pr}`,
      name: `r-pr-${pr}`,
      status: 'ACTIVE',
      taskDefinition: undefined,
      desiredCount: 1,
      tags,
    },
    targetGroup: {
      arn: `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/r-pr-${pr}/${pr}`,
      name: `r-pr-${pr}`,
      loadBalancerArns: [LB],
      tags,
    },
    rules: [],
    taskDefinitions: [],
    foreign: [],
  };
}
const ago = (ms: number) => isoSeconds(new Date(NOW - ms));
const decide = (envs: FoundPreview[], options: Parameters<typeof planSleep>[1], idle = new Set<string>()) =>
  Object.fromEntries(planSleep(envs, options, idle).map((d) => [d.env.key.id, `${d.action}:${d.reason}`]));

describe('planSleep (pure)', () => {
  it('sleeps awake previews after the sleep time, but not one woken (pushed) after it', () => {
    const envs = [env(1), env(2, { [SLEEP_TAG.wokeAt]: ago(HOUR / 2) })];
    expect(decide(envs, { now: NOW, schedule: nights })).toEqual({ 'pr-1': 'sleep:schedule' });
  });

  it('wakes schedule-slept previews once the wake time passed since, never idle-slept ones', () => {
    const morning = Date.parse('2026-12-03T06:30:00Z'); // Thursday 07:30 in Berlin
    const envs = [
      env(3, { [SLEEP_TAG.since]: ago(HOUR), [SLEEP_TAG.by]: 'schedule' }),
      env(4, { [SLEEP_TAG.since]: ago(HOUR), [SLEEP_TAG.by]: 'idle' }),
    ];
    expect(decide(envs, { now: morning, schedule: nights })).toEqual({ 'pr-3': 'wake:schedule' });
    // At night nothing wakes; without a schedule any more, schedule-slept previews wake.
    expect(decide(envs, { now: NOW, schedule: nights })).toEqual({});
    expect(decide(envs, { now: NOW })).toEqual({ 'pr-3': 'wake:schedule' });
  });

  it('asks CloudWatch only about previews awake for idle-after, and sleeps the idle ones', () => {
    const envs = [env(5), env(6, {}, HOUR / 2), env(7, { [SLEEP_TAG.since]: ago(HOUR) })];
    const options = { now: NOW, idleAfterMs: 2 * HOUR };
    expect(idleCandidates(envs, options).map((e) => e.key.id)).toEqual(['pr-5']);
    expect(decide(envs, options, new Set([envs[0]!.targetGroup!.arn]))).toEqual({ 'pr-5': 'sleep:idle' });
    expect(decide(envs, options, new Set())).toEqual({});
  });

  it('names ALB metric dimensions as CloudWatch does', () => {
    expect(metricDimension(LB)).toBe('app/previews/50dc6c495c0c9188');
    expect(metricDimension(env(9).targetGroup!.arn)).toBe('targetgroup/r-pr-9/9');
  });
});
