// The comment's text: a marker that says which sticky comment it is, the table, the rows' messages,
// and the state as JSON in a hidden HTML comment at the end, so that any run can rebuild the comment.
import { table, UserError } from '@ecs-actions/kit';
import {
  type CommandOutcome,
  type CommentState,
  canonicalValue,
  type Row,
  type Status,
  stateFromJson,
} from './state.js';

/** GitHub refuses comment bodies longer than this (it counts characters; we count UTF-16 units, never fewer). */
export const BODY_LIMIT = 65_536;
export const DEFAULT_TITLE = 'Preview environments';
const STATE_OPEN = '<!-- ecs-actions/pr-comment state ';
const STATE_CLOSE = ' -->';
const STATE_VERSION = 1;

const STATUS_LABEL: Record<Status, string> = {
  queued: '🕓 Queued',
  deploying: '🚧 Deploying',
  ready: '✅ Ready',
  asleep: '💤 Asleep',
  failed: '❌ Failed',
  skipped: '⏭️ Skipped',
  destroyed: '🗑️ Destroyed',
};

/** Where links point: the server (github.com or an Enterprise host) and the repository. */
export interface Links {
  serverUrl: string;
  repository: string;
}

/** The first line of every comment of this key: how the action recognizes its comment. */
export function marker(key: string): string {
  return `<!-- ecs-actions/pr-comment key=${key} -->`;
}

/** Whether a body is a comment of this key (the marker must be its first line, not merely quoted). */
export function hasMarker(body: string, key: string): boolean {
  const first = marker(key);
  return body === first || body.startsWith(`${first}\n`) || body.startsWith(`${first}\r\n`);
}

/** The state a comment of this key carries; empty when it carries none or it cannot be read. */
export function parseState(body: string): CommentState {
  const start = body.lastIndexOf(STATE_OPEN);
  if (start < 0) return { rows: [] };
  const end = body.indexOf(STATE_CLOSE, start + STATE_OPEN.length);
  if (end < 0) return { rows: [] };
  try {
    const json = JSON.parse(body.slice(start + STATE_OPEN.length, end)) as { v?: unknown };
    return stateFromJson(json);
  } catch {
    return { rows: [] };
  }
}

/**
 * JSON that can sit inside an HTML comment: `-`, `<`, `>` and `&` only occur inside strings here (the
 * numbers are never negative), where `\u002d` and friends read back as the same characters.
 */
