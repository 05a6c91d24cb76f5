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
import { parseCreateInputs } from './inputs.js';
import { runCreate } from './run.js';
import { createOutputs, createSummary } from './summary.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const inputs = parseCreateInputs(actionInputs());
    const aws = { region: inputs.region };
    const result = await runCreate(inputs, {
      ...stepDeps(),
      ecs: createAwsClient(ECSClient, aws),
      elb: createAwsClient(ElasticLoadBalancingV2Client, aws),
      octokit: inputs.githubToken ? createOctokit(inputs.githubToken) : undefined,
    });
    setOutputs(createOutputs(result));
    await writeSummary(createSummary(result));
  });
}
