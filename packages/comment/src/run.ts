// The behaviour: find this key's sticky comment, merge this run's row into it, and converge to exactly
// one comment holding every row, even while other runs do the same.
//
// GitHub has no conditional update of a comment (no If-Match on PATCH), so two runs that read the same
// state and both write would lose one row. Instead every run loops: read the comments (see Reader for which pages), keep only the
// comments of this key written by this token and not minimized, merge the rows of all of them (the
// oldest comment wins, duplicates are folded in and deleted by the run that created them) and of
// everything read before, write only what differs, wait a settle time with jitter, and read again. It stops when a read needs no write: the
// comment then holds this run's row (or a newer one). A run that clobbered another's row with an older
// read is caught by that other run's next read, which restores the row from its memory.
import { type RunContext, UserError } from '@ecs-actions/kit';
import type { CommentMeta, CommentsApi, IssueComment } from './api.js';
import { byAge, WriteForbiddenError } from './api.js';
import { fitState, hasMarker, type Links, parseState } from './body.js';
import type { PrCommentInputs } from './request.js';

import {
  applyCommand,
  applyReport,
  applyTitle,
  type CommentState,
  EMPTY_STATE,
  mergeStates,
  type ReportOutcome,
  type Row,
  statesEqual,
  type Title,
} from './state.js';

/** The workflow run this step belongs to. */
export interface RunIdentity {
  /** GITHUB_RUN_ID; 0 when unknown. */
  runId: number;
  /** GITHUB_RUN_ATTEMPT; 0 when unknown. */
  runAttempt: number;
  runUrl?: string;
  links: Links;
  /** Why the token is expected to be read-only (a fork's pull_request run), if it is. */
  readOnlyReason?: string;
}

/** The run identity of the run context the kit parsed (one place for every reporter of rows). */
export function runIdentity(context: RunContext, readOnlyReason?: string): RunIdentity {
  return {
    runId: context.runId,
    runAttempt: context.runAttempt,
    ...(context.runUrl ? { runUrl: context.runUrl } : {}),
    links: { serverUrl: context.serverUrl, repository: context.repository },
    ...(readOnlyReason ? { readOnlyReason } : {}),
  };
}

/** Where a run writes its log lines and annotations. */
export interface Log {
  info(message: string): void;
  /** An annotation that does not fail the step. */
  warning(message: string): void;
  /** An informational annotation, shown on the run's summary page. */
  notice(message: string): void;
  /** Shown only when the run has debug logging on. */
  debug(message: string): void;
}

export interface Deps {
  api: CommentsApi;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  log: Log;
}

export interface Timing {
  /** Writes (rounds with a change) before giving up. */
  maxRounds: number;
  /** Wait after a write before reading again: longer than another run's read-to-write gap. */
  settleMs: number;
  /** Random extra wait, so that racing runs fall out of step. */
  jitterMs: number;
}

/**
 * The kit's Octokit spaces a process's writes and GraphQL calls a second apart, so a run's read-to-write
 * gap is about a second: settling for 2–3.5 s lets every write that started from an older read land
 * before this run looks again.
 */
export const DEFAULT_TIMING: Timing = { maxRounds: 8, settleMs: 2000, jitterMs: 1500 };

export type Result =
  | 'created'
  | 'recreated'
  | 'updated'
  | 'unchanged'
  | 'stale'
  | 'deleted'
  | 'hidden'
  | 'not-found'
  | 'read-only';

export interface RunOutput {
  result: Result;
  commentId?: number;
  commentUrl?: string;
  /** One markdown line for the job summary. */
  summary: string;
}

interface Ours {
  comment: IssueComment;
  state: CommentState;
}

/**
 * How far before its first read a run looks for recently written comments: racing runs' duplicates are
 * younger than that, and it absorbs a runner clock that is a few minutes off GitHub's.
 */
export const RECENT_WINDOW_MS = 10 * 60 * 1000;

/**
 * Reads the comments of one key that this token wrote and nobody minimized, oldest first.
 *
 * A read costs one request on a PR with at most 100 comments. On a longer PR it reads the oldest page
 * and the comments written since shortly before the run started (`since`), which is where a sticky
 * comment and racing runs' duplicates are: two requests. Only when the oldest comment of the key is not
 * on the first page (or there is none yet) does the first read go through every page, once per run;
 * later reads then fetch the comments it found beyond the first page by id.
 */
