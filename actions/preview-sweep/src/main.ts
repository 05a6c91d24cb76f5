import { actionInputs, runStep, setOutputs, stepDeps, writeSummary } from '@ecs-actions/kit';
import { sweepClients } from './clients.js';
import { parseSweepInputs } from './inputs.js';
import { assertAllRemoved, runSweep } from './run.js';
import { sweepSummary } from './summary.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const inputs = parseSweepInputs(actionInputs());
    const { deps, calls } = sweepClients(inputs, stepDeps());
    const result = await runSweep(inputs, deps);
    setOutputs({ deleted: result.deleted, kept: result.kept, failed: result.failed });
    await writeSummary(sweepSummary(result, calls));
    assertAllRemoved(result);
  });
}
