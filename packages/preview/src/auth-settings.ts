// Who may open a preview: the `auth` settings, read and checked with nothing heavy loaded (preview-create's
// edge imports this file). The listener rule's authenticate action is built from them in auth.ts.
import { UserError } from '@ecs-actions/kit/errors';
import type { Inputs } from '@ecs-actions/kit/inputs';

/** What an ALB does with a request that has no valid session. */
export type Unauthenticated = 'authenticate' | 'deny' | 'allow';

/** Settings both kinds of login share, with the ALB's defaults. */
export interface SessionSettings {
  scope: string;
  sessionCookieName: string;
  sessionTimeoutSeconds: number;
  onUnauthenticatedRequest: Unauthenticated;
  extraParams: Record<string, string>;
}

export interface CognitoAuth extends SessionSettings {
  kind: 'cognito';
  userPoolArn: string;
  /** The app client (or a pool of them, when the suite keeps their callback URLs: each holds 100). */
  clientIds: string[];
  domain: string;
  /** Add each preview's callback URL to an app client of the pool, and remove it on destroy. */
  manageCallbacks: boolean;
}

export interface OidcAuth extends SessionSettings {
  kind: 'oidc';
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userInfoEndpoint: string;
  clientId: string;
  /** Write-only in AWS; never logged, tagged or output (masked by the step's edge). */
  clientSecret: string;
  /** Send the secret even when nothing else changed (AWS cannot tell us whether it did). */
  rotateSecret: boolean;
}

export type AuthSettings = { kind: 'none' } | CognitoAuth | OidcAuth;

/** The input that carries the OIDC client secret: masked before anything else reads it. */
export const CLIENT_SECRET_INPUT = 'auth-oidc-client-secret';

const USER_POOL_ARN = /^arn:aws[a-z-]*:cognito-idp:([a-z0-9-]+):\d{12}:userpool\/([a-z0-9-]+_[A-Za-z0-9]+)$/;
const CLIENT_ID = /^[\w+]{1,128}$/;
/** Cognito's SessionTimeout range for ALB authenticate actions: 1 second to 7 days. */
const MAX_SESSION_SECONDS = 604_800;

/** The pool id (`us-east-1_AbC123`) and region of a user pool ARN. */
export function userPoolOf(arn: string): { region: string; id: string } | undefined {
  const match = USER_POOL_ARN.exec(arn);
  return match ? { region: match[1]!, id: match[2]! } : undefined;
}

/** Reads the `auth` settings; every problem names its key, and nothing is read from AWS. */
export function parseAuth(inputs: Inputs): AuthSettings {
  const kind = inputs.oneOf('auth', ['none', 'cognito', 'oidc'] as const, 'none');
  if (kind === 'none') return { kind };
  const session: SessionSettings = {
    scope: inputs.string('auth-scope', 'openid'),
    sessionCookieName: inputs.string('auth-session-cookie-name', 'AWSELBAuthSessionCookie'),
    sessionTimeoutSeconds: Math.round(
      inputs.duration('auth-session-timeout', '7d', { min: 1_000, max: MAX_SESSION_SECONDS * 1000 }) / 1000,
    ),
    onUnauthenticatedRequest: inputs.oneOf(
      'auth-on-unauthenticated-request',
      ['authenticate', 'deny', 'allow'] as const,
      'authenticate',
    ),
    extraParams: inputs.keyValues('auth-extra-params'),
  };
  if (!/^[\x21-\x7e]{1,256}$/.test(session.sessionCookieName)) {
    throw new UserError(
      `Input 'auth-session-cookie-name': "${session.sessionCookieName}" must be 1-256 printable characters without spaces.`,
    );
  }
  if (kind === 'cognito') {
    const need = `with auth: cognito`;
    const userPoolArn = inputs.required('auth-cognito-user-pool-arn', `${need}, the user pool's ARN`);
    if (!userPoolOf(userPoolArn)) {
      throw new UserError(
        `Input 'auth-cognito-user-pool-arn': "${userPoolArn}" is not a Cognito user pool ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/REGION_ID, e.g. arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123).`,
      );
    }
    inputs.required('auth-cognito-client-id', `${need}, the app client id`);
    const clientIds = inputs.list('auth-cognito-client-id');
    for (const id of clientIds) {
      if (!CLIENT_ID.test(id))
        throw new UserError(`Input 'auth-cognito-client-id': "${id}" is not a Cognito app client id.`);
    }
    const manageCallbacks = inputs.boolean('auth-cognito-manage-callback-urls', false);
    if (clientIds.length > 1 && !manageCallbacks) {
      throw new UserError(
        "Input 'auth-cognito-client-id' lists several app clients; a pool of clients is only useful with 'auth-cognito-manage-callback-urls: true' (each client then holds up to 100 previews' callback URLs).",
      );
    }
    const domain = inputs.required(
      'auth-cognito-domain',
      `${need}, the user pool domain: its prefix (my-app) or custom domain (auth.example.com)`,
    );
    if (!/^[a-z0-9](?:[a-z0-9.-]{0,61}[a-z0-9])?$/.test(domain)) {
      throw new UserError(
        `Input 'auth-cognito-domain': "${domain}" is not a domain prefix or domain name (letters, digits, hyphens, dots).`,
      );
    }
    return { kind, userPoolArn, clientIds, domain, manageCallbacks, ...session };
  }
  const need = 'with auth: oidc';
  const endpoint = (name: string, what: string) => {
    const value = inputs.required(name, `${need}, ${what}`);
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== 'https:') {
      throw new UserError(`Input '${name}': "${value}" must be an https:// URL (${what}).`);
    }
    return value;
  };
  const clientSecret = inputs.string(CLIENT_SECRET_INPUT);
  if (clientSecret === undefined) {
    throw new UserError(
      `Input '${CLIENT_SECRET_INPUT}' is required ${need}: pass it from a secret (it is never read from the environments file).`,
    );
  }
  return {
    kind,
    issuer: endpoint('auth-oidc-issuer', "the IdP's issuer, e.g. https://accounts.google.com"),
    authorizationEndpoint: endpoint('auth-oidc-authorization-endpoint', 'the authorization endpoint'),
    tokenEndpoint: endpoint('auth-oidc-token-endpoint', 'the token endpoint'),
    userInfoEndpoint: endpoint('auth-oidc-user-info-endpoint', 'the user info endpoint'),
    clientId: inputs.required('auth-oidc-client-id', `${need}, the client id the IdP gave the ALB`),
    clientSecret,
    rotateSecret: inputs.boolean('auth-oidc-rotate-secret', false),
    ...session,
  };
}
