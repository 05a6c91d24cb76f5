import type { Inputs } from '@ecs-actions/kit/inputs';
import { parseSleepSchedule, type SleepSchedule } from '@ecs-actions/preview/schedule';

export interface SweepInputs {
  region: string | undefined;
  cluster: string;
  namePrefix: string | undefined;
  maxAgeMs: number;
  closedPrs: boolean;
  dryRun: boolean;
  maxDeletions: number;
  deregisterTaskDefinitions: boolean;
  githubDeployments: boolean;
  deploymentEnvironment: string;
  stickyComment: boolean;
  commentKey: string;
  commentRow: string;
  githubToken: string | undefined;
  /** GitHub requests this run may make; removals whose follow-ups do not fit wait for the next run. */
  githubRequestBudget: number;
  /** When previews sleep and wake (sleep-schedule, wake-schedule, time-zone); undefined: no schedule. */
  sleepSchedule: SleepSchedule | undefined;
  /** A preview with no request for this long sleeps; undefined: never for being idle. */
  idleAfterMs: number | undefined;
  /** How long a wake waits for a healthy target before the rule forwards again anyway. */
  wakeTimeoutMs: number;
  /** Overrides of the Fargate rates of the cost estimates. */
  fargateRates: Record<string, string>;
}

/** Reads and validates every input before anything touches AWS or GitHub. */
export function parseSweepInputs(inputs: Inputs): SweepInputs {
  return {
    region: inputs.string('region'),
    cluster: inputs.required('cluster', 'the ECS cluster the previews run in'),
    namePrefix: inputs.string('name-prefix'),
    maxAgeMs: inputs.duration('max-age', '7d', { min: 60_000 }),
    closedPrs: inputs.boolean('closed-prs', true),
    dryRun: inputs.boolean('dry-run', false),
    maxDeletions: inputs.integer('max-deletions', { fallback: 100, min: 1 }) ?? 100,
    deregisterTaskDefinitions: inputs.boolean('deregister-task-definitions', true),
    githubDeployments: inputs.boolean('github-deployments', true),
    deploymentEnvironment: inputs.string('deployment-environment', 'preview'),
    stickyComment: inputs.boolean('sticky-comment', true),
    commentKey: inputs.string('comment-key', 'preview'),
    commentRow: inputs.string('comment-row', 'preview'),
    githubToken: inputs.string('github-token'),
    githubRequestBudget: inputs.integer('github-request-budget', { fallback: 500, min: 20 }) ?? 500,
    sleepSchedule: parseSleepSchedule(
      inputs.string('sleep-schedule'),
      inputs.string('wake-schedule'),
      inputs.string('time-zone'),
    ),
    idleAfterMs:
      inputs.string('idle-after') === undefined
        ? undefined
        : inputs.duration('idle-after', '2h', { min: 10 * 60_000, max: 14 * 86_400_000 }),
    wakeTimeoutMs: inputs.duration('wake-timeout', '5m', { min: 10_000, max: 3_600_000 }),
    fargateRates: inputs.keyValues('fargate-rates'),
  };
}
