import { type PreviewKey, setOutputs, stepDeps, writeSummary } from '@ecs-actions/kit';
import { sweepClients } from './clients.js';
import type { SweepInputs } from './inputs.js';
import { assertAllRemoved, runSweep } from './run.js';
import { sweepSummary } from './summary.js';

/** The sweep, once its inputs are checked. */
export async function start(inputs: SweepInputs): Promise<void> {
  const { deps, calls } = sweepClients(inputs, stepDeps());
  const result = await runSweep(inputs, deps);
  setOutputs({
    deleted: listed(result.deleted),
    kept: listed(result.kept),
    failed: listed(result.failed),
    slept: listed(result.slept),
    woke: listed(result.woke),
  });
  await writeSummary(sweepSummary(result, calls));
  assertAllRemoved(result);
}

/** Output entries name a PR preview by `pr` and a branch preview by `branch`, both with their `key`. */
function listed<T extends { key: PreviewKey }>(list: T[]) {
  return list.map(({ key, ...rest }) => ({
    ...(key.kind === 'pr' ? { pr: key.pr } : { branch: key.branch }),
    key: key.id,
    ...rest,
  }));
}
