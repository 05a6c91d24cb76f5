import { readFileSync } from 'node:fs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import {
  actionInputs,
  createAwsClient,
  Inputs,
  info,
  runContext,
  runStep,
  saveState,
  setOutputs,
  stepInputs,
  systemClock,
  table,
  warning,
  writeSummary,
} from '@ecs-actions/kit';
import { parseInputs, parseWaves } from './inputs.js';
import { INPUT, OUTPUT, STATE } from './names.js';
import { run } from './run.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const environment = new Inputs(stepInputs()).string(INPUT.environment);
    const inputs = actionInputs();
    const parsed = parseInputs(inputs);
    if (parsed.mode === 'plan') {
      const waves = parseWaves(inputs, environment);
      setOutputs({ [OUTPUT.waves]: waves });
      await writeSummary(
        `### Deploy plan for \`${environment ?? 'default'}\`\n\n${table(
          ['Wave', 'GitHub environment', 'Services'],
          waves.map((w, i) => [String(i + 1), w.name, w.services.join(', ')]),
        )}\n`,
      );
      return;
    }
    saveState(STATE.region, parsed.region ?? '');
    const ecs = createAwsClient(ECSClient, { region: parsed.region });
    const codedeploy = createAwsClient(CodeDeployClient, { region: parsed.region });
    // Cancelling a job sends SIGINT (then SIGTERM 7.5 s later): stop waiting, write the summary so far, and
    // leave the deployment to the post step, which stops it.
    const cancelled = new AbortController();
    process.once('SIGINT', () => {
      info('Cancelled: stopped waiting; the post step stops the deployment.');
      cancelled.abort();
    });
    await run(parsed, {
      ecs,
      codedeploy,
      clock: systemClock,
      log: info,
      warn: warning,
      readFile: (path) => readFileSync(path, 'utf8'),
      setOutputs: (outputs) => setOutputs({ ...outputs }),
      saveInFlight: (inFlight) => {
        saveState(STATE.inFlight, inFlight ? JSON.stringify(inFlight) : '');
      },
      summary: writeSummary,
      env: process.env,
      description: `GitHub Actions ${runContext().runUrl ?? ''}`.trim(),
      signal: cancelled.signal,
    });
  });
}
