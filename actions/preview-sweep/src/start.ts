import { setOutputs, stepDeps, writeSummary } from '@ecs-actions/kit';
import { sweepClients } from './clients.js';
import type { SweepInputs } from './inputs.js';
import { assertAllRemoved, runSweep } from './run.js';
import { sweepSummary } from './summary.js';

/** The sweep, once its inputs are checked. */
export async function start(inputs: SweepInputs): Promise<void> {
  const { deps, calls } = sweepClients(inputs, stepDeps());
  const result = await runSweep(inputs, deps);
  setOutputs({ deleted: result.deleted, kept: result.kept, failed: result.failed });
  await writeSummary(sweepSummary(result, calls));
  assertAllRemoved(result);
}
