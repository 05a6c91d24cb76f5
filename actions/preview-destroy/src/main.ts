import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  actionInputs,
  createAwsClient,
  createOctokit,
  runStep,
  setOutputs,
  stepDeps,
  writeSummary,
} from '@ecs-actions/kit';
import { parseDestroyInputs } from './inputs.js';
import { assertAllRemoved, runDestroy } from './run.js';
import { destroySummary } from './summary.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const inputs = parseDestroyInputs(actionInputs());
    const aws = { region: inputs.region };
    const result = await runDestroy(inputs, {
      ...stepDeps(),
      ecs: createAwsClient(ECSClient, aws),
      elb: createAwsClient(ElasticLoadBalancingV2Client, aws),
      octokit: inputs.githubToken ? createOctokit(inputs.githubToken) : undefined,
    });
    setOutputs({ destroyed: result.removed.length > 0, resources: result.removed });
    await writeSummary(destroySummary(result));
    assertAllRemoved(result);
  });
}