class Reader {
  private readonly meta = new Map<string, CommentMeta>();
  private since: string | undefined;
  private scanned = false;
  /** Comments of ours found by the full scan beyond the first page: read by id in later reads. */
  private readonly tracked = new Set<number>();

  constructor(
    private readonly api: CommentsApi,
    private readonly key: string,
    private readonly log: Log,
    private readonly now: () => Date,
  ) {}

  async read(): Promise<Ours[]> {
    this.since ??= new Date(this.now().getTime() - RECENT_WINDOW_MS).toISOString();
    const first = await this.api.firstPage();
    let all = first.comments;
    let how = 'one page';
    if (!first.complete) {
      const recent = await this.api.updatedSince(this.since);
      const seen = new Set([...first.comments, ...recent].map((c) => c.id));
      const tracked = await Promise.all(
        [...this.tracked].filter((id) => !seen.has(id)).map((id) => this.api.get(id)),
      );
      all = unite(
        first.comments,
        recent,
        tracked.filter((c) => c !== undefined),
      );
      how = `the first page and ${recent.length} written since ${this.since}`;
      if (!this.scanned) {
        const onFirstPage = new Set(first.comments.map((c) => c.id));
        const oldest = (await this.ours(all))[0];
        if (oldest === undefined || !onFirstPage.has(oldest.id)) {
          // An older comment of the key may sit on a later page: look through them all, once.
          all = await this.api.list();
          how = 'every page';
          for (const c of await this.ours(all)) if (!onFirstPage.has(c.id)) this.tracked.add(c.id);
        }
        this.scanned = true;
      }
    }
    const ours = await this.ours(all);
    this.log.debug(
      `Read ${all.length} comments (${how}): ${ours.length} of key '${this.key}' by this token.`,
    );
    return ours.map((comment) => ({ comment, state: parseState(comment.body) }));
  }

  /** The comments of the key by this token, not minimized, oldest first. */
  private async ours(all: IssueComment[]): Promise<IssueComment[]> {
    const marked = all.filter((c) => hasMarker(c.body, this.key));
    // Authorship never changes; minimization can, but not in the seconds a step takes (and this
    // run's own hiding is recorded by markMinimized).
    const unknown = marked.filter((c) => !this.meta.has(c.nodeId)).map((c) => c.nodeId);
    if (unknown.length > 0) for (const [id, m] of await this.api.meta(unknown)) this.meta.set(id, m);
    return marked.filter((c) => {
      const m = this.meta.get(c.nodeId);
      return m?.viewerDidAuthor === true && !m.isMinimized;
    });
  }

  markMinimized(nodeId: string): void {
    const m = this.meta.get(nodeId);
    this.meta.set(nodeId, { viewerDidAuthor: m?.viewerDidAuthor ?? true, isMinimized: true });
  }
}

/** The comments of several reads, each once (the latest version), oldest first. */
function unite(...lists: IssueComment[][]): IssueComment[] {
  const byId = new Map<number, IssueComment>();
  for (const c of lists.flat()) {
    const known = byId.get(c.id);
    if (!known || known.updatedAt <= c.updatedAt) byId.set(c.id, c);
  }
  return [...byId.values()].sort(byAge);
}

export async function run(
  inputs: PrCommentInputs,
  identity: RunIdentity,
  deps: Deps,
  timing: Timing = DEFAULT_TIMING,
): Promise<RunOutput> {
  const reader = new Reader(deps.api, inputs.key, deps.log, deps.now);
  const seen: { primary?: IssueComment } = {};
  try {
    switch (inputs.mode) {
      case 'delete':
      case 'hide':
        return await removeAll(inputs, reader, deps, timing, seen);
      default:
        return await converge(inputs, identity, reader, deps, timing, seen);
    }
  } catch (error) {
    if (!(error instanceof WriteForbiddenError)) throw error;
    return readOnly(inputs, identity, deps, error, seen.primary);
  }
}

