// Which previews sleep or wake in this run, and why: a pure plan from the tags, the schedule and the idle
// check; the idle check reads the target groups' ALB RequestCount from CloudWatch (500 per request).
import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { formatDuration, isoSeconds } from '@ecs-actions/kit';
import type { FoundPreview } from '@ecs-actions/preview';
import { awakeSince, isAsleep, SLEEP_TAG, type SleepReason } from '@ecs-actions/preview';
import { type SleepSchedule, scheduleState } from '@ecs-actions/preview/schedule';

export interface SleepOptions {
  now: number;
  schedule?: SleepSchedule;
  idleAfterMs?: number;
}

export interface SleepDecision {
  env: FoundPreview;
  action: 'sleep' | 'wake';
  reason: SleepReason;
  detail: string;
}

/** GetMetricData takes at most 500 queries per request. */
export const METRIC_QUERIES_PER_CALL = 500;

/** Awake previews that have been awake for `idle-after` at least: the ones whose traffic is asked about. */
export function idleCandidates(envs: FoundPreview[], options: SleepOptions): FoundPreview[] {
  const { idleAfterMs } = options;
  if (idleAfterMs === undefined) return [];
  return envs.filter((env) => {
    const tags = env.service?.tags;
    if (!tags || isAsleep(tags) || !env.targetGroup?.loadBalancerArns.length) return false;
    const since = awakeSince(tags);
    return since !== undefined && options.now - since >= idleAfterMs;
  });
}

/**
 * Sleep or wake each working preview (its service ACTIVE). A preview the schedule put to sleep wakes when the
 * schedule's wake time has passed since; an awake one sleeps when the schedule's sleep time came after it last
 * woke (so a push at night keeps it awake until the next sleep time), or when it served no request for
 * `idle-after` (`idle`: the target groups found idle). One slept for being idle wakes only by a deployment.
 */
export function planSleep(envs: FoundPreview[], options: SleepOptions, idle: Set<string>): SleepDecision[] {
  const out: SleepDecision[] = [];
  const state = options.schedule && scheduleState(options.schedule, options.now);
  for (const env of envs) {
    const tags = env.service?.tags;
    if (env.service?.status !== 'ACTIVE' || !tags || !env.targetGroup) continue;
    if (isAsleep(tags)) {
      const since = Date.parse(tags[SLEEP_TAG.since] ?? '');
      if (tags[SLEEP_TAG.by] !== 'schedule') continue;
      if (!state) {
        out.push({ env, action: 'wake', reason: 'schedule', detail: 'the sleep schedule was removed' });
      } else if (state.state === 'awake' && state.since > since) {
        out.push({
          env,
          action: 'wake',
          reason: 'schedule',
          detail: `wake-schedule fired at ${isoSeconds(new Date(state.since))}`,
        });
      }
      continue;
    }
    const since = awakeSince(tags) ?? Number.NEGATIVE_INFINITY;
    if (state?.state === 'asleep' && state.since > since) {
      out.push({
        env,
        action: 'sleep',
        reason: 'schedule',
        detail: `sleep-schedule fired at ${isoSeconds(new Date(state.since))}`,
      });
    } else if (idle.has(env.targetGroup.arn)) {
      out.push({
        env,
        action: 'sleep',
        reason: 'idle',
        detail: `no request for ${formatDuration(options.idleAfterMs ?? 0)}`,
      });
    }
  }
  return out;
}

/** `targetgroup/NAME/ID` and `app/NAME/ID` from their ARNs: the dimension values of ALB metrics. */
export function metricDimension(arn: string): string {
  return arn
    .split(':')
    .slice(5)
    .join(':')
    .replace(/^loadbalancer\//, '');
}

/**
 * The target groups that served no request in the last `windowMs`, from the `AWS/ApplicationELB`
 * `RequestCount` metric (Sum over one period covering the window). CloudWatch reports no datapoint for a
 * period without requests, so no datapoint means idle.
 */
export async function idleGroups(
  cloudwatch: CloudWatchClient,
  envs: FoundPreview[],
  windowMs: number,
  now: number,
): Promise<Set<string>> {
  const idle = new Set<string>();
  const period = Math.max(60, Math.ceil(windowMs / 60_000) * 60);
  for (let i = 0; i < envs.length; i += METRIC_QUERIES_PER_CALL) {
    const batch = envs.slice(i, i + METRIC_QUERIES_PER_CALL);
    const { MetricDataResults = [] } = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - period * 1000),
        EndTime: new Date(now),
        MetricDataQueries: batch.map((env, j) => ({
          Id: `q${j}`,
          ReturnData: true,
          MetricStat: {
            Stat: 'Sum',
            Period: period,
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'RequestCount',
              Dimensions: [
                { Name: 'LoadBalancer', Value: metricDimension(env.targetGroup!.loadBalancerArns[0]!) },
                { Name: 'TargetGroup', Value: metricDimension(env.targetGroup!.arn) },
              ],
            },
          },
        })),
      }),
    );
    const byId = new Map(MetricDataResults.map((r) => [r.Id, r]));
    for (const [j, env] of batch.entries()) {
      const total = (byId.get(`q${j}`)?.Values ?? []).reduce((a, b) => a + b, 0);
      if (total === 0) idle.add(env.targetGroup!.arn);
    }
  }
  return idle;
}
