import { UserError } from '@ecs-actions/kit';
import { describe, expect, it } from 'vitest';
import { BODY_LIMIT, fitState, hasMarker, type Links, marker, parseState, renderBody } from './body.js';
import { type CommentState, normalize, type Row } from './state.js';

const links: Links = { serverUrl: 'https://github.com', repository: 'octo-org/shop' };

const row = (environment: string, extra: Partial<Row> = {}): Row => ({
  environment,
  status: 'ready',
  url: `https://${environment}-pr-7.preview.example.com/`,
  sha: '0123456789abcdef0123456789abcdef01234567',
  runId: 4242,
  runAttempt: 1,
  runUrl: 'https://github.com/octo-org/shop/actions/runs/4242',
  at: '2025-03-01T10:04:59.000Z',
  ...extra,
});

const tableLines = (body: string) => body.split('\n').filter((l) => l.startsWith('| '));

describe('marker', () => {
  it('recognizes only its own key, and only as the first line', () => {
    const body = renderBody('preview', { rows: [row('web')] }, links);
    expect(hasMarker(body, 'preview')).toBe(true);
    expect(hasMarker(body, 'preview-2')).toBe(false);
    expect(hasMarker(renderBody('preview-2', { rows: [] }, links), 'preview')).toBe(false);
    expect(hasMarker(`> quoting\n${body}`, 'preview')).toBe(false);
    expect(hasMarker(marker('preview'), 'preview')).toBe(true);
  });
});

describe('render and parse', () => {
  it('reads back exactly the state it wrote, whatever the messages hold', () => {
    const state: CommentState = normalize({
      title: { text: 'Previews <b>', runId: 1, runAttempt: 1, at: '2025-01-01T00:00:00.000Z' },
      rows: [
        row('web', {
          message: 'ends the comment --> and opens <!-- one\n```\ncode -- x\n```\n&amp; 日本語 🚀',
        }),
        row('api', { status: 'failed', message: 'Task stopped: exit code 137\u2028"quoted" \\ backslash' }),
        row('db', { status: 'queued', url: undefined, sha: undefined, runUrl: undefined, runId: 0 }),
      ],
    });
    const body = renderBody('preview', state, links);
    expect(parseState(body)).toEqual(state);
    // The state's JSON never closes its HTML comment early.
    const stateLine = body.split('\n').at(-1)!;
    expect(stateLine.startsWith('<!-- ecs-actions/pr-comment state {')).toBe(true);
    expect(stateLine.indexOf('-->')).toBe(stateLine.length - 3);
    // A message cannot open an HTML comment that would hide the rest.
    expect(body).not.toContain('opens <!-- one');
  });

  it('shows one table row per environment with status symbol, link, short commit, time and run', () => {
    const body = renderBody(
      'preview',
      normalize({ rows: [row('web'), row('api', { status: 'failed', runAttempt: 2 })] }),
      links,
    );
    const lines = tableLines(body);
    expect(lines[0]).toBe('| Environment | Status | URL | Commit | Updated | Run |');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain('**api** | ❌ Failed');
    expect(lines[2]).toContain('(attempt 2)');
    expect(lines[3]).toBe(
      '| **web** | ✅ Ready | [web-pr-7.preview.example.com](<https://web-pr-7.preview.example.com/>) | ' +
        '[`0123456`](https://github.com/octo-org/shop/commit/0123456789abcdef0123456789abcdef01234567) | ' +
        '2025-03-01 10:04 UTC | [#4242](https://github.com/octo-org/shop/actions/runs/4242) |',
    );
    expect(body).toContain('### Preview environments');
  });

  it('strikes destroyed rows through and shows the time of teardown', () => {
    const body = renderBody('preview', { rows: [row('web', { status: 'destroyed' })] }, links);
    const line = tableLines(body)[2]!;
    expect(line).toContain('~~**web**~~');
    expect(line).toContain('🗑️ Destroyed at 2025-03-01 10:04 UTC');
    expect(line).toContain('~~web-pr-7.preview.example.com~~');
    expect(line).not.toContain('](<https://');
  });

  it('keeps pipes and markup in names from breaking the table', () => {
    const body = renderBody(
      'preview',
      { rows: [row('a|b_*c*', { url: 'https://x.example.com/a|b' })] },
      links,
    );
    const line = tableLines(body)[2]!;
    expect(line.split(/(?<!\\)\|/)).toHaveLength(8);
    expect(line).toContain('**a\\|b\\_\\*c\\***');
  });

  it('reads an unreadable state as empty', () => {
    expect(parseState(`${marker('preview')}\nhello`)).toEqual({ rows: [] });
    expect(parseState(`${marker('preview')}\n<!-- ecs-actions/pr-comment state {broken -->`)).toEqual({
      rows: [],
    });
  });
});

