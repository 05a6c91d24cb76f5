import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  actionInputs,
  createAwsClient,
  createOctokit,
  info,
  runContext,
  runStep,
  setOutputs,
  systemClock,
  table,
  UserError,
  warning,
  writeSummary,
} from '@ecs-actions/kit';
import { parseDestroyInputs } from './inputs.js';
import { type DestroyResult, runDestroy } from './run.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const inputs = parseDestroyInputs(actionInputs());
    const aws = { region: inputs.region };
    const result = await runDestroy(inputs, {
      ecs: createAwsClient(ECSClient, aws),
      elb: createAwsClient(ElasticLoadBalancingV2Client, aws),
      octokit: inputs.githubToken ? createOctokit(inputs.githubToken) : undefined,
      context: runContext(),
      clock: systemClock,
      log: info,
      warn: warning,
    });
    setOutputs({ destroyed: result.removed.length > 0, resources: result.removed });
    await writeSummary(destroySummary(result));
    if (result.failed.length > 0) {
      throw new UserError(
        `Some resources of PR #${result.pr}'s preview could not be removed (they keep their tags, so a re-run or preview-sweep finds them):\n${result.failed.map((f) => `  - ${f.kind} ${f.id}: ${f.error}`).join('\n')}`,
      );
    }
  });
}

function destroySummary(result: DestroyResult): string {
  const rows = [
    ...result.removed.map((r) => [r.kind, r.id, 'removed']),
    ...result.failed.map((f) => [f.kind, f.id, `failed: ${f.error}`]),
    ...result.found.foreign.map((f) => [f, '', 'left alone: not tagged as ours']),
  ];
  return [
    `### Preview of PR #${result.pr} ${result.removed.length ? 'destroyed' : 'not found: nothing to remove'}`,
    '',
    rows.length ? table(['resource', 'id', 'result'], rows) : '',
    result.deactivatedDeployments
      ? `\nMarked ${result.deactivatedDeployments} GitHub deployment(s) inactive.`
      : '',
  ].join('\n');
}