async function converge(
  inputs: PrCommentInputs,
  identity: RunIdentity,
  reader: Reader,
  deps: Deps,
  timing: Timing,
  seen: { primary?: IssueComment },
): Promise<RunOutput> {
  const { api, log } = deps;
  const at = deps.now().toISOString();
  const origin = { runId: identity.runId, runAttempt: identity.runAttempt, at };
  let row: Row | undefined;
  if (inputs.report) {
    const { environment, status, url, message } = inputs.report;
    const sha = inputs.report.sha ?? (await api.headSha());
    row = {
      environment,
      status,
      ...(url !== undefined ? { url } : {}),
      ...(message !== undefined ? { message } : {}),
      sha,
      ...origin,
      ...(identity.runUrl !== undefined ? { runUrl: identity.runUrl } : {}),
    };
  }
  const title: Title | undefined = inputs.title !== undefined ? { text: inputs.title, ...origin } : undefined;

  // Everything read so far: rows survive in memory even if a racing run overwrote or deleted them.
  let known: CommentState = EMPTY_STATE;
  let outcome: ReportOutcome | undefined;
  let recreatePending = inputs.mode === 'recreate';
  const created = new Set<number>();
  // Duplicates seen in an earlier round: their creator had a settle time to fold and delete them.
  const seenExtras = new Set<number>();
  let wrote = false;
  let reportedStale = false;
  let reportedCut = '';

  for (let round = 1; ; round++) {
    const ours = await reader.read();
    const [primary, ...extras] = ours;
    if (primary) seen.primary = primary.comment;
    known = mergeStates(known, ...ours.map((o) => o.state));

    let desired = title ? applyTitle(known, title) : known;
    if (inputs.command) {
      desired = applyCommand(desired, {
        ...inputs.command,
        ...origin,
        ...(identity.runUrl !== undefined ? { runUrl: identity.runUrl } : {}),
      });
    }
    if (row) {
      const applied = applyReport(desired, row);
      desired = applied.state;
      // Once applied, later reads find the row 'unchanged': keep the first word on it unless a newer run
      // has since taken the row over.
      if (outcome === undefined || applied.outcome === 'stale') outcome = applied.outcome;
      if (applied.outcome === 'stale' && applied.existing && !reportedStale) {
        reportedStale = true;
        log.notice(staleNotice(row, applied.existing));
      }
    }
    const fitted = fitState(inputs.key, desired, identity.links);
    desired = fitted.state;
    if (fitted.truncated.length > 0 && fitted.truncated.join() !== reportedCut) {
      reportedCut = fitted.truncated.join();
      log.warning(
        `The message of ${fitted.truncated.map((e) => `'${e}'`).join(', ')} was cut to keep the comment within GitHub's 65,536-character limit.`,
      );
    }

    if (primary === undefined && desired.rows.length === 0 && !desired.commands?.length) {
      // recreate without a report, and no comment to move.
      return {
        result: 'not-found',
        summary: summaryLine(inputs, 'not-found', undefined, undefined),
      };
    }
    if (!recreatePending && primary && extras.length === 0 && statesEqual(primary.state, desired)) {
      const result: Result =
        outcome === 'stale'
          ? 'stale'
          : created.has(primary.comment.id)
            ? inputs.mode === 'recreate'
              ? 'recreated'
              : 'created'
            : wrote
              ? 'updated'
              : 'unchanged';
      log.info(`Comment ${primary.comment.htmlUrl}: ${result}.`);
      return {
        result,
        commentId: primary.comment.id,
        commentUrl: primary.comment.htmlUrl,
        summary: summaryLine(inputs, result, primary.comment.htmlUrl, row),
      };
    }
    if (round > timing.maxRounds) {
      throw new UserError(
        `The comment of key '${inputs.key}' on #${inputs.prNumber} did not settle after ${timing.maxRounds} rounds: other runs kept changing it at the same time. Re-run the job; if this repeats, give the racing workflows a 'concurrency' group per pull request.`,
      );
    }

    if (recreatePending || primary === undefined) {
      // recreate: post anew at the bottom, then remove the older ones (their rows are in `desired`).
      const comment = await api.create(fitted.body);
      created.add(comment.id);
      wrote = true;
      log.info(`Created comment ${comment.htmlUrl}.`);
      if (recreatePending) {
        for (const old of ours) await api.remove(old.comment.id);
        recreatePending = false;
      }
    } else {
      if (!statesEqual(primary.state, desired)) {
        const updated = await api.update(primary.comment.id, fitted.body);
        if (updated === undefined) continue; // deleted meanwhile: read again at once
        wrote = true;
        log.info(`Updated comment ${updated.htmlUrl}.`);
      }
      // Each racing run deletes the duplicate it created; one still there a round later was abandoned
      // (its run failed or is slow) and goes too. Deleting every duplicate from every run would cost
      // each run a throttled write per duplicate, mostly answered 404.
      for (const { comment } of extras) {
        if (!created.has(comment.id) && !seenExtras.has(comment.id)) continue;
        log.info(`Deleting duplicate comment ${comment.htmlUrl} (its rows are merged into the oldest).`);
        await api.remove(comment.id);
      }
    }
    for (const { comment } of extras) seenExtras.add(comment.id);
    await settle(deps, timing);
  }
}

