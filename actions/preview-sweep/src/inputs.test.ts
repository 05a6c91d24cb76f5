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
    });
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
