import { awsErrorCode, errorMessage, UserError } from './errors.js';

/** The IAM service prefix of each client the suite uses, for naming refused actions. */
const IAM_PREFIX: Record<string, string> = {
  ECS: 'ecs',
  'Elastic Load Balancing v2': 'elasticloadbalancing',
  CodeDeploy: 'codedeploy',
  EC2: 'ec2',
  'Resource Groups Tagging API': 'tag',
  'Cognito Identity Provider': 'cognito-idp',
};

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'AuthorizationError',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);

export interface AwsOptions {
  /** Region from the action's input or the environments file; falls back to AWS_REGION / AWS_DEFAULT_REGION. */
  region?: string | undefined;
  /** Total attempts per call, including the first; the adaptive strategy spaces retries and rate-limits. */
  maxAttempts?: number;
  /** Give up on a connection or an answer after this long (an optional read must not hold the step). */
  timeoutMs?: number;
}

/** The region to use, or a UserError that says where to set it. */
export function resolveRegion(region: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const found = region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!found) {
    throw new UserError(
      "No AWS region: set the 'region' input (or 'region' in the environments file), or AWS_REGION — aws-actions/configure-aws-credentials sets it.",
    );
  }
  return found;
}

/**
 * Shared client configuration: region, adaptive retries (client-side rate limiting on throttling
 * instead of long exponential backoff), and our user agent. The endpoint is left to the SDK, which
 * reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself.
 */
export function awsClientConfig(options: AwsOptions = {}) {
  return {
    region: resolveRegion(options.region),
    retryMode: 'adaptive' as const,
    maxAttempts: options.maxAttempts ?? 6,
    // `ecs-actions/<action>`: CloudTrail (and the tests' proxy) can tell which action made a call.
    customUserAgent: `ecs-actions/${process.env.ECS_ACTIONS_ACTION ?? 'unknown'}`,
    ...(options.timeoutMs
      ? {
          requestHandler: {
            connectionTimeout: options.timeoutMs,
            requestTimeout: options.timeoutMs,
            // Without it the handler only warns when the answer is late, and keeps waiting.
            throwOnRequestTimeout: true,
          },
        }
      : {}),
  };
}

interface MiddlewareClient {
  config: { serviceId?: string };
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string; priority?: 'high' | 'low' },
    ): void;
  };
}

/**
 * Builds one SDK client the way every action does. A refused call becomes a UserError that names the
 * IAM action to grant; expired credentials say how to get a longer session.
 */
export function createAwsClient<C>(
  Client: new (config: ReturnType<typeof awsClientConfig>) => C,
  options: AwsOptions = {},
): C {
  const client = new Client(awsClientConfig(options));
  const withStack = client as unknown as MiddlewareClient;
  withStack.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw explainAwsError(error, withStack.config.serviceId, context.commandName);
      }
    },
    { step: 'initialize', name: 'ecsActionsExplainErrors', priority: 'high' },
  );
  return client;
}

/** The IAM action of an SDK command, e.g. `ecs:CreateService`. */
export function iamAction(serviceId: string | undefined, commandName: string | undefined): string {
  const prefix =
    (serviceId && IAM_PREFIX[serviceId]) ?? serviceId?.toLowerCase().replace(/\s+/g, '') ?? 'aws';
  return `${prefix}:${(commandName ?? 'unknown').replace(/Command$/, '')}`;
}

/** Turns permission and credential errors into UserErrors; everything else passes through untouched. */
export function explainAwsError(
  error: unknown,
  serviceId: string | undefined,
  commandName: string | undefined,
): unknown {
  const code = awsErrorCode(error);
  if (code === undefined) return error;
  const action = iamAction(serviceId, commandName);
  if (ACCESS_DENIED.has(code)) {
    return new UserError(
      `AWS refused ${action} (${code}). Allow '${action}' in the IAM policy of the role this workflow assumes (see the action's README for the full policy). AWS said: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  if (EXPIRED.has(code)) {
    return new UserError(
      `AWS credentials expired during ${action}. Raise 'role-duration-seconds' in aws-actions/configure-aws-credentials or shorten the 'timeout' input. AWS said: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  return error;
}
