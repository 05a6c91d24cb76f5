import type { ApiCalls } from '@ecs-actions/ecs/pacer';
import { formatDuration, type PreviewKey, table } from '@ecs-actions/kit';
import { usd } from '@ecs-actions/preview/cost';
import type { SweepResult } from './run.js';

const REASON: Record<string, string> = {
  expired: 'expired',
  'pr-closed': 'PR closed',
  'pr-merged': 'PR merged',
  'branch-deleted': 'branch deleted',
  orphaned: 'orphaned',
  fresh: 'fresh',
  creating: 'being created',
  'in-use': 'target group in use',
  'max-deletions': 'max-deletions reached',
  'github-budget': 'deferred: github-request-budget',
};

/** `#42` for a PR, `` `feature/x` `` (the branch) for a branch preview. */
const preview = (key: PreviewKey) => (key.kind === 'pr' ? `#${key.pr}` : `\`${key.branch}\``);

const resources = (list: { kind: string }[]) => {
  const counts = new Map<string, number>();
  for (const r of list) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => (n > 1 ? `${n} ${kind}s` : kind)).join(', ') || 'nothing left';
};

/** The job summary: what was removed, kept and why, what failed, and the API calls it took. */
export function sweepSummary(result: SweepResult, calls: ApiCalls | undefined): string {
  const verb = result.dryRun ? 'would remove' : 'removed';
  const lines = [
    `### Preview sweep${result.dryRun ? ' (dry run: nothing was removed)' : ''}: ${verb} ${result.deleted.length}, kept ${result.kept.length}${result.failed.length ? `, failed ${result.failed.length}` : ''}`,
    '',
  ];
  if (result.deleted.length) {
    lines.push(
      `#### ${result.dryRun ? 'Would remove' : 'Removed'}`,
      '',
      table(
        ['preview', 'reason', 'why', 'resources'],
        result.deleted.map((d) => [
          preview(d.key),
          REASON[d.reason] ?? d.reason,
          d.detail,
          resources(d.resources),
        ]),
      ),
      '',
    );
  }
  if (result.failed.length) {
    lines.push(
      '#### Failed (kept their tags: the next run retries)',
      '',
      table(
        ['preview', 'reason', 'removed', 'errors'],
        result.failed.map((f) => [
          preview(f.key),
          REASON[f.reason] ?? f.reason,
          resources(f.resources),
          f.errors.map((e) => `${e.kind} ${e.id}: ${e.error}`).join('\n'),
        ]),
      ),
      '',
    );
  }
  if (result.kept.length) {
    lines.push(
      '#### Kept',
      '',
      table(
        ['preview', 'reason', 'why'],
        result.kept.map((k) => [preview(k.key), REASON[k.reason] ?? k.reason, k.detail]),
      ),
      '',
    );
  }
  if (result.slept.length || result.woke.length || result.sleepFailed.length) {
    const would = result.dryRun ? 'would ' : '';
    lines.push(
      `#### Sleep and wake: ${result.slept.length} ${would}put to sleep, ${result.woke.length} ${would}woken`,
      '',
      table(
        ['preview', 'change', 'reason', 'why'],
        [
          ...result.slept.map((s) => [preview(s.key), `💤 ${would}asleep`, s.reason, s.detail]),
          ...result.woke.map((w) => [
            preview(w.key),
            `☀️ ${would}awake`,
            w.reason,
            `${w.detail}${w.healthy === false ? ' (not healthy within wake-timeout; forwarding anyway)' : ''}`,
          ]),
          ...result.sleepFailed.map((f) => [preview(f.key), 'failed', f.reason, f.error]),
        ],
      ),
      '',
    );
  }
  if (result.costs.length) {
    const total = result.costs.reduce((n, c) => n + c.sofar, 0);
    const perDay = result.costs.filter((c) => !c.asleep).reduce((n, c) => n + c.perDay, 0);
    lines.push(
      `#### Estimated cost: ${usd(total)} so far for ${result.costs.length} preview(s); ${usd(perDay)} per day for those awake`,
      '',
      table(
        ['preview', 'so far', 'per day awake', 'now'],
        result.costs.map((c) => [
          preview(c.key),
          usd(c.sofar),
          usd(c.perDay),
          c.asleep ? '💤 asleep' : 'awake',
        ]),
      ),
      '',
      `Fargate vCPU and memory of the running tasks over the hours awake (sleep excluded), from ${result.costSource}; not included: the ALB's LCUs, data transfer, logs and storage.`,
      '',
    );
  }
  const notes = [
    result.prCheck && `Closed PRs and deleted branches were not checked: ${result.prCheck}.`,
    result.otherPrefixes > 0 &&
      `${result.otherPrefixes} resource(s) of this repository belong to another name prefix and were left to its sweep.`,
    result.expiring.length > 0 &&
      `Expiring within a day: ${result.expiring.map((e) => `${preview(e.key)} (${new Date(e.expiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC)`).join(', ')}; their PR rows say so.`,
    result.deactivatedDeployments > 0 &&
      `Marked ${result.deactivatedDeployments} GitHub deployment(s) inactive.`,
    !result.dryRun && result.comments.wired && commentNote(result.comments),
    result.discovery === 'tags'
      ? 'Found by their tags (tag:GetResources).'
      : 'Found by listing every service of the cluster and every target group of the region.',
    result.github.requests > 0 &&
      `GitHub requests: ${result.github.requests} of the run's budget of ${result.github.budget}.`,
  ].filter(Boolean);
  if (notes.length) lines.push(...notes.map((n) => `- ${n}`), '');
  if (calls) {
    const rows = [...calls.attempts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, n]) => [op, String(n), String(calls.throttled.get(op) ?? 0)]);
    lines.push(
      `#### AWS API calls: ${calls.total()} in ${formatDuration(result.elapsedMs)}, ${calls.total(calls.throttled)} throttled`,
      '',
      table(['operation', 'calls', 'throttled'], rows),
      '',
    );
  }
  return lines.join('\n');
}

function commentNote(c: SweepResult['comments']): string {
  const parts = [
    `${c.updated} set to destroyed`,
    c.noComment && `${c.noComment} PR(s) had none`,
    c.readOnly && `${c.readOnly} not written (read-only token)`,
    c.failed && `${c.failed} failed (see the warnings)`,
  ].filter(Boolean);
  return `Sticky comments: ${parts.join(', ')}.`;
}
