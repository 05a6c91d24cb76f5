import { Inputs, UserError } from '@ecs-actions/kit';
import { describe, expect, it } from 'vitest';
import { type EventDefaults, parseInputs } from './inputs.js';

const HEAD = 'abcdef0123456789abcdef0123456789abcdef01';
const pullRequest: EventDefaults = { eventName: 'pull_request', prNumber: 7, headSha: HEAD };
const parse = (values: Record<string, string>, event: EventDefaults = pullRequest) =>
  parseInputs(
    new Inputs((name) =>
      values[name] === undefined ? undefined : { value: values[name]!, origin: 'input' },
    ),
    event,
  );
const token = { 'github-token': 'ghs_x' };

describe('parseInputs', () => {
  it('takes the pull request and head commit from the event, and the documented defaults', () => {
    expect(parse({ ...token, status: 'Ready' })).toEqual({
      token: 'ghs_x',
      prNumber: 7,
      key: 'preview',
      mode: 'upsert',
      report: { environment: 'preview', status: 'ready', sha: HEAD },
      failOnReadOnly: false,
    });
  });

  it('reads every input and normalizes the URL and SHA', () => {
    const inputs = parse({
      ...token,
      'pr-number': '12',
      key: 'api-previews',
      mode: 'recreate',
      environment: 'api',
      status: 'failed',
      url: 'https://API.example.com',
      message: 'exit code 1\nsee logs',
      sha: 'ABCDEF1',
      title: 'API previews',
      'fail-on-read-only': 'true',
    });
    expect(inputs).toMatchObject({
      prNumber: 12,
      key: 'api-previews',
      mode: 'recreate',
      report: {
        environment: 'api',
        status: 'failed',
        url: 'https://api.example.com/',
        message: 'exit code 1\nsee logs',
        sha: 'abcdef1',
      },
      title: 'API previews',
      failOnReadOnly: true,
    });
  });

  it('needs pr-number for events without a pull request, such as workflow_dispatch', () => {
    const dispatch = { eventName: 'workflow_dispatch' };
    expect(() => parse({ ...token, status: 'ready' }, dispatch)).toThrowError(
      /Input 'pr-number' is required for 'workflow_dispatch' events/,
    );
    const inputs = parse({ ...token, status: 'ready', 'pr-number': '3' }, dispatch);
    expect(inputs.prNumber).toBe(3);
    // No head commit in the event: run() reads it from the pull request.
    expect(inputs.report?.sha).toBeUndefined();
  });

  it('needs a status to upsert, and ignores row inputs for delete and hide', () => {
    expect(() => parse(token)).toThrowError(/Input 'status' is required with mode 'upsert'/);
    expect(parse({ ...token, mode: 'delete', status: 'ready' }).report).toBeUndefined();
    expect(parse({ ...token, mode: 'hide' }).report).toBeUndefined();
    expect(parse({ ...token, mode: 'recreate' }).report).toBeUndefined();
  });

  it.each([
    [{ key: 'has space' }, /Input 'key': "has space" is not valid/],
    [{ key: 'a--b' }, /Input 'key'/],
    [{ mode: 'replace' }, /Input 'mode'.*Accepted: upsert, recreate, delete, hide/],
    [
      { status: 'done' },
      /Input 'status'.*Accepted: queued, deploying, ready, asleep, failed, skipped, destroyed/,
    ],
    [{ url: 'javascript:alert(1)' }, /Input 'url'.*absolute http\(s\) URL/],
    [{ url: 'pr-7.example.com' }, /Input 'url'/],
    [{ sha: 'main' }, /Input 'sha'/],
    [{ environment: 'two\nlines' }, /Input 'environment'/],
    [{ title: 'x'.repeat(201) }, /Input 'title'/],
    [{ 'pr-number': '0' }, /Input 'pr-number'.*below the minimum of 1/],
    [{ 'fail-on-read-only': 'sometimes' }, /Input 'fail-on-read-only'/],
  ])('refuses %o naming the input', (values, message) => {
    const call = () => parse({ ...token, status: 'ready', ...values });
    expect(call).toThrowError(UserError);
    expect(call).toThrowError(message);
  });
});
