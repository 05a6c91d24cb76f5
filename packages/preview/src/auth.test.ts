import type { Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Inputs } from '@ecs-actions/kit/inputs';
import { describe, expect, it } from 'vitest';
import { authChange, ruleActions } from './auth.js';
import { type AuthSettings, parseAuth } from './auth-settings.js';

const GROUP = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/pr-1/abc';

function settings(values: Record<string, string>): AuthSettings {
  return parseAuth(
    new Inputs((name) => (values[name] ? { value: values[name], origin: 'input' } : undefined)),
  );
}

const OIDC = {
  auth: 'oidc',
  'auth-oidc-issuer': 'https://idp.example.com',
  'auth-oidc-authorization-endpoint': 'https://idp.example.com/a',
  'auth-oidc-token-endpoint': 'https://idp.example.com/t',
  'auth-oidc-user-info-endpoint': 'https://idp.example.com/u',
  'auth-oidc-client-id': 'alb',
  'auth-oidc-client-secret': 'secret-1',
};

/** A rule as DescribeRules returns it: the secret and the keep-flag are never in it. */
function described(auth: AuthSettings): Rule {
  const actions = ruleActions(GROUP, auth).map((a) => {
    if (!a.AuthenticateOidcConfig) return a;
    const { ClientSecret: _s, ...rest } = a.AuthenticateOidcConfig;
    return { ...a, AuthenticateOidcConfig: rest };
  });
  return { RuleArn: 'r', Actions: actions };
}

describe('authChange (pure logic: what DescribeRules shows against what is wanted)', () => {
  it('changes nothing when only the unreadable secret could differ', () => {
    expect(authChange(described(settings(OIDC)), GROUP, settings(OIDC))).toBeUndefined();
    expect(
      authChange(described(settings(OIDC)), GROUP, settings({ ...OIDC, 'auth-oidc-client-secret': 'other' })),
    ).toBeUndefined();
  });

  it('keeps the secret when other settings change, sends it for a new client or a rotation', () => {
    const scope = authChange(
      described(settings(OIDC)),
      GROUP,
      settings({ ...OIDC, 'auth-scope': 'openid email' }),
    );
    expect(scope?.secretSent).toBe(false);
    expect(scope?.actions[0]?.AuthenticateOidcConfig).toMatchObject({ UseExistingClientSecret: true });
    expect(scope?.actions[0]?.AuthenticateOidcConfig?.ClientSecret).toBeUndefined();
    const client = authChange(
      described(settings(OIDC)),
      GROUP,
      settings({ ...OIDC, 'auth-oidc-client-id': 'new' }),
    );
    expect(client?.actions[0]?.AuthenticateOidcConfig?.ClientSecret).toBe('secret-1');
    const rotate = authChange(
      described(settings(OIDC)),
      GROUP,
      settings({ ...OIDC, 'auth-oidc-rotate-secret': 'true' }),
    );
    expect(rotate?.secretSent).toBe(true);
    const on = authChange(described({ kind: 'none' }), GROUP, settings(OIDC));
    expect(on?.actions.map((a) => [a.Type, a.Order])).toEqual([
      ['authenticate-oidc', 1],
      ['forward', 2],
    ]);
    expect(on?.secretSent).toBe(true);
  });

  it('turns the login off to a lone forward', () => {
    expect(authChange(described(settings(OIDC)), GROUP, { kind: 'none' })?.actions).toEqual([
      { Type: 'forward', TargetGroupArn: GROUP },
    ]);
    expect(authChange(described({ kind: 'none' }), GROUP, { kind: 'none' })).toBeUndefined();
  });

  it('refuses a pool of Cognito clients without managed callback URLs', () => {
    expect(() =>
      settings({
        auth: 'cognito',
        'auth-cognito-user-pool-arn': 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123',
        'auth-cognito-client-id': 'a1,b2',
        'auth-cognito-domain': 'shop',
      }),
    ).toThrow(/auth-cognito-manage-callback-urls/);
  });
});
