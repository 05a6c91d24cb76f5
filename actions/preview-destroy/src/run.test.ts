import { keyTags, prKey, suiteTags } from '@ecs-actions/kit';
import { fakeAws, fakeClock } from '@ecs-actions/testing';
import { describe, expect, it } from 'vitest';
import type { DestroyInputs } from './inputs.js';
import { assertAllRemoved, runDestroy } from './run.js';

// runDestroy against the typed fake of ECS and ELB (packages/testing); the e2e tests run it against moto.
const tags = suiteTags({
  repository: 'octo-org/shop',
  keyTags: keyTags(prKey(5)),
  namePrefix: 'shop',
  now: new Date(0),
  ttlMs: 1,
});
const context = {
  repository: 'octo-org/shop',
  owner: 'octo-org',
  repo: 'shop',
  eventName: 'pull_request',
  payload: { pull_request: { number: 5 } },
  sha: '',
  prHeadSha: undefined,
  headSha: '',
  runId: 1,
  runAttempt: 1,
  runUrl: undefined,
  serverUrl: 'https://github.com',
  actor: 'octocat',
};
const inputs = {
  cluster: 'previews',
  prNumber: undefined,
  namePrefix: undefined,
  listenerArns: [],
  deregisterTaskDefinitions: true,
  githubDeployments: false,
  deploymentEnvironment: 'preview',
} as unknown as DestroyInputs;

describe('runDestroy (typed fake)', () => {
  it("removes the event's PR preview, warns about look-alikes, and fails only when something is left", async () => {
    const world = {
      services: [{ name: 'shop-pr-5', status: 'ACTIVE', tags }],
      groups: [{ name: 'shop-pr-5', tags }],
      families: [{ name: 'shop-pr-5', tags: { ...tags, 'ecs-actions:managed-by': 'someone-else' } }],
    };
    const warnings: string[] = [];
    const result = await runDestroy(inputs, {
      ...fakeAws(world),
      octokit: undefined,
      context,
      clock: fakeClock(),
      log: () => {},
      warn: (w) => warnings.push(w),
    });
    expect(result.key).toEqual(prKey(5));
    expect(result.removed.map((r) => r.kind)).toEqual(['service', 'listener-rule', 'target-group']);
    expect(warnings).toEqual([
      'Left alone: task definition family shop-pr-5 has the name of the preview of PR #5 but not its ecs-actions tags.',
    ]);
    expect(world.families).toHaveLength(1);
    expect(() => assertAllRemoved(result)).not.toThrow();
    expect(() =>
      assertAllRemoved({ ...result, failed: [{ kind: 'target-group', id: 'shop-pr-5', error: 'in use' }] }),
    ).toThrowError(/could not be removed .*\n {2}- target-group shop-pr-5: in use/);
  });

  it('needs a PR number outside pull request events', async () => {
    await expect(
      runDestroy(inputs, {
        ...fakeAws({ services: [], groups: [], families: [] }),
        octokit: undefined,
        context: { ...context, eventName: 'schedule', payload: {} },
        clock: fakeClock(),
        log: () => {},
        warn: () => {},
      }),
    ).rejects.toThrowError(
      /^Input 'pr-number' or 'branch' is required: this schedule event has neither a pull request nor a pushed or deleted branch/,
    );
  });
});
