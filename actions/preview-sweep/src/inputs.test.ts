import { Inputs } from '@ecs-actions/kit';
import { describe, expect, it } from 'vitest';
import { parseSweepInputs } from './inputs.js';

const parse = (values: Record<string, string>) =>
  parseSweepInputs(
    new Inputs((name) =>
      values[name] === undefined ? undefined : { value: values[name]!, origin: 'input' },
    ),
  );

describe('parseSweepInputs', () => {
  it('applies the documented defaults', () => {
    expect(parse({ cluster: 'previews' })).toEqual({
      region: undefined,
      cluster: 'previews',
      namePrefix: undefined,
      maxAgeMs: 7 * 86_400_000,
      closedPrs: true,
      dryRun: false,
      maxDeletions: 100,
      deregisterTaskDefinitions: true,
      githubDeployments: true,
      deploymentEnvironment: 'preview',
      stickyComment: true,
      commentKey: 'preview',
      commentRow: 'preview',
      githubToken: undefined,
      githubRequestBudget: 500,
      sleepSchedule: undefined,
      idleAfterMs: undefined,
      wakeTimeoutMs: 300_000,
      fargateRates: {},
    });
    expect(
      parse({
        cluster: 'c',
        'sleep-schedule': '0 20 * * 1-5',
        'wake-schedule': '0 7 * * 1-5',
        'idle-after': '2h',
      }),
    ).toMatchObject({
      sleepSchedule: { sleep: '0 20 * * 1-5', wake: '0 7 * * 1-5', timeZone: 'UTC' },
      idleAfterMs: 2 * 3_600_000,
    });
    expect(() => parse({ cluster: 'c', 'idle-after': '1m' })).toThrow(
      /Input 'idle-after': "1m" is shorter than the minimum/,
    );
  });

  it('names the input and an accepted example in every error', () => {
    expect(() => parse({})).toThrow("Input 'cluster' is required");
    expect(() => parse({ cluster: 'c', 'max-age': '7' })).toThrow(
      /Input 'max-age': "7" is not a duration\. Accepted: 30s, 10m, 2h or 7d/,
    );
    expect(() => parse({ cluster: 'c', 'max-deletions': '0' })).toThrow(
      /Input 'max-deletions': "0" is below the minimum of 1/,
    );
    expect(() => parse({ cluster: 'c', 'dry-run': 'maybe' })).toThrow(
      /Input 'dry-run': "maybe" is not a boolean/,
    );
  });
});
