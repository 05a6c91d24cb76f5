/**
 * A mistake the user can fix (bad input, missing permission, quota reached). Its message is shown as
 * the step's failure as it is, so it must say what to do next. Anything that is not a UserError is a bug.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A wait that reached its deadline; a user-facing outcome, not a bug. */
export class WaitTimeoutError extends UserError {
  override name = 'WaitTimeoutError';
}

/** Error message of anything thrown, without assuming it is an Error. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** AWS SDK errors carry `name` (the error code) and `$metadata`; this reads the code safely. */
export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null) {
    const e = error as { name?: unknown; Code?: unknown; code?: unknown };
    for (const v of [e.name, e.Code, e.code]) if (typeof v === 'string' && v !== 'Error') return v;
  }
  return undefined;
}
