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
  warning,
  writeSummary,
} from '@ecs-actions/kit';
import { parseCreateInputs } from './inputs.js';
import { runCreate } from './run.js';
import { createSummary } from './summary.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const inputs = parseCreateInputs(actionInputs());
    const aws = { region: inputs.region };
    const result = await runCreate(inputs, {
      ecs: createAwsClient(ECSClient, aws),
      elb: createAwsClient(ElasticLoadBalancingV2Client, aws),
      octokit: inputs.githubToken ? createOctokit(inputs.githubToken) : undefined,
      context: runContext(),
      clock: systemClock,
      log: info,
      warn: warning,
    });
    info(`Preview of PR #${result.pr}: ${result.url}`);
    setOutputs({
      url: result.url,
      'service-arn': result.serviceArn,
      'task-definition-arn': result.taskDefinitionArn,
      'target-group-arn': result.targetGroupArn,
      'rule-arn': result.ruleArn,
      created: result.created,
    });
    await writeSummary(createSummary(result));
  });
}
