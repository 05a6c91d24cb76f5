import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RunContext } from '@ecs-actions/kit';
import { fakeSdkClient } from '@ecs-actions/testing';
import { describe, expect, it } from 'vitest';
import type { CreateInputs } from './inputs.js';
import { planPreview } from './plan.js';
import { findRouting } from './routing.js';
import { stateTags } from './service.js';

// The create phases one by one, with typed fakes (packages/testing) for the AWS answers; the e2e tests run
// them together against moto.
const context = {
  repository: 'octo-org/shop',
  repo: 'shop',
  eventName: 'pull_request',
  payload: { pull_request: { number: 42, head: { ref: 'feature/x', sha: 'a'.repeat(40) } } },
} as unknown as RunContext;
const inputs = {
  hostTemplate: 'pr-{pr}.preview.example.com',
  urlScheme: 'https',
  ttlMs: 86_400_000,
  taskDefinition: { kind: 'template' },
  listenerArns: ['arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/alb/1/2'],
  maxRulesPerAlb: 100,
  auth: { kind: 'none' },
} as unknown as CreateInputs;
const NOW = new Date('2026-12-01T00:00:00Z');
const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb/1';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-pr-42/1';

describe('plan (no AWS call)', () => {
  it('resolves the PR, names, host, URL and the tags of everything the run creates', () => {
    const plan = planPreview(inputs, context, NOW);
    expect(plan).toMatchObject({
      key: { kind: 'pr', pr: 42, id: 'pr-42' },
      prefix: 'shop',
      host: 'pr-42.preview.example.com',
      url: 'https://pr-42.preview.example.com',
      identity: 'octo-org/shop#42',
      names: { service: 'shop-pr-42', targetGroup: 'shop-pr-42', family: 'shop-pr-42' },
    });
    expect(plan.tags).toMatchObject({
      'ecs-actions:repository': 'octo-org/shop',
      'ecs-actions:pr': '42',
      'ecs-actions:expires-at': '2026-12-02T00:00:00Z',
      'ecs-actions:host': 'pr-42.preview.example.com',
    });
    expect(stateTags(plan, 'abc')).toEqual({
      'ecs-actions:spec': 'abc',
      'ecs-actions:expires-at': '2026-12-02T00:00:00Z',
      'ecs-actions:host': 'pr-42.preview.example.com',
    });
  });

  it('needs a PR or a branch outside pull request and push events', () => {
    expect(() => planPreview(inputs, { ...context, eventName: 'schedule', payload: {} }, NOW)).toThrowError(
      /^Input 'pr-number' or 'branch' is required: this schedule event has neither a pull request nor a pushed or deleted branch/,
    );
    expect(() => planPreview({ ...inputs, prNumber: 3, branch: 'main' }, context, NOW)).toThrowError(
      /^Inputs 'pr-number' and 'branch' are both set/,
    );
    expect(() => planPreview({ ...inputs, branch: 'a..b' }, context, NOW)).toThrowError(
      /^Input 'branch': "a\.\.b" is not a branch name git allows/,
    );
  });

  it('makes a branch preview on a push to a branch, named and tagged by the branch', () => {
    const push = { ...context, eventName: 'push', payload: { ref: 'refs/heads/feature/login' } };
    const plan = planPreview({ ...inputs, hostTemplate: '{branch}.review.example.com' }, push, NOW);
    expect(plan.key).toMatchObject({ kind: 'branch', branch: 'feature/login' });
    expect(plan.key.id).toMatch(/^br-feature-login-[0-9a-f]{6}$/);
    expect(plan.host).toBe('feature-login.review.example.com');
    expect(plan.names.service).toBe(`shop-${plan.key.id}`);
    expect(plan.tags['ecs-actions:branch']).toBe('feature/login');
    expect(plan.tags['ecs-actions:pr']).toBeUndefined();
    expect(() =>
      planPreview(inputs, { ...push, payload: { ref: 'refs/heads/gone', deleted: true } }, NOW),
    ).toThrowError(/deleted branch gone: there is nothing to deploy/);
    // A tag push is not a branch.
    expect(() => planPreview(inputs, { ...push, payload: { ref: 'refs/tags/v1' } }, NOW)).toThrowError(
      /neither a pull request nor a pushed or deleted branch/,
    );
  });
});

describe('findRouting (typed fakes): refusals come before any change', () => {
  const elb = (tags: Record<string, string>, rules: unknown[]) =>
    fakeSdkClient(new ElasticLoadBalancingV2Client({ region: 'us-east-1' }), {
      DescribeTargetGroups: () => ({ TargetGroups: [{ TargetGroupArn: TG, LoadBalancerArns: [LB] }] }),
      DescribeRules: () => ({ Rules: rules }),
      DescribeTags: () => ({
        TagDescriptions: [
          { ResourceArn: TG, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        ],
      }),
    });
  const plan = planPreview(inputs, context, NOW);

  it("refuses a target group with the preview's name but not its tags", async () => {
    await expect(
      findRouting(elb({ team: 'payments' }, []), inputs, plan, 'octo-org/shop'),
    ).rejects.toThrowError(
      /has the name or route of the preview of PR #42 but not its ecs-actions tags; refusing to touch it/,
    );
  });

  it('refuses a host another rule of the listener already routes', async () => {
    const other = {
      RuleArn: 'arn:rule/other',
      Priority: '5',
      IsDefault: false,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['pr-42.preview.example.com'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: 'arn:tg/other' }],
    };
    await expect(findRouting(elb(plan.tags, [other]), inputs, plan, 'octo-org/shop')).rejects.toThrowError(
      /^Host 'pr-42.preview.example.com' is already routed by another rule of the listener \(arn:rule\/other\)/,
    );
  });
});
