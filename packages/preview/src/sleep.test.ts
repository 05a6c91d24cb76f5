import { branchKey, prKey } from '@ecs-actions/kit';
import { describe, expect, it } from 'vitest';
import { asleepFor, routesTo, sleepPage, withAnswer } from './sleep.js';

const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-pr-7/0123456789abcdef';

describe('the sleep page and the rule (pure)', () => {
  it('fits ALB’s 1,024 characters for any branch, escapes it, and marks the target group', () => {
    const page = sleepPage(branchKey(`feature/<script>${'x'.repeat(150)}`), 'idle', TG);
    expect(page.length).toBeLessThanOrEqual(1024);
    expect(page).not.toContain('<script>');
    const rule = {
      Actions: [
        {
          Type: 'fixed-response' as const,
          FixedResponseConfig: { StatusCode: '503', MessageBody: sleepPage(prKey(7), 'schedule', TG) },
        },
      ],
    };
    expect(asleepFor(rule, TG)).toBe(true);
    expect(asleepFor(rule, `${TG}0`)).toBe(false);
    expect(routesTo(rule, TG)).toBe(true);
    expect(routesTo({ Actions: [{ Type: 'forward', TargetGroupArn: TG }] }, TG)).toBe(true);
  });

  it('keeps the login in front and its OIDC secret stored when swapping the answer', () => {
    const actions = [
      { Type: 'forward' as const, TargetGroupArn: TG, Order: 2 },
      {
        Type: 'authenticate-oidc' as const,
        Order: 1,
        AuthenticateOidcConfig: {
          Issuer: 'https://idp',
          ClientId: 'c',
          ClientSecret: 'never-readable',
          AuthorizationEndpoint: 'a',
          TokenEndpoint: 't',
          UserInfoEndpoint: 'u',
        },
      },
    ];
    const asleep = withAnswer(actions, {
      Type: 'fixed-response',
      FixedResponseConfig: { StatusCode: '503' },
    });
    expect(asleep.map((a) => [a.Type, a.Order])).toEqual([
      ['authenticate-oidc', 1],
      ['fixed-response', 2],
    ]);
    expect(asleep[0]?.AuthenticateOidcConfig).toMatchObject({ UseExistingClientSecret: true });
    expect(asleep[0]?.AuthenticateOidcConfig?.ClientSecret).toBeUndefined();
    expect(withAnswer([{ Type: 'forward', TargetGroupArn: TG }], { Type: 'fixed-response' })).toEqual([
      { Type: 'fixed-response', Order: undefined },
    ]);
  });
});
