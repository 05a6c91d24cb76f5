import { describe, expect, it } from 'vitest';
import {
  applyCommand,
  applyReport,
  applyTitle,
  type CommentState,
  compareOrigin,
  mergeStates,
  type Row,
  stateFromJson,
  statesEqual,
} from './state.js';

const row = (environment: string, runId: number, extra: Partial<Row> = {}): Row => ({
  environment,
  status: 'ready',
  sha: 'a'.repeat(40),
  runId,
  runAttempt: 1,
  at: '2025-03-01T10:00:00.000Z',
  ...extra,
});

describe('ordering of reports', () => {
  it('orders by run id, then attempt, then report time', () => {
    expect(compareOrigin(row('w', 100), row('w', 101))).toBeLessThan(0);
    // A re-run of an older run is still older than a newer run.
    expect(compareOrigin(row('w', 100, { runAttempt: 3 }), row('w', 101))).toBeLessThan(0);
    expect(compareOrigin(row('w', 100, { runAttempt: 2 }), row('w', 100))).toBeGreaterThan(0);
    expect(compareOrigin(row('w', 100, { at: '2025-03-01T10:00:05.000Z' }), row('w', 100))).toBeGreaterThan(
      0,
    );
    expect(compareOrigin(row('w', 100), row('w', 100))).toBe(0);
  });
});

describe('applyReport', () => {
  const state: CommentState = { rows: [row('api', 50), row('web', 101, { sha: 'b'.repeat(40) })] };

  it('refuses a report older than the row: a slow run for an older commit keeps the newer ready', () => {
    const slow = row('web', 100, { status: 'failed', sha: 'c'.repeat(40), at: '2025-03-01T11:00:00.000Z' });
    const applied = applyReport(state, slow);
    expect(applied.outcome).toBe('stale');
    expect(applied.state).toBe(state);
    expect(applied.existing?.runId).toBe(101);
  });

  it('replaces the row for a newer run and keeps the other rows', () => {
    const applied = applyReport(state, row('web', 102, { status: 'deploying' }));
    expect(applied.outcome).toBe('applied');
    expect(applied.state.rows.map((r) => [r.environment, r.runId, r.status])).toEqual([
      ['api', 50, 'ready'],
      ['web', 102, 'deploying'],
    ]);
  });

  it('lets a later step of the same run win, and finds the same report again unchanged', () => {
    const later = row('web', 101, { status: 'failed', at: '2025-03-01T10:05:00.000Z' });
    expect(applyReport(state, later).outcome).toBe('applied');
    const again = row('web', 101, { sha: 'b'.repeat(40), at: '2025-03-01T10:09:00.000Z' });
    expect(applyReport(state, again).outcome).toBe('unchanged');
  });

  it('keeps the URL of the row when a report gives none, but not its message', () => {
    const before: CommentState = {
      rows: [row('web', 1, { url: 'https://web.example.com/', message: 'slow' })],
    };
    const applied = applyReport(before, row('web', 2, { status: 'destroyed' }));
    expect(applied.state.rows).toEqual([
      row('web', 2, { status: 'destroyed', url: 'https://web.example.com/' }),
    ]);
    expect(applyReport(applied.state, row('web', 2, { status: 'destroyed' })).outcome).toBe('unchanged');
  });

  it('adds a row for a new environment, sorted by name', () => {
    const applied = applyReport(state, row('admin', 1));
    expect(applied.outcome).toBe('applied');
    expect(applied.state.rows.map((r) => r.environment)).toEqual(['admin', 'api', 'web']);
  });
});

describe('mergeStates', () => {
  it('keeps the newest row per environment whatever the order of the inputs', () => {
    const a: CommentState = { rows: [row('web', 5), row('api', 9)] };
    const b: CommentState = { rows: [row('web', 7, { status: 'failed' }), row('db', 1)] };
    const ab = mergeStates(a, b);
    const ba = mergeStates(b, a);
    expect(statesEqual(ab, ba)).toBe(true);
    expect(JSON.stringify(ab)).toBe(JSON.stringify(ba));
    expect(ab.rows.map((r) => `${r.environment}:${r.runId}`)).toEqual(['api:9', 'db:1', 'web:7']);
  });

  it('keeps the newest title', () => {
    const title = (text: string, runId: number) => ({
      text,
      runId,
      runAttempt: 1,
      at: '2025-01-01T00:00:00Z',
    });
    const merged = mergeStates({ title: title('New', 9), rows: [] }, { title: title('Old', 3), rows: [] });
    expect(merged.title?.text).toBe('New');
    expect(applyTitle(merged, title('Older', 4)).title?.text).toBe('New');
    expect(applyTitle(merged, title('Newest', 10)).title?.text).toBe('Newest');
  });
});

describe('stateFromJson', () => {
  it('keeps well-formed rows and drops the rest', () => {
    const state = stateFromJson({
      v: 1,
      rows: [
        row('web', 1),
        { environment: 'x', status: 'exploded', runId: 1, runAttempt: 1, at: '2025-01-01T00:00:00Z' },
        { environment: 'y', status: 'ready', runId: -1, runAttempt: 1, at: '2025-01-01T00:00:00Z' },
        { environment: '', status: 'ready', runId: 1, runAttempt: 1, at: '2025-01-01T00:00:00Z' },
        'junk',
        null,
      ],
    });
    expect(state.rows.map((r) => r.environment)).toEqual(['web']);
    expect(stateFromJson('nonsense')).toEqual({ rows: [] });
  });
});

describe('command lines', () => {
  const line = (runId: number, text: string, at = '2026-01-01T00:00:00Z') => ({
    runId,
    runAttempt: 1,
    at,
    by: 'maya',
    text,
    outcome: 'done' as const,
  });

  it('keeps one line per run (the later attempt), the newest ten, newest first, through the JSON round trip', () => {
    let state: CommentState = { rows: [] };
    for (let i = 1; i <= 12; i++) state = applyCommand(state, line(100 + i, `/preview extend ${i}h`));
    state = applyCommand(state, { ...line(112, '/preview extend 12h'), runAttempt: 2, outcome: 'failed' });
    expect(state.commands).toHaveLength(10);
    expect(state.commands?.[0]).toMatchObject({ runId: 112, runAttempt: 2, outcome: 'failed' });
    expect(state.commands?.at(-1)?.runId).toBe(103);
    expect(stateFromJson(JSON.parse(JSON.stringify(state)))).toEqual(state);
    // A hand-edited line with a bad outcome is dropped, not trusted.
    expect(
      stateFromJson({ rows: [], commands: [{ ...line(1, 'x'), outcome: 'pwned' }] }).commands,
    ).toBeUndefined();
  });
});