describe('fitState', () => {
  const names = ['api', 'db', 'web', 'worker'];

  it('cuts the longest messages to fit the limit, never the table, and reads back what it wrote', () => {
    const state = normalize({
      rows: names.map((name, i) =>
        row(name, { message: i === 1 ? 'short reason' : `${name}: ${'-'.repeat(30_000)}` }),
      ),
    });
    const fitted = fitState('preview', state, links);
    expect(fitted.body.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(fitted.body.length).toBeGreaterThan(BODY_LIMIT - 200);
    expect(fitted.truncated).toEqual(['api', 'web', 'worker']);
    expect(tableLines(fitted.body)).toHaveLength(2 + names.length);
    expect(fitted.state.rows.find((r) => r.environment === 'db')?.message).toBe('short reason');
    expect(fitted.state.rows[0]!.message).toMatch(
      /^api: -+\n\n_… \(cut to fit GitHub's comment size limit\)_$/,
    );
    expect(parseState(fitted.body)).toEqual(fitted.state);
    // Fitting again changes nothing: the comment is stable across runs.
    const again = fitState('preview', parseState(fitted.body), links);
    expect(again.truncated).toEqual([]);
    expect(again.body).toBe(fitted.body);
  });

  it('leaves a body within the limit as it is', () => {
    const state = normalize({ rows: [row('web', { message: 'x'.repeat(1000) })] });
    const fitted = fitState('preview', state, links);
    expect(fitted.truncated).toEqual([]);
    expect(fitted.state).toBe(state);
  });

  it('closes a code fence it cut open, and does not split emoji', () => {
    const message = `Logs:\n\`\`\`\n${'🚀'.repeat(5000)}\n\`\`\``;
    const fitted = fitState('preview', { rows: [row('web', { message })] }, links, 12_000);
    expect(fitted.body.length).toBeLessThanOrEqual(12_000);
    const cut = fitted.state.rows[0]!.message!;
    expect(cut).toMatch(/🚀\n```\n\n_… \(cut/);
    expect(cut).not.toMatch(/\uD83D(?!\uDE80)/);
  });

  it('drops messages when even empty ones do not fit, and refuses a table that does not fit', () => {
    const many = normalize({ rows: Array.from({ length: 20 }, (_, i) => row(`env-${i}`, { message: 'm' })) });
    const tableOnly = renderBody(
      'preview',
      { rows: many.rows.map(({ message: _, ...r }) => r) },
      links,
    ).length;
    const fitted = fitState('preview', many, links, tableOnly + 10);
    expect(fitted.state.rows.every((r) => r.message === undefined)).toBe(true);
    expect(fitted.truncated).toHaveLength(20);
    expect(() => fitState('preview', many, links, tableOnly - 1)).toThrowError(UserError);
    expect(() => fitState('preview', many, links, tableOnly - 1)).toThrowError(/table alone is longer/);
  });
});

describe('skipped rows', () => {
  it('show a fork PR as skipped, with its message, not struck through', () => {
    const body = renderBody(
      'preview',
      normalize({
        rows: [row('web', { status: 'skipped', url: undefined, message: 'Not deployed: a fork.' })],
      }),
      links,
    );
    const line = tableLines(body)[2] ?? '';
    expect(line).toContain('**web** | ⏭️ Skipped');
    expect(line).not.toContain('~~');
    expect(body).toContain('Not deployed: a fork.');
  });
});
