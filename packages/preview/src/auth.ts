// The preview rule's actions: an optional authenticate action (Cognito or any OIDC provider) in front of
// the forward. AWS never returns an OIDC client secret, so "unchanged" compares everything else.
import type { Action, Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AuthSettings, SessionSettings } from './auth-settings.js';

/** How the OIDC secret travels in a write: sent, or kept (`UseExistingClientSecret`). */
export type SecretMode = 'send' | 'keep';

/** The rule actions for a preview: authenticate (Order 1) then forward (Order 2), or forward alone. */
export function ruleActions(groupArn: string, auth: AuthSettings, secret: SecretMode = 'send'): Action[] {
  const forward: Action = { Type: 'forward', TargetGroupArn: groupArn };
  if (auth.kind === 'none') return [forward];
  const session = (s: SessionSettings) => ({
    Scope: s.scope,
    SessionCookieName: s.sessionCookieName,
    SessionTimeout: s.sessionTimeoutSeconds,
    OnUnauthenticatedRequest: s.onUnauthenticatedRequest,
    ...(Object.keys(s.extraParams).length > 0 ? { AuthenticationRequestExtraParams: s.extraParams } : {}),
  });
  const authenticate: Action =
    auth.kind === 'cognito'
      ? {
          Type: 'authenticate-cognito',
          Order: 1,
          AuthenticateCognitoConfig: {
            UserPoolArn: auth.userPoolArn,
            // The caller picks the client of the pool that lists this host's callback URL.
            UserPoolClientId: auth.clientIds[0],
            UserPoolDomain: auth.domain,
            ...session(auth),
          },
        }
      : {
          Type: 'authenticate-oidc',
          Order: 1,
          AuthenticateOidcConfig: {
            Issuer: auth.issuer,
            AuthorizationEndpoint: auth.authorizationEndpoint,
            TokenEndpoint: auth.tokenEndpoint,
            UserInfoEndpoint: auth.userInfoEndpoint,
            ClientId: auth.clientId,
            ...(secret === 'send' ? { ClientSecret: auth.clientSecret } : { UseExistingClientSecret: true }),
            ...session(auth),
          },
        };
  return [authenticate, { ...forward, Order: 2 }];
}

/** The same settings with the Cognito app client chosen for the host. */
export function withClient(auth: AuthSettings, clientId: string | undefined): AuthSettings {
  return auth.kind === 'cognito' && clientId ? { ...auth, clientIds: [clientId] } : auth;
}

/** The rule's authenticate action, if it has one. */
export function authenticateActionOf(rule: Rule): Action | undefined {
  return (rule.Actions ?? []).find(
    (a) => a.Type === 'authenticate-cognito' || a.Type === 'authenticate-oidc',
  );
}

/** The comparable text of an action list: secrets and the secret flag left out, defaults filled in. */
function fingerprint(actions: Action[]): string {
  const sorted = [...actions].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0));
  return JSON.stringify(
    sorted.map((a) => {
      const oidc = a.AuthenticateOidcConfig;
      const cognito = a.AuthenticateCognitoConfig;
      const config = oidc
        ? (({ ClientSecret: _s, UseExistingClientSecret: _u, ...rest }) => rest)(oidc)
        : (cognito ?? {});
      return {
        type: a.Type,
        target: a.TargetGroupArn ?? a.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn,
        ...normalise(config as Record<string, unknown>),
      };
    }),
  );
}

function normalise(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(config).sort()) {
    const value = config[key];
    if (value === undefined) continue;
    if (key === 'AuthenticationRequestExtraParams' && Object.keys(value as object).length === 0) continue;
    out[key] = key === 'SessionTimeout' ? Number(value) : value;
  }
  return out;
}

/**
 * What a rule needs to match the wanted auth: nothing, or new actions (with the secret sent when the rule
 * had no OIDC login of this client before, or when a rotation is asked for, else kept).
 */
export function authChange(
  rule: Rule,
  groupArn: string,
  auth: AuthSettings,
): { actions: Action[]; secretSent: boolean } | undefined {
  const current = authenticateActionOf(rule)?.AuthenticateOidcConfig;
  const sameClient =
    auth.kind === 'oidc' && current?.ClientId === auth.clientId && current.Issuer === auth.issuer;
  const rotate = auth.kind === 'oidc' && auth.rotateSecret;
  const unchanged = fingerprint(rule.Actions ?? []) === fingerprint(ruleActions(groupArn, auth, 'keep'));
  if (unchanged && !rotate) return undefined;
  const secret: SecretMode = auth.kind === 'oidc' && (!sameClient || rotate) ? 'send' : 'keep';
  return {
    actions: ruleActions(groupArn, auth, secret),
    secretSent: auth.kind === 'oidc' && secret === 'send',
  };
}

/** One line for summaries and logs: never the secret. */
export function describeAuth(auth: AuthSettings): string {
  if (auth.kind === 'none') return 'no login';
  if (auth.kind === 'cognito') return `Cognito login (${auth.domain}, ${auth.onUnauthenticatedRequest})`;
  return `OIDC login (${new URL(auth.issuer).host}, ${auth.onUnauthenticatedRequest})`;
}
