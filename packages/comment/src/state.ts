// The comment's own state: one row per environment, each stamped with the run that reported it. Any
// run can rebuild the comment from this state, and merging two states never loses the newer row.

export const STATUSES = ['queued', 'deploying', 'ready', 'asleep', 'failed', 'skipped', 'destroyed'] as const;
export type Status = (typeof STATUSES)[number];

/**
 * Who reported a piece of information, which is also how reports are ordered. GitHub hands out run
 * ids in increasing order as runs are created, so a run triggered later (a newer push, the PR's
 * close) has a larger id than a run triggered earlier, however long either waits or runs; a re-run
 * keeps its id and raises its attempt. Within one attempt the report time breaks the tie, so a later
 * step of the same job wins. Unknown run ids (outside Actions) count as 0: the oldest.
 */
export interface Origin {
  runId: number;
  runAttempt: number;
  /** When the report was made, ISO 8601 UTC. */
  at: string;
}

export interface Row extends Origin {
  environment: string;
  status: Status;
  url?: string;
  /** Markdown shown under the table for this row (a failure reason, say). */
  message?: string;
  /** Full commit SHA the row is about. */
  sha?: string;
  runUrl?: string;
}

export interface Title extends Origin {
  text: string;
}

export const COMMAND_OUTCOMES = ['done', 'failed', 'refused'] as const;
export type CommandOutcome = (typeof COMMAND_OUTCOMES)[number];

/** One command from a PR comment (`/preview extend 2d`): who asked, what, and how it ended. */
export interface CommandLine extends Origin {
  /** Login of the commenter. */
  by: string;
  /** The command as typed (its first line, at most 100 characters). */
  text: string;
  outcome: CommandOutcome;
  /** One line of plain text: what happened (`expires 2026-12-09 10:00 UTC`) or why not. */
  detail?: string;
  runUrl?: string;
}

/** How many command lines a comment keeps (the newest). */
export const COMMAND_LINES_KEPT = 10;

export interface CommentState {
  title?: Title;
  /** Sorted by environment name, one per name: two runs merging the same rows get the same state. */
  rows: Row[];
  /** The newest commands first, at most COMMAND_LINES_KEPT, one per run (its latest attempt's word). */
  commands?: CommandLine[];
}

export const EMPTY_STATE: CommentState = Object.freeze({ rows: [] }) as CommentState;

/** Negative when `a` is older than `b`, positive when newer, 0 for the same run, attempt and time. */
export function compareOrigin(a: Origin, b: Origin): number {
  return a.runId - b.runId || a.runAttempt - b.runAttempt || (a.at < b.at ? -1 : a.at > b.at ? 1 : 0);
}

/** The same report: everything but the time it was made is equal. */
function sameReport(a: Row, b: Row): boolean {
  return (
    a.runId === b.runId &&
    a.runAttempt === b.runAttempt &&
    a.status === b.status &&
    a.url === b.url &&
    a.message === b.message &&
    a.sha === b.sha &&
    a.runUrl === b.runUrl
  );
}

/** Of two versions of the same thing, the newer; a deterministic pick when both are equally new. */
function newer<T extends Origin>(a: T, b: T): T {
  const order = compareOrigin(a, b);
  if (order !== 0) return order > 0 ? a : b;
  return JSON.stringify(canonicalValue(a)) >= JSON.stringify(canonicalValue(b)) ? a : b;
}

/** Merges states (of duplicate comments, or of earlier reads): per environment, the newest row wins. */
export function mergeStates(...states: CommentState[]): CommentState {
  const rows = new Map<string, Row>();
  const commands = new Map<number, CommandLine>();
  let title: Title | undefined;
  for (const state of states) {
    for (const row of state.rows) {
      const existing = rows.get(row.environment);
      rows.set(row.environment, existing ? newer(existing, row) : row);
    }
    for (const line of state.commands ?? []) {
      const existing = commands.get(line.runId);
      commands.set(line.runId, existing ? newer(existing, line) : line);
    }
    if (state.title) title = title ? newer(title, state.title) : state.title;
  }
  return normalize({
    ...(title ? { title } : {}),
    rows: [...rows.values()],
    ...(commands.size > 0 ? { commands: [...commands.values()] } : {}),
  });
}

/** Adds a command's line (or replaces the line of an earlier attempt of the same run). */
export function applyCommand(state: CommentState, line: CommandLine): CommentState {
  return mergeStates(state, { rows: [], commands: [line] });
}

export type ReportOutcome =
  /** The row was added or replaced. */
  | 'applied'
  /** The same run already reported exactly this: nothing to change. */
  | 'unchanged'
  /** The row holds newer information (a later run, or a later step of this one): left as it is. */
  | 'stale';

