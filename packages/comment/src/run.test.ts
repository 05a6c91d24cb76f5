import { UserError } from '@ecs-actions/kit';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CommentMeta, type CommentsApi, type IssueComment, WriteForbiddenError } from './api.js';
import { type Links, parseState, renderBody } from './body.js';
import type { PrCommentInputs } from './request.js';
import type { Log } from './run.js';
import { type Deps, type RunIdentity, run, type Timing } from './run.js';
import { type CommentState, normalize, type Row } from './state.js';

const links: Links = { serverUrl: 'https://github.com', repository: 'octo-org/shop' };
const HEAD = 'f'.repeat(40);
const timing: Timing = { maxRounds: 8, settleMs: 0, jitterMs: 0 };

interface Stored {
  id: number;
  nodeId: string;
  author: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  minimized: boolean;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An in-memory pull request: its comments, who wrote them, and every write, in order. */
class MemoryPullRequest {
  comments: Stored[] = [];
  writes: string[] = [];
  /** Rows of our comments after each write, to see lost updates happen. */
  history: string[][] = [];
  dropUpdates = false;
  /** Comments per page (GitHub's is 100): smaller makes a long PR from a few comments. */
  pageSize = Number.POSITIVE_INFINITY;
  /** Reads by kind, to see which way a run read. */
  readsBy = { firstPage: 0, since: 0, all: 0, get: 0 };
  /** Called before each read with its number (1, 2, …): lets a test change the comments in between. */
  beforeRead: ((read: number) => void) | undefined;
  private reads = 0;
  private nextId = 1;
  /** Seeded comments are hours old; the runs' writes happen at their clock's time (12:00). */
  private clock = Date.parse('2025-03-01T10:00:00Z');
  private writeClock = Date.parse('2025-03-01T12:00:00Z');
  private gate: { size: number; arrived: number; open: Promise<void>; release: () => void } | undefined;

  seed(author: string, body: string, minimized = false): Stored {
    const id = this.nextId++;
    this.clock += 1000;
    const comment = {
      id,
      nodeId: `IC_${id}`,
      author,
      body,
      createdAt: new Date(this.clock).toISOString(),
      updatedAt: new Date(this.clock).toISOString(),
      minimized,
    };
    this.comments.push(comment);
    return comment;
  }

  /** The next `size` reads wait for each other, so that they all see the same comments. */
  holdReads(size: number): void {
    let release = () => {};
    const open = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.gate = { size, arrived: 0, open, release };
  }

  ours(viewer = 'bot'): Stored[] {
    return this.comments.filter((c) => c.author === viewer && !c.minimized && c.body.startsWith('<!--'));
  }

  rowsOf(comment: Stored): string[] {
    return parseState(comment.body).rows.map((r) => r.environment);
  }

