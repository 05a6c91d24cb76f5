import { describe, expect, it } from 'vitest';
import { sessionWarning } from './session.js';

const now = Date.UTC(2026, 0, 1, 12);

describe('sessionWarning', () => {
  it('warns when the known expiry comes before the end of the wait', () => {
    const env = { AWS_CREDENTIAL_EXPIRATION: new Date(now + 20 * 60_000).toISOString() };
    expect(sessionWarning(env, now, 30 * 60_000)).toMatch(/expire in 20m.*up to 30m/);
    expect(sessionWarning(env, now, 10 * 60_000)).toBeUndefined();
  });

  it('assumes the one-hour default for temporary credentials of unknown expiry', () => {
    expect(sessionWarning({ AWS_SESSION_TOKEN: 't' }, now, 2 * 3600_000)).toMatch(/role-duration-seconds/);
    expect(sessionWarning({ AWS_SESSION_TOKEN: 't' }, now, 30 * 60_000)).toBeUndefined();
    expect(sessionWarning({}, now, 5 * 3600_000)).toBeUndefined();
  });
});