/** Puts one run's report into the state unless the row there is newer. */
export function applyReport(
  state: CommentState,
  report: Row,
): { state: CommentState; outcome: ReportOutcome; existing?: Row } {
  const existing = state.rows.find((r) => r.environment === report.environment);
  // An environment keeps its URL when a report gives none (a teardown, a redeploy); a message is
  // about one report only.
  const row =
    report.url === undefined && existing?.url !== undefined ? { ...report, url: existing.url } : report;
  if (existing && sameReport(existing, row)) return { state, outcome: 'unchanged', existing };
  if (existing && compareOrigin(existing, row) > 0) return { state, outcome: 'stale', existing };
  const rows = state.rows.filter((r) => r.environment !== row.environment).concat(row);
  return {
    state: normalize({ ...state, rows }),
    outcome: 'applied',
    ...(existing ? { existing } : {}),
  };
}

/** Sets the heading unless a newer run set another one. */
export function applyTitle(state: CommentState, title: Title): CommentState {
  if (state.title?.text === title.text) return state;
  if (state.title && compareOrigin(state.title, title) > 0) return state;
  return { ...state, title };
}

/** Whether two states hold the same information (key order and row order do not matter). */
export function statesEqual(a: CommentState, b: CommentState): boolean {
  return JSON.stringify(canonicalValue(normalize(a))) === JSON.stringify(canonicalValue(normalize(b)));
}

/** Rows sorted by environment name (code-unit order, the same in every runtime). */
export function normalize(state: CommentState): CommentState {
  const rows = [...state.rows].sort((a, b) =>
    a.environment < b.environment ? -1 : a.environment > b.environment ? 1 : 0,
  );
  const commands = [...(state.commands ?? [])]
    .sort((a, b) => compareOrigin(b, a))
    .slice(0, COMMAND_LINES_KEPT);
  return {
    ...(state.title ? { title: state.title } : {}),
    rows,
    ...(commands.length > 0 ? { commands } : {}),
  };
}

/** A copy with keys in a fixed order and unset optional fields left out: for comparing and storing. */
export function canonicalValue<T extends object>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? canonicalValue(v) : v)) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    out[key] = typeof v === 'object' && v !== null ? canonicalValue(v) : v;
  }
  return out as T;
}

/**
 * Reads a state from untrusted JSON (a comment anyone with write access could have edited): keeps
 * what has the right shape and drops the rest.
 */
export function stateFromJson(value: unknown): CommentState {
  if (typeof value !== 'object' || value === null) return { rows: [] };
  const raw = value as { title?: unknown; rows?: unknown; commands?: unknown };
  const rows = Array.isArray(raw.rows) ? raw.rows.flatMap((r) => rowFromJson(r) ?? []) : [];
  const commands = Array.isArray(raw.commands) ? raw.commands.flatMap((c) => commandFromJson(c) ?? []) : [];
  const title = titleFromJson(raw.title);
  return mergeStates({ ...(title ? { title } : {}), rows, commands });
}

function commandFromJson(value: unknown): CommandLine | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Record<string, unknown>;
  const origin = originFromJson(raw);
  const outcome = raw.outcome as CommandOutcome;
  if (!origin || typeof raw.by !== 'string' || typeof raw.text !== 'string') return undefined;
  if (!COMMAND_OUTCOMES.includes(outcome)) return undefined;
  const line: CommandLine = { by: raw.by, text: raw.text, outcome, ...origin };
  for (const key of ['detail', 'runUrl'] as const) {
    if (typeof raw[key] === 'string') line[key] = raw[key];
  }
  return line;
}

function originFromJson(value: Record<string, unknown>): Origin | undefined {
  const { runId, runAttempt, at } = value;
  if (!isCount(runId) || !isCount(runAttempt) || typeof at !== 'string' || Number.isNaN(Date.parse(at)))
    return undefined;
  return { runId, runAttempt, at };
}

function rowFromJson(value: unknown): Row | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Record<string, unknown>;
  const origin = originFromJson(raw);
  const status = raw.status as Status;
  if (!origin || typeof raw.environment !== 'string' || raw.environment === '') return undefined;
  if (!STATUSES.includes(status)) return undefined;
  const row: Row = { environment: raw.environment, status, ...origin };
  for (const key of ['url', 'message', 'sha', 'runUrl'] as const) {
    if (typeof raw[key] === 'string') row[key] = raw[key];
  }
  return row;
}

function titleFromJson(value: unknown): Title | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Record<string, unknown>;
  const origin = originFromJson(raw);
  return origin && typeof raw.text === 'string' ? { text: raw.text, ...origin } : undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