/** delete and hide: every comment of the key by this token goes, until a read finds none. */
async function removeAll(
  inputs: PrCommentInputs,
  reader: Reader,
  deps: Deps,
  timing: Timing,
  seen: { primary?: IssueComment },
): Promise<RunOutput> {
  const hide = inputs.mode === 'hide';
  let first: IssueComment | undefined;
  for (let round = 1; ; round++) {
    const ours = await reader.read();
    if (ours[0]) seen.primary = ours[0].comment;
    if (ours.length === 0) {
      const result: Result = first ? (hide ? 'hidden' : 'deleted') : 'not-found';
      deps.log.info(`Comment of key '${inputs.key}' on #${inputs.prNumber}: ${result}.`);
      return {
        result,
        ...(first ? { commentId: first.id } : {}),
        ...(first && hide ? { commentUrl: first.htmlUrl } : {}),
        summary: summaryLine(inputs, result, hide ? first?.htmlUrl : undefined, undefined),
      };
    }
    if (round > timing.maxRounds) {
      throw new UserError(
        `Comments of key '${inputs.key}' on #${inputs.prNumber} kept reappearing after ${timing.maxRounds} rounds: another workflow is writing them at the same time.`,
      );
    }
    for (const { comment } of ours) {
      first ??= comment;
      if (hide) {
        await deps.api.minimize(comment.nodeId);
        reader.markMinimized(comment.nodeId);
        deps.log.info(`Minimized comment ${comment.htmlUrl} as outdated.`);
      } else {
        await deps.api.remove(comment.id);
        deps.log.info(`Deleted comment ${comment.htmlUrl}.`);
      }
    }
    await settle(deps, timing);
  }
}

function readOnly(
  inputs: PrCommentInputs,
  identity: RunIdentity,
  deps: Deps,
  error: WriteForbiddenError,
  existing: IssueComment | undefined,
): RunOutput {
  const what = `GitHub refused to write the comment on #${inputs.prNumber} (403: ${error.message})`;
  if (identity.readOnlyReason === undefined) {
    throw new UserError(
      `${what}. Give the job write access to pull requests: 'permissions: pull-requests: write' (or use a token that has it in 'github-token').`,
      { cause: error },
    );
  }
  const advice =
    "To comment on such pull requests, run this step from a workflow triggered by `workflow_run` or `pull_request_target` (never checking out the pull request's code there).";
  if (inputs.failOnReadOnly) {
    throw new UserError(`${what}: ${identity.readOnlyReason}. ${advice}`, { cause: error });
  }
  deps.log.warning(
    `The pull request comment was not written: ${identity.readOnlyReason}. ${advice} Set 'fail-on-read-only: true' to fail the step instead.`,
  );
  return {
    result: 'read-only',
    ...(existing ? { commentId: existing.id, commentUrl: existing.htmlUrl } : {}),
    summary: `PR comment \`${inputs.key}\` on #${inputs.prNumber}: not written, the token is read-only (${identity.readOnlyReason}).`,
  };
}

function settle(deps: Deps, timing: Timing): Promise<void> {
  return deps.sleep(timing.settleMs + Math.floor(deps.random() * timing.jitterMs));
}

function describe(row: Row): string {
  const run = row.runId
    ? `run ${row.runId}${row.runAttempt > 1 ? ` attempt ${row.runAttempt}` : ''}`
    : 'an unknown run';
  const commit = row.sha ? `commit ${row.sha.slice(0, 7)}` : 'no commit';
  return `${row.status}, ${commit}, ${run} at ${row.at}`;
}

function staleNotice(mine: Row, existing: Row): string {
  return `Row '${mine.environment}' left as it is: it holds a newer report (${describe(existing)}) than this step's (${describe(mine)}).`;
}

function summaryLine(
  inputs: PrCommentInputs,
  result: Result,
  url: string | undefined,
  row: Row | undefined,
): string {
  const comment = url ? `[comment on #${inputs.prNumber}](${url})` : `comment on #${inputs.prNumber}`;
  const about = row ? ` — ${row.environment}: ${row.status}` : '';
  return `PR ${comment} (key \`${inputs.key}\`, mode ${inputs.mode}): ${result}${about}`;
}