function stateJson(state: CommentState): string {
  return JSON.stringify(canonicalValue({ v: STATE_VERSION, ...state })).replace(
    /[-<>&]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The comment body for a state, as it is; `fitState` first makes sure it is within the limit. */
export function renderBody(key: string, state: CommentState, links: Links): string {
  const title = state.title?.text ?? DEFAULT_TITLE;
  const parts = [marker(key), `### ${escapeInline(title)}`, ''];
  if (state.rows.length === 0) {
    parts.push('_No environments yet._');
  } else {
    parts.push(
      table(
        ['Environment', 'Status', 'URL', 'Commit', 'Updated', 'Run'],
        state.rows.map((row) => renderRow(row, links)),
      ),
    );
  }
  for (const row of state.rows) {
    if (row.message === undefined || row.message === '') continue;
    parts.push(
      '',
      `<details open><summary><b>${escapeHtml(row.environment)}</b>: ${STATUS_LABEL[row.status]}</summary>`,
      '',
      neutralizeComments(row.message),
      '',
      '</details>',
    );
  }
  if (state.commands?.length) {
    parts.push(
      '',
      '<details open><summary><b>Commands</b> (newest first)</summary>',
      '',
      table(
        ['When', 'Who', 'Command', 'Outcome', 'Run'],
        state.commands.map((c) => [
          formatTime(c.at),
          `@${escapeInline(c.by)}`,
          escapeInline(c.text),
          `${COMMAND_LABEL[c.outcome]}${c.detail ? `: ${escapeInline(c.detail)}` : ''}`,
          c.runUrl ? `[#${c.runId}](${c.runUrl})` : c.runId ? `#${c.runId}` : '—',
        ]),
      ),
      '',
      '</details>',
    );
  }
  parts.push('', `${STATE_OPEN}${stateJson(state)}${STATE_CLOSE}`);
  return parts.join('\n');
}

const COMMAND_LABEL: Record<CommandOutcome, string> = {
  done: '🚀 done',
  failed: '❌ failed',
  refused: '👎 refused',
};

function renderRow(row: Row, links: Links): string[] {
  const destroyed = row.status === 'destroyed';
  const when = formatTime(row.at);
  const name = `**${escapeInline(row.environment)}**`;
  let url = '—';
  if (row.url) {
    const shown = escapeInline(row.url.replace(/^https?:\/\//, '').replace(/\/$/, ''));
    url = destroyed ? `~~${shown}~~` : `[${shown}](<${row.url}>)`;
  }
  const commit = row.sha
    ? `[\`${row.sha.slice(0, 7)}\`](${links.serverUrl}/${links.repository}/commit/${row.sha})`
    : '—';
  const attempt = row.runAttempt > 1 ? ` (attempt ${row.runAttempt})` : '';
  const run = row.runUrl ? `[#${row.runId}${attempt}](${row.runUrl})` : row.runId ? `#${row.runId}` : '—';
  return [
    destroyed ? `~~${name}~~` : name,
    destroyed ? `${STATUS_LABEL.destroyed} at ${when}` : STATUS_LABEL[row.status],
    url,
    commit,
    when,
    run,
  ];
}

/** `2025-01-02 03:04 UTC` */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Text shown as is in markdown: its markup characters escaped. */
function escapeInline(text: string): string {
  return text.replace(/[\\`*_[\]<>~#!]/g, (c) => `\\${c}`);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An HTML comment opened in a message would hide the rest of the comment from readers. */
function neutralizeComments(markdown: string): string {
  return markdown.replace(/<!--/g, '&lt;!--');
}

/** What `fitState` did to make the body fit. */
export interface Fitted {
  state: CommentState;
  body: string;
  /** Environments whose message was cut (or dropped). */
  truncated: string[];
}

/**
 * Makes the body fit GitHub's limit by cutting messages, the longest first (every message is cut to
 * the same largest length that fits), never the table. Messages are cut in the state too, so the
 * comment reads back as exactly what was written. A table that does not fit even without messages is
 * a UserError: it needs fewer environments or shorter URLs per comment.
 */
export function fitState(key: string, state: CommentState, links: Links, limit = BODY_LIMIT): Fitted {
  const full = renderBody(key, state, links);
  if (full.length <= limit) return { state, body: full, truncated: [] };
  const lengths = state.rows.map((r) => (r.message === undefined ? 0 : codePoints(r.message).length));
  const withCap = (cap: number | undefined): CommentState => ({
    ...state,
    rows: state.rows.map((row, i) => {
      if (row.message === undefined || lengths[i]! <= (cap ?? -1)) return row;
      const { message: _dropped, ...rest } = row;
      return cap === undefined ? rest : { ...row, message: cutMessage(row.message, cap) };
    }),
  });
  const fits = (cap: number | undefined) => renderBody(key, withCap(cap), links).length <= limit;
  const truncatedOf = (cap: number | undefined) =>
    state.rows.filter((_, i) => lengths[i]! > (cap ?? -1)).map((r) => r.environment);

  let cap: number | undefined;
  if (fits(0)) {
    // Largest cap that fits: fits(cap) only turns false as cap grows.
    let low = 0;
    let high = Math.max(...lengths);
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (fits(mid)) low = mid;
      else high = mid - 1;
    }
    cap = low;
  } else if (!fits(undefined)) {
    throw new UserError(
      `The comment's table alone is longer than GitHub's limit of ${limit} characters (${state.rows.length} environments). Use another 'key' for some of the environments, or shorter URLs.`,
    );
  }
  const fitted = withCap(cap);
  return { state: fitted, body: renderBody(key, fitted, links), truncated: truncatedOf(cap) };
}

const CUT_NOTE = "\n\n_… (cut to fit GitHub's comment size limit)_";

/** The first `cap` characters of a message and a note; a code fence left open is closed. */
function cutMessage(message: string, cap: number): string {
  const original = message.endsWith(CUT_NOTE) ? message.slice(0, -CUT_NOTE.length) : message;
  let text = codePoints(original).slice(0, cap).join('');
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const fence = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) continue;
    if (open === undefined) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length) open = undefined;
  }
  if (open !== undefined) text += `\n${open}`;
  return `${text}${CUT_NOTE}`;
}

function codePoints(text: string): string[] {
  return Array.from(text);
}
