import { describe, expect, it } from 'vitest';
import { policyForRepository } from '../iam.js';
import { allowingStatement, authorizationsOf, type Policy } from './iam-eval.js';

const A = { 'ecs-actions:managed-by': 'ecs-actions', 'ecs-actions:repository': 'octo-org/shop' };

/** Allowed when every authorization the call needs is allowed. */
const allowed = (
  policy: Policy,
  action: string,
  params: Record<string, unknown>,
  tags: Record<string, string>[] = [],
) => authorizationsOf(action, params, tags).every((a) => allowingStatement(policy, a) !== undefined);

describe('the IAM check (pure logic, as the IAM evaluation reference describes it)', () => {
  const forB = policyForRepository('preview-destroy', 'octo-org/billing')!;
  const createForB = policyForRepository('preview-create', 'octo-org/billing')!;

  it('the policies of before (managed-by only) let any repository delete another’s rule; the published ones do not', () => {
    const before: Policy = {
      Statement: [
        {
          Effect: 'Allow',
          Action: 'elasticloadbalancing:DeleteRule',
          Condition: { StringEquals: { 'aws:ResourceTag/ecs-actions:managed-by': 'ecs-actions' } },
        },
      ],
    };
    expect(allowed(before, 'elasticloadbalancing:DeleteRule', { RuleArn: 'r' }, [A])).toBe(true);
    expect(allowed(forB, 'elasticloadbalancing:DeleteRule', { RuleArn: 'r' }, [A])).toBe(false);
    expect(
      allowed(forB, 'elasticloadbalancing:DeleteRule', { RuleArn: 'r' }, [
        { ...A, 'ecs-actions:repository': 'octo-org/billing' },
      ]),
    ).toBe(true);
  });

  it('a create with tags also needs the tagging action, with the service’s CreateAction key', () => {
    const tags = [
      { key: 'ecs-actions:managed-by', value: 'ecs-actions' },
      { key: 'ecs-actions:repository', value: 'octo-org/billing' },
    ];
    const auths = authorizationsOf('ecs:CreateService', { tags }, []);
    expect(auths.map((a) => a.action)).toEqual(['ecs:CreateService', 'ecs:TagResource']);
    expect(auths[1]?.keys['ecs:CreateAction']).toBe('CreateService');
    expect(allowed(createForB, 'ecs:CreateService', { tags })).toBe(true);
    // In another repository's name, or untagged: refused.
    expect(
      allowed(createForB, 'ecs:CreateService', { tags: [tags[0], { ...tags[1], value: 'octo-org/shop' }] }),
    ).toBe(false);
    expect(allowed(createForB, 'ecs:CreateService', {})).toBe(false);
    // A plain TagResource (no CreateAction) on a resource of another repository: refused.
    expect(allowed(createForB, 'ecs:TagResource', { tags: [tags[1]] }, [A])).toBe(false);
  });
});