  api(viewer: string, options: { readOnly?: boolean } = {}): CommentsApi {
    const view = (c: Stored): IssueComment => ({
      id: c.id,
      nodeId: c.nodeId,
      body: c.body,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      htmlUrl: `https://github.com/octo-org/shop/pull/7#issuecomment-${c.id}`,
    });
    const guard = () => {
      if (options.readOnly) throw new WriteForbiddenError('Resource not accessible by integration');
    };
    const record = (what: string) => {
      this.writes.push(`${viewer} ${what}`);
      this.history.push(this.ours(viewer).flatMap((c) => this.rowsOf(c)));
    };
    const read = async () => {
      const gate = this.gate;
      if (gate) {
        gate.arrived++;
        if (gate.arrived === gate.size) {
          this.gate = undefined;
          gate.release();
        }
        await gate.open;
      }
      await tick();
      this.beforeRead?.(++this.reads);
    };
    return {
      list: async () => {
        this.readsBy.all++;
        await read();
        return this.comments.map(view);
      },
      firstPage: async () => {
        this.readsBy.firstPage++;
        await read();
        return {
          comments: this.comments.slice(0, this.pageSize).map(view),
          complete: this.comments.length <= this.pageSize,
        };
      },
      updatedSince: async (since) => {
        this.readsBy.since++;
        await tick();
        return this.comments.filter((c) => c.updatedAt >= since).map(view);
      },
      get: async (id) => {
        this.readsBy.get++;
        await tick();
        const comment = this.comments.find((c) => c.id === id);
        return comment && view(comment);
      },
      meta: async (ids) => {
        await tick();
        const found = new Map<string, CommentMeta>();
        for (const c of this.comments) {
          if (ids.includes(c.nodeId))
            found.set(c.nodeId, { isMinimized: c.minimized, viewerDidAuthor: c.author === viewer });
        }
        return found;
      },
      create: async (body) => {
        await tick();
        guard();
        const comment = this.seed(viewer, body);
        this.writeClock += 1000;
        comment.createdAt = comment.updatedAt = new Date(this.writeClock).toISOString();
        record(`create ${comment.id}`);
        return view(comment);
      },
      update: async (id, body) => {
        await tick();
        guard();
        const comment = this.comments.find((c) => c.id === id);
        if (!comment) return undefined;
        if (!this.dropUpdates) {
          comment.body = body;
          this.writeClock += 1000;
          comment.updatedAt = new Date(this.writeClock).toISOString();
        }
        record(`update ${id}`);
        return view(comment);
      },
      remove: async (id) => {
        await tick();
        guard();
        this.comments = this.comments.filter((c) => c.id !== id);
        record(`remove ${id}`);
      },
      minimize: async (nodeId) => {
        await tick();
        guard();
        const comment = this.comments.find((c) => c.nodeId === nodeId);
        if (comment) comment.minimized = true;
        record(`minimize ${nodeId}`);
      },
      headSha: async () => HEAD,
    };
  }
}

class MemoryLog implements Log {
  lines: string[] = [];
  info = (m: string) => this.lines.push(`info: ${m}`);
  warning = (m: string) => this.lines.push(`warning: ${m}`);
  notice = (m: string) => this.lines.push(`notice: ${m}`);
  debug = (_m: string) => {};
  of(level: string) {
    return this.lines.filter((l) => l.startsWith(`${level}: `));
  }
}

let pr: MemoryPullRequest;
let log: MemoryLog;
beforeEach(() => {
  pr = new MemoryPullRequest();
  log = new MemoryLog();
});

const report = (environment: string, extra: Partial<PrCommentInputs['report']> = {}): PrCommentInputs => ({
  token: 't',
  prNumber: 7,
  key: 'preview',
  mode: 'upsert',
  report: { environment, status: 'ready', url: `https://${environment}.example.com/`, ...extra },
  failOnReadOnly: false,
});
const identity = (runId: number, extra: Partial<RunIdentity> = {}): RunIdentity => ({
  runId,
  runAttempt: 1,
  runUrl: `https://github.com/octo-org/shop/actions/runs/${runId}`,
  links,
  ...extra,
});
const deps = (viewer = 'bot', options: { readOnly?: boolean; at?: string } = {}): Deps => ({
  api: pr.api(viewer, options),
  now: () => new Date(options.at ?? '2025-03-01T12:00:00Z'),
  sleep: tick,
  random: () => 0.5,
  log,
});
const stateBody = (state: CommentState) => renderBody('preview', normalize(state), links);
const storedRow = (environment: string, runId: number, extra: Partial<Row> = {}): Row => ({
  environment,
  status: 'ready',
  sha: 'b'.repeat(40),
  runId,
  runAttempt: 1,
  at: '2025-03-01T11:00:00.000Z',
  ...extra,
});

describe('upsert', () => {
  it('posts the first comment, then updates one row keeping the others', async () => {
    const first = await run(report('web'), identity(100), deps());
    expect(first).toMatchObject({ result: 'created', commentId: 1 });
    expect(first.commentUrl).toBe('https://github.com/octo-org/shop/pull/7#issuecomment-1');
    const second = await run(report('api', { status: 'deploying' }), identity(101), deps());
    expect(second).toMatchObject({ result: 'updated', commentId: 1 });
    expect(pr.comments).toHaveLength(1);
    const rows = parseState(pr.comments[0]!.body).rows;
    expect(rows.map((r) => [r.environment, r.status, r.runId, r.sha])).toEqual([
      ['api', 'deploying', 101, HEAD],
      ['web', 'ready', 100, HEAD],
    ]);
    expect(second.summary).toContain('(https://github.com/octo-org/shop/pull/7#issuecomment-1)');
  });

  it('does not write when the same run reports the same thing again', async () => {
    await run(report('web'), identity(100), deps());
    const writes = pr.writes.length;
    const again = await run(report('web'), identity(100), deps('bot', { at: '2025-03-01T12:30:00Z' }));
    expect(again.result).toBe('unchanged');
    expect(pr.writes).toHaveLength(writes);
  });

  it('leaves a row with newer information alone and says so', async () => {
    const newer = storedRow('web', 101, { url: 'https://new.example.com/' });
    pr.seed('bot', stateBody({ rows: [newer] }));
    const before = pr.comments[0]!.body;
    const result = await run(
      report('web', { status: 'failed', sha: 'a'.repeat(40) }),
      identity(100, { runAttempt: 2 }),
      deps(),
    );
    expect(result.result).toBe('stale');
    expect(pr.comments[0]!.body).toBe(before);
    expect(pr.writes).toEqual([]);
    expect(log.of('notice')[0]).toMatch(
      /Row 'web' left as it is: it holds a newer report \(ready, commit bbbbbbb, run 101/,
    );
  });

  it('reads the head commit from the pull request when neither input nor event gives it', async () => {
    await run(report('web'), identity(100), deps());
    expect(parseState(pr.comments[0]!.body).rows[0]!.sha).toBe(HEAD);
    await run(report('web', { sha: '1234567' }), identity(101), deps());
    expect(parseState(pr.comments[0]!.body).rows[0]!.sha).toBe('1234567');
  });

  it('ignores comments of other authors and minimized ones, and folds duplicates into the oldest', async () => {
    const foreign = pr.seed('mallory', stateBody({ rows: [storedRow('evil', 999)] }));
    const hidden = pr.seed('bot', stateBody({ rows: [storedRow('old', 1)] }), true);
    const oldest = pr.seed('bot', stateBody({ rows: [storedRow('api', 90)] }));
    const duplicate = pr.seed('bot', stateBody({ rows: [storedRow('db', 91), storedRow('api', 92)] }));
    const result = await run(report('web'), identity(100), deps());
    expect(result).toMatchObject({ result: 'updated', commentId: oldest.id });
    expect(pr.comments.map((c) => c.id)).toEqual([foreign.id, hidden.id, oldest.id]);
    const rows = parseState(pr.comments[2]!.body).rows;
    expect(rows.map((r) => `${r.environment}:${r.runId}`)).toEqual(['api:92', 'db:91', 'web:100']);
    expect(pr.writes).toContain(`bot remove ${duplicate.id}`);
    expect(pr.comments[0]!.body).toBe(foreign.body);
  });

  it('ends with one comment holding every row when runs race on an empty pull request', async () => {
    const names = ['api', 'db', 'web', 'worker', 'admin'];
    pr.holdReads(names.length);
    const results = await Promise.all(names.map((name, i) => run(report(name), identity(200 + i), deps())));
    // They all saw no comment and all created one; the oldest won, and each other creator deleted its
    // own duplicate (no run spent a write on a duplicate already gone).
    expect(pr.writes.filter((w) => w.includes('create'))).toHaveLength(names.length);
    expect(pr.writes.filter((w) => w.includes('remove'))).toHaveLength(names.length - 1);
    expect(pr.ours()).toHaveLength(1);
    expect(pr.rowsOf(pr.ours()[0]!)).toEqual([...names].sort());
    expect(new Set(results.map((r) => r.commentId))).toEqual(new Set([pr.ours()[0]!.id]));
  });

  it('restores a row that a racing run overwrote from an older read', async () => {
    pr.seed('bot', stateBody({ rows: [storedRow('db', 1)] }));
    pr.holdReads(2);
    await Promise.all([run(report('web'), identity(300), deps()), run(report('api'), identity(301), deps())]);
    // Both updated from the same read: the second write dropped the first one's row for a while…
    expect(pr.history.some((rows) => rows.length === 2)).toBe(true);
    // …and the run whose row was lost put it back.
    expect(pr.ours()).toHaveLength(1);
    expect(pr.rowsOf(pr.ours()[0]!)).toEqual(['api', 'db', 'web']);
  });

  it('puts back rows it has read when a stale write drops them meanwhile', async () => {
    const comment = pr.seed('bot', stateBody({ rows: [storedRow('db', 1), storedRow('api', 2)] }));
    // Between this run's write and its check, a slower run (whose own check is long over) writes an
    // old state without 'api'.
    pr.beforeRead = (read) => {
      if (read === 2) comment.body = stateBody({ rows: [storedRow('db', 1)] });
    };
    await run(report('web'), identity(100), deps());
    expect(pr.rowsOf(pr.ours()[0]!)).toEqual(['api', 'db', 'web']);
  });

  it('gives up with a clear error when the comment never settles', async () => {
    pr.seed('bot', stateBody({ rows: [storedRow('db', 1)] }));
    pr.dropUpdates = true;
    const call = run(report('web'), identity(100), deps(), { ...timing, maxRounds: 3 });
    await expect(call).rejects.toThrowError(UserError);
    await expect(run(report('web'), identity(100), deps(), { ...timing, maxRounds: 3 })).rejects.toThrowError(
      /did not settle after 3 rounds/,
    );
    expect(pr.writes.filter((w) => w.includes('update'))).toHaveLength(6);
  });
});

describe('a pull request longer than one page of comments', () => {
  const chatter = (n: number) => {
    for (let i = 0; i < n; i++) pr.seed(`reviewer${i}`, `looks good ${i}`);
  };

  it('finds a sticky comment on the first page without reading the other pages', async () => {
    pr.pageSize = 3;
    pr.seed('bot', stateBody({ rows: [storedRow('db', 1)] }));
    chatter(10);
    const result = await run(report('web'), identity(100), deps());
    expect(result.result).toBe('updated');
    expect(pr.rowsOf(pr.ours()[0]!)).toEqual(['db', 'web']);
    // A read is the first page and what changed since the run began: two reads, one write, no full scan.
    expect(pr.readsBy).toEqual({ firstPage: 2, since: 2, all: 0, get: 0 });
    pr.readsBy = { firstPage: 0, since: 0, all: 0, get: 0 };
    expect((await run(report('web'), identity(100), deps())).result).toBe('unchanged');
    expect(pr.readsBy).toEqual({ firstPage: 1, since: 1, all: 0, get: 0 });
  });

  it('looks through every page once when the sticky comment is not on the first one', async () => {
    pr.pageSize = 3;
    chatter(5);
    const far = pr.seed('bot', stateBody({ rows: [storedRow('db', 1)] }));
    chatter(5);
    const result = await run(report('web'), identity(100), deps());
    expect(result).toMatchObject({ result: 'updated', commentId: far.id });
    expect(pr.rowsOf(pr.ours()[0]!)).toEqual(['db', 'web']);
    expect(pr.readsBy.all).toBe(1);
  });

  it('reads a far comment by id after the scan when it has not changed since', async () => {
    pr.pageSize = 3;
    chatter(5);
    const far = pr.seed('bot', stateBody({ rows: [storedRow('db', 1)] }));
    const late = pr.seed('bot', stateBody({ rows: [storedRow('api', 2)] }));
    chatter(5);
    // A duplicate from a run that died: folded into the far (oldest) comment, then deleted two rounds on.
    const result = await run(report('web'), identity(100), deps());
    expect(result).toMatchObject({ result: 'updated', commentId: far.id });
    expect(pr.ours().map((c) => c.id)).toEqual([far.id]);
    expect(pr.comments.some((c) => c.id === late.id)).toBe(false);
    expect(pr.rowsOf(pr.ours()[0]!)).toEqual(['api', 'db', 'web']);
    expect(pr.readsBy.all).toBe(1);
    expect(pr.readsBy.get).toBeGreaterThan(0);
  });

  it('ends with one comment holding every row when runs race on a long pull request without one', async () => {
    pr.pageSize = 3;
    chatter(7);
    const names = ['api', 'db', 'web', 'worker', 'admin', 'jobs', 'cron', 'docs'];
    pr.holdReads(names.length);
    await Promise.all(names.map((name, i) => run(report(name), identity(200 + i), deps())));
    expect(pr.ours()).toHaveLength(1);
    expect(pr.rowsOf(pr.ours()[0]!)).toEqual([...names].sort());
  });

  it('ends with every row when runs race to update a sticky comment on the first page', async () => {
    pr.pageSize = 3;
    pr.seed('bot', stateBody({ rows: [storedRow('db', 1)] }));
    chatter(7);
    const names = ['api', 'web', 'worker', 'admin', 'jobs', 'cron', 'docs', 'search'];
    pr.holdReads(names.length);
    await Promise.all(names.map((name, i) => run(report(name), identity(200 + i), deps())));
    expect(pr.ours()).toHaveLength(1);
    expect(pr.rowsOf(pr.ours()[0]!)).toEqual(['db', ...names].sort());
    expect(pr.readsBy.all).toBe(0);
  });
});

describe('recreate, delete, hide', () => {
  it('recreate posts anew at the bottom with every row and deletes the old comment', async () => {
    const old = pr.seed('bot', stateBody({ rows: [storedRow('db', 1)] }));
    pr.seed('someone', 'a reply');
    const result = await run({ ...report('web'), mode: 'recreate' }, identity(100), deps());
    expect(result.result).toBe('recreated');
    expect(pr.comments.map((c) => c.author)).toEqual(['someone', 'bot']);
    expect(result.commentId).not.toBe(old.id);
    expect(pr.rowsOf(pr.comments[1]!)).toEqual(['db', 'web']);
  });

  it('recreate without a status moves the comment, and finds nothing to do on a bare PR', async () => {
    const bare = await run(
      { ...report('web'), mode: 'recreate', report: undefined } as PrCommentInputs,
      identity(1),
      deps(),
    );
    expect(bare.result).toBe('not-found');
    expect(pr.writes).toEqual([]);
    pr.seed('bot', stateBody({ rows: [storedRow('db', 1)] }));
    const moved = await run(
      { ...report('x'), mode: 'recreate', report: undefined } as PrCommentInputs,
      identity(2),
      deps(),
    );
    expect(moved.result).toBe('recreated');
    expect(pr.rowsOf(pr.ours()[0]!)).toEqual(['db']);
  });

  it('delete removes every comment of the key by this token, and nothing else', async () => {
    const mine = pr.seed('bot', stateBody({ rows: [storedRow('db', 1)] }));
    pr.seed('bot', stateBody({ rows: [storedRow('web', 1)] }));
    const foreign = pr.seed('mallory', stateBody({ rows: [] }));
    const other = pr.seed('bot', renderBody('other-key', { rows: [] }, links));
    const result = await run(
      { ...report('web'), mode: 'delete', report: undefined } as PrCommentInputs,
      identity(1),
      deps(),
    );
    expect(result).toMatchObject({ result: 'deleted', commentId: mine.id });
    expect(pr.comments.map((c) => c.id)).toEqual([foreign.id, other.id]);
    const again = await run(
      { ...report('web'), mode: 'delete', report: undefined } as PrCommentInputs,
      identity(1),
      deps(),
    );
    expect(again.result).toBe('not-found');
  });

  it('hide minimizes the comment, and the next upsert starts a fresh one', async () => {
    const old = pr.seed('bot', stateBody({ rows: [storedRow('db', 1)] }));
    const hidden = await run(
      { ...report('web'), mode: 'hide', report: undefined } as PrCommentInputs,
      identity(1),
      deps(),
    );
    expect(hidden).toMatchObject({ result: 'hidden', commentId: old.id });
    expect(pr.comments[0]!.minimized).toBe(true);
    const fresh = await run(report('web'), identity(2), deps());
    expect(fresh.result).toBe('created');
    expect(pr.rowsOf(pr.ours()[0]!)).toEqual(['web']);
  });
});

describe('read-only token', () => {
  it('warns and succeeds for a fork, reporting the comment it found', async () => {
    const existing = pr.seed('bot', stateBody({ rows: [storedRow('db', 1)] }));
    const result = await run(
      report('web'),
      identity(100, { readOnlyReason: 'this pull request comes from a fork' }),
      deps('bot', { readOnly: true }),
    );
    expect(result).toMatchObject({ result: 'read-only', commentId: existing.id });
    expect(log.of('warning')).toHaveLength(1);
    expect(log.of('warning')[0]).toMatch(
      /not written: this pull request comes from a fork.*fail-on-read-only/,
    );
  });

  it('fails for a fork when asked to, and always when the token merely lacks the permission', async () => {
    const fork = identity(100, { readOnlyReason: 'this pull request comes from a fork' });
    await expect(
      run({ ...report('web'), failOnReadOnly: true }, fork, deps('bot', { readOnly: true })),
    ).rejects.toThrowError(
      /GitHub refused to write the comment on #7 \(403: .*\): this pull request comes from a fork/,
    );
    await expect(run(report('web'), identity(100), deps('bot', { readOnly: true }))).rejects.toThrowError(
      /permissions: pull-requests: write/,
    );
  });
});
