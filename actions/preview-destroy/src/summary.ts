import { keyLabel, table } from '@ecs-actions/kit';
import type { DestroyResult } from './run.js';

/** The job summary: what was removed, what failed, what was left alone. */
export function destroySummary(result: DestroyResult): string {
  const rows = [
    ...result.removed.map((r) => [r.kind, r.id, 'removed']),
    ...result.failed.map((f) => [f.kind, f.id, `failed: ${f.error}`]),
    ...result.found.foreign.map((f) => [f, '', 'left alone: not tagged as ours']),
  ];
  return [
    `### Preview of ${keyLabel(result.key)} ${result.removed.length ? 'destroyed' : 'not found: nothing to remove'}`,
    '',
    rows.length ? table(['resource', 'id', 'result'], rows) : '',
    result.deactivatedDeployments
      ? `\nMarked ${result.deactivatedDeployments} GitHub deployment(s) inactive.`
      : '',
  ].join('\n');
}
