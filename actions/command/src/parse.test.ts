import { describe, expect, it } from 'vitest';
import { parseComment } from './parse.js';

describe('parseComment (pure)', () => {
  it('reads each command from the first line, any case, extra lines ignored', () => {
    expect(parseComment('/preview redeploy')).toMatchObject({
      type: 'command',
      command: { kind: 'preview', verb: 'redeploy' },
    });
    expect(parseComment('  /Preview WAKE\nplease, for the demo')).toMatchObject({
      type: 'command',
      command: { verb: 'wake', text: '/Preview WAKE' },
    });
    expect(parseComment('/preview extend 36h')).toMatchObject({
      command: { verb: 'extend', extendMs: 36 * 3_600_000 },
    });
    expect(parseComment('/preview extend')).toMatchObject({ command: { verb: 'extend' } });
    expect(parseComment('/deploy staging')).toEqual({
      type: 'command',
      command: { kind: 'deploy', environment: 'staging', text: '/deploy staging' },
    });
    expect(parseComment('/deploy qa-2 release/1.4')).toMatchObject({
      command: { environment: 'qa-2', ref: 'release/1.4' },
    });
  });

  it('leaves ordinary comments and other bots’ commands alone', () => {
    for (const body of ['LGTM', 'see /deploy docs', '/assign @maya', '/label bug', '', '/']) {
      expect(parseComment(body)).toEqual({ type: 'none' });
    }
  });

  it.each([
    ['/deploy', 'needs an environment'],
    ['/deploy staging main extra', 'nothing more'],
    ['/deploy staging $(id)', 'is not a branch or tag name'],
    ['/deploy ../prod', 'is not an environment name'],
    ['/deploy staging -rf', 'is not a branch or tag name'],
    ['/deploy staging feature..x', 'is not a branch or tag name'],
    ['/deploy staging refs/heads/x.lock', 'is not a branch or tag name'],
    ['/preview', 'needs a command'],
    ['/preview redeploy now', 'takes no arguments'],
    ['/preview extend 1d 2d', 'one duration at most'],
    ['/preview extend -1d', 'is not a duration'],
    ['/prеview wake', 'plain ASCII'], // Cyrillic е
    ['/deploy stagіng', 'outside plain ASCII'], // Cyrillic і in the argument
    ['/deploy staging\u202e', 'outside plain ASCII'], // right-to-left override
  ])('refuses %j', (body, reason) => {
    const parsed = parseComment(body);
    expect(parsed.type).toBe('invalid');
    expect(parsed.type === 'invalid' && parsed.reason).toContain(reason);
  });

  it('shows user text in replies with invisible characters made visible and backticks escaped, at most 100 characters', () => {
    const parsed = parseComment('/preview `rm`');
    expect(parsed.type === 'invalid' && parsed.reason).toContain('\\u{60}rm\\u{60}');
    const long = parseComment(`/deploy ${'a'.repeat(300)}`);
    expect(long.type === 'invalid' && Array.from(long.text).length).toBe(100);
  });
});
