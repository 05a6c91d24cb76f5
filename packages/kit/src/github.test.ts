import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpStatusOf, runContext } from './github.js';

describe('runContext: the run, parsed once for every action', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctx-'));
  const event = join(dir, 'event.json');
  const base = {
    GITHUB_REPOSITORY: 'octo-org/shop',
    GITHUB_EVENT_PATH: event,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_SHA: 'f'.repeat(40),
    GITHUB_RUN_ID: '4242',
    GITHUB_ACTOR: 'octocat',
  };

  it('reads the PR head, the run and its attempt; the run URL names the attempt from the second on', () => {
    writeFileSync(event, JSON.stringify({ pull_request: { number: 7, head: { sha: 'a'.repeat(40) } } }));
    const first = runContext({ ...base, GITHUB_RUN_ATTEMPT: '1' });
    expect(first).toMatchObject({
      owner: 'octo-org',
      repo: 'shop',
      prHeadSha: 'a'.repeat(40),
      headSha: 'a'.repeat(40),
      runId: 4242,
      runAttempt: 1,
      runUrl: 'https://github.com/octo-org/shop/actions/runs/4242',
      serverUrl: 'https://github.com',
      actor: 'octocat',
    });
    expect(
      runContext({ ...base, GITHUB_RUN_ATTEMPT: '3', GITHUB_SERVER_URL: 'https://ghe.example.com' }).runUrl,
    ).toBe('https://ghe.example.com/octo-org/shop/actions/runs/4242/attempts/3');
  });

  it('falls back to GITHUB_SHA without a PR, and to 0 for unknown run numbers', () => {
    writeFileSync(event, JSON.stringify({ schedule: '17 3 * * *' }));
    const context = runContext({ ...base, GITHUB_RUN_ID: 'x' });
    expect(context).toMatchObject({ prHeadSha: undefined, headSha: 'f'.repeat(40), runId: 0, runAttempt: 0 });
    expect(context.runUrl).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the HTTP status of an Octokit error', () => {
    expect(httpStatusOf(Object.assign(new Error('x'), { status: 404 }))).toBe(404);
    expect(httpStatusOf(new Error('x'))).toBeUndefined();
  });
});
