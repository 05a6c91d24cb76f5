import { formatDuration } from '@ecs-actions/kit';

/** configure-aws-credentials' default role session (role-duration-seconds) for OIDC: one hour. */
export const DEFAULT_SESSION_MS = 3600_000;

/**
 * A warning when waiting up to `waitMs` could outlast the AWS credentials: AWS_CREDENTIAL_EXPIRATION when the
 * credentials' expiry is known (the SDK reads it too), else the one-hour default session of temporary
 * credentials (AWS_SESSION_TOKEN set). Long-lived keys (no session token) never expire mid-wait.
 */
export function sessionWarning(env: NodeJS.ProcessEnv, now: number, waitMs: number): string | undefined {
  const fix =
    "Raise 'role-duration-seconds' in aws-actions/configure-aws-credentials (the role's maximum session duration must allow it), lower 'timeout', or use 'wait-until: traffic-shifted'.";
  const expiration = env.AWS_CREDENTIAL_EXPIRATION ? Date.parse(env.AWS_CREDENTIAL_EXPIRATION) : Number.NaN;
  if (Number.isFinite(expiration)) {
    const left = expiration - now;
    if (left < waitMs) {
      return `The AWS credentials expire in ${formatDuration(Math.max(0, left))}, but this step may wait up to ${formatDuration(waitMs)} ('timeout'): the wait would end with ExpiredToken. ${fix}`;
    }
    return undefined;
  }
  if (env.AWS_SESSION_TOKEN && waitMs >= DEFAULT_SESSION_MS * 0.9) {
    return `This step may wait up to ${formatDuration(waitMs)} ('timeout'), about as long as or longer than a default one-hour AWS session; the wait could end with ExpiredToken. ${fix}`;
  }
  return undefined;
}
