// The approval gate for a wave whose GitHub environment cannot make the job wait (no required reviewers: a
// private repository on a plan without them, or none configured). It asks in a comment, then waits for an allowed
// approver's `/approve` or `/reject`, polling with conditional requests (a 304 costs no rate limit), and fails
// closed: a timeout, a rejection or a cancel stops the wave.
import { authorize, type Clock, describeGrants, type Grant, type People } from '@ecs-actions/kit';

export interface GateComment {
  id: number;
  body: string;
  login: string;
  userType: string;
  createdAt: string;
}

export interface GateGitHub extends People {
  /** Posts the request; returns its id, URL and creation time. */
  ask(body: string): Promise<{ id: number; url: string; createdAt: string }>;
  /** Comments written since `since`, oldest first; undefined when nothing changed since the last read (304). */
  commentsSince(since: string): Promise<GateComment[] | undefined>;
  /** Rewrites the request with the outcome. */
  settle(requestId: number, body: string): Promise<void>;
  react(commentId: number, content: '+1' | '-1'): Promise<void>;
}

export interface GateOptions {
  wave: string;
  what: string;
  approvers: Grant[];
  /** Who started the deploy (GITHUB_TRIGGERING_ACTOR, else GITHUB_ACTOR). */
  actor: string;
  allowSelfApproval: boolean;
  timeoutMs: number;
  pollMs: number;
  runUrl: string | undefined;
}

export type GateOutcome =
  | { result: 'approved'; by: string; at: string; comment: number }
  | { result: 'rejected'; by: string; at: string; comment: number; reason: string }
  | { result: 'timed-out'; at: string }
  | { result: 'cancelled'; at: string };

export interface GateLog {
  info(line: string): void;
  warn(line: string): void;
}

const MARKER = '<!-- ecs-actions/approval -->';

/** `/approve` or `/reject [reason]` on the first line, in plain ASCII; anything else is not a decision. */
export function decisionOf(body: string): { decision: 'approve' | 'reject'; reason: string } | undefined {
  const line = (body.replace(/^\s+/, '').split(/\r?\n/, 1)[0] ?? '').trim();
  const m = /^\/(approve|reject)(?:\s+([\x20-\x7e]{0,200}))?$/i.exec(line);
  if (!m) return undefined;
  return { decision: m[1]!.toLowerCase() as 'approve' | 'reject', reason: (m[2] ?? '').trim() };
}

function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function requestBody(options: GateOptions, deadline: number): string {
  const self = options.allowSelfApproval ? '' : ` @${options.actor}, who started it, cannot approve it.`;
  return [
    MARKER,
    `### ⏸️ Approval needed: ${options.what}`,
    '',
    `Wave **${options.wave}** waits for one approval before it deploys.${self}`,
    '',
    `- Who may approve: ${describeGrants(options.approvers)}.`,
    '- To decide, comment `/approve` or `/reject` (optionally with a reason) on its own first line.',
    `- Without a decision by ${when(deadline)}, the wave does not deploy.`,
    options.runUrl ? `- Run: ${options.runUrl}` : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

export async function runGate(
  github: GateGitHub,
  options: GateOptions,
  clock: Clock,
  log: GateLog,
  signal?: AbortSignal,
): Promise<GateOutcome> {
  const deadline = clock.now() + options.timeoutMs;
  const request = await github.ask(requestBody(options, deadline));
  log.info(`Asked for approval: ${request.url}`);
  const seen = new Set<number>([request.id]);
  const settled = async (outcome: GateOutcome): Promise<GateOutcome> => {
    const line =
      outcome.result === 'approved'
        ? `✅ Approved by @${outcome.by} at ${when(Date.parse(outcome.at))}: wave **${options.wave}** deploys.`
        : outcome.result === 'rejected'
          ? `❌ Rejected by @${outcome.by} at ${when(Date.parse(outcome.at))}${outcome.reason ? ` (${outcome.reason})` : ''}: wave **${options.wave}** does not deploy.`
          : outcome.result === 'timed-out'
            ? `⌛ Nobody approved by ${when(deadline)}: wave **${options.wave}** does not deploy.`
            : `⏹️ The run was cancelled: wave **${options.wave}** does not deploy.`;
    await github.settle(request.id, `${MARKER}\n### Approval: ${options.what}\n\n${line}`);
    return outcome;
  };
  for (;;) {
    if (signal?.aborted) return settled({ result: 'cancelled', at: new Date(clock.now()).toISOString() });
    const comments = (await github.commentsSince(request.createdAt)) ?? [];
    for (const c of comments) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      if (c.userType === 'Bot' || Date.parse(c.createdAt) < Date.parse(request.createdAt)) continue;
      const decision = decisionOf(c.body);
      if (!decision) continue;
      if (!options.allowSelfApproval && c.login.toLowerCase() === options.actor.toLowerCase()) {
        log.warn(
          `@${c.login} started this deploy and cannot ${decision.decision} it (allow-self-approval is off).`,
        );
        await github.react(c.id, '-1');
        continue;
      }
      const allowed = await authorize(options.approvers, c.login, github);
      if (!allowed.allowed) {
        log.warn(`@${c.login} may not ${decision.decision} '${options.wave}': ${allowed.because}.`);
        await github.react(c.id, '-1');
        continue;
      }
      await github.react(c.id, '+1');
      log.info(
        `${decision.decision === 'approve' ? 'Approved' : 'Rejected'} by @${c.login} (${allowed.because}).`,
      );
      return settled(
        decision.decision === 'approve'
          ? { result: 'approved', by: c.login, at: c.createdAt, comment: c.id }
          : { result: 'rejected', by: c.login, at: c.createdAt, comment: c.id, reason: decision.reason },
      );
    }
    const left = deadline - clock.now();
    if (left <= 0) return settled({ result: 'timed-out', at: new Date(clock.now()).toISOString() });
    await clock.sleep(Math.min(options.pollMs, left), signal);
  }
}
