// Cognito app clients list every callback URL they accept, and a preview's login returns to
// `https://HOST/oauth2/idpresponse`. With `auth-cognito-manage-callback-urls`, the suite adds each preview's
// URL to an app client of the pool (each holds up to 100) and removes it on destroy. UpdateUserPoolClient
// resets every field it is not given, so each write sends the whole client back with one list changed.
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  UpdateUserPoolClientCommand,
  type UpdateUserPoolClientCommandInput,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { awsErrorCode, createAwsClient, UserError } from '@ecs-actions/kit';
import { userPoolOf } from './auth-settings.js';

/** Cognito's quota of callback URLs per app client. */
export const CALLBACK_URLS_PER_CLIENT = 100;

/** The URL an ALB sends the IdP's answer to, for one host. */
export function callbackUrl(host: string): string {
  return `https://${host}/oauth2/idpresponse`;
}

/** A client for the region a user pool lives in (its id starts with the region: `us-east-1_AbC123`). */
export function createCognitoClient(poolId: string): CognitoIdentityProviderClient {
  return createAwsClient(CognitoIdentityProviderClient, { region: poolId.split('_')[0] });
}

/** The fields UpdateUserPoolClient takes; any left out would be reset to its default. */
const UPDATABLE = [
  'ClientName',
  'RefreshTokenValidity',
  'AccessTokenValidity',
  'IdTokenValidity',
  'TokenValidityUnits',
  'ReadAttributes',
  'WriteAttributes',
  'ExplicitAuthFlows',
  'SupportedIdentityProviders',
  'CallbackURLs',
  'LogoutURLs',
  'DefaultRedirectURI',
  'AllowedOAuthFlows',
  'AllowedOAuthScopes',
  'AllowedOAuthFlowsUserPoolClient',
  'AnalyticsConfiguration',
  'PreventUserExistenceErrors',
  'EnableTokenRevocation',
  'EnablePropagateAdditionalUserContextData',
  'AuthSessionValidity',
  'RefreshTokenRotation',
] as const satisfies readonly (keyof UpdateUserPoolClientCommandInput & keyof UserPoolClientType)[];

/** The update that sends `client` back unchanged except for its callback URLs. */
export function updateOf(
  client: UserPoolClientType,
  callbackUrls: string[],
): UpdateUserPoolClientCommandInput {
  const input: Record<string, unknown> = { UserPoolId: client.UserPoolId, ClientId: client.ClientId };
  for (const key of UPDATABLE) if (client[key] !== undefined) input[key] = client[key];
  input.CallbackURLs = callbackUrls;
  return input as unknown as UpdateUserPoolClientCommandInput;
}

async function describeClient(
  cognito: CognitoIdentityProviderClient,
  poolId: string,
  clientId: string,
): Promise<UserPoolClientType> {
  try {
    const { UserPoolClient } = await cognito.send(
      new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    if (!UserPoolClient) throw new Error('no client in the answer');
    return UserPoolClient;
  } catch (error) {
    if (awsErrorCode(error) === 'ResourceNotFoundException') {
      throw new UserError(
        `Input 'auth-cognito-client-id': app client ${clientId} is not in user pool ${poolId} ('auth-cognito-user-pool-arn').`,
      );
    }
    throw error;
  }
}

/**
 * The app client of the pool for this host, read before anything changes: the one that already lists its
 * URL (or the rule's current client), else the first with room. All full: a UserError naming the quota.
 */
export async function chooseCallbackClient(
  cognito: CognitoIdentityProviderClient,
  userPoolArn: string,
  clientIds: string[],
  host: string,
  preferred: string | undefined,
): Promise<{ clientId: string; listed: boolean }> {
  const poolId = userPoolOf(userPoolArn)!.id;
  const url = callbackUrl(host);
  const order =
    preferred && clientIds.includes(preferred)
      ? [preferred, ...clientIds.filter((c) => c !== preferred)]
      : clientIds;
  const full: string[] = [];
  let room: string | undefined;
  for (const clientId of order) {
    const client = await describeClient(cognito, poolId, clientId);
    const urls = client.CallbackURLs ?? [];
    if (urls.includes(url)) return { clientId, listed: true };
    if (urls.length < CALLBACK_URLS_PER_CLIENT) room ??= clientId;
    else full.push(clientId);
  }
  if (room) return { clientId: room, listed: false };
  throw new UserError(
    `Every app client in 'auth-cognito-client-id' (${full.join(', ')}) lists ${CALLBACK_URLS_PER_CLIENT} callback URLs, Cognito's limit per client, so no preview was created. Add another app client of the user pool (with the same settings) to 'auth-cognito-client-id', or destroy stale previews (preview-sweep).`,
  );
}

const ATTEMPTS = 4;

/**
 * Adds or removes the host's callback URL on one client and reads it back: a concurrent run's write of
 * the whole list may have dropped ours, so each write is checked and repeated (up to 4 times).
 */
export async function setCallback(
  cognito: CognitoIdentityProviderClient,
  poolId: string,
  clientId: string,
  host: string,
  present: boolean,
): Promise<boolean> {
  const url = callbackUrl(host);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const client = await describeClient(cognito, poolId, clientId);
    const urls = client.CallbackURLs ?? [];
    if (urls.includes(url) === present) return attempt > 0;
    const next = present ? [...urls, url] : urls.filter((u) => u !== url);
    if (next.length > CALLBACK_URLS_PER_CLIENT) {
      throw new UserError(
        `App client ${clientId} already lists ${CALLBACK_URLS_PER_CLIENT} callback URLs (Cognito's limit); add another client to 'auth-cognito-client-id'.`,
      );
    }
    try {
      await cognito.send(new UpdateUserPoolClientCommand(updateOf(client, next)));
    } catch (error) {
      if (awsErrorCode(error) !== 'ConcurrentModificationException') throw error;
    }
  }
  const client = await describeClient(cognito, poolId, clientId);
  if ((client.CallbackURLs ?? []).includes(url) === present) return true;
  throw new UserError(
    `Could not ${present ? 'add' : 'remove'} ${url} on app client ${clientId} after ${ATTEMPTS} attempts (other runs kept rewriting its callback URLs); re-run the job.`,
  );
}

/** `POOL_ID/CLIENT_ID` for the rule's tag, and back. */
export function callbackTagValue(poolId: string, clientId: string): string {
  return `${poolId}/${clientId}`;
}

export function parseCallbackTag(
  value: string | undefined,
): { poolId: string; clientId: string } | undefined {
  const match = /^([a-z0-9-]+_[A-Za-z0-9]+)\/([\w+]+)$/.exec(value ?? '');
  return match ? { poolId: match[1]!, clientId: match[2]! } : undefined;
}
