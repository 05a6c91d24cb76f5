import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AWS_BUCKETS, awsBucketsOf } from '@ecs-actions/ecs/aws-limits';
import { ApiCalls, Pacer, paceClient } from '@ecs-actions/ecs/pacer';
import { createAwsClient, createOctokit, debug, info, type StepDeps, warning } from '@ecs-actions/kit';
import { stickyCommentUpdater } from './comment.js';
import type { SweepInputs } from './inputs.js';
import type { SweepDeps } from './run.js';

/**
 * The sweep's clients: ECS and ELB paced by one pacer (the ELB account bucket is shared by reads and
 * mutations) and counted, and, with a token, Octokit and the sticky-comment updater.
 */
export function sweepClients(inputs: SweepInputs, step: StepDeps): { deps: SweepDeps; calls: ApiCalls } {
  const aws = { region: inputs.region };
  const pacer = new Pacer(AWS_BUCKETS, { clock: step.clock, reserve: 2 });
  const calls = new ApiCalls();
  const octokit = inputs.githubToken ? createOctokit(inputs.githubToken) : undefined;
  const { context } = step;
  const deps: SweepDeps = {
    ...step,
    ecs: paceClient(createAwsClient(ECSClient, aws), pacer, awsBucketsOf, calls),
    elb: paceClient(createAwsClient(ElasticLoadBalancingV2Client, aws), pacer, awsBucketsOf, calls),
    octokit,
    ...(octokit && inputs.stickyComment
      ? {
          markDestroyed: stickyCommentUpdater(octokit, context, {
            key: inputs.commentKey,
            row: inputs.commentRow,
            // The comment code's progress lines go to the debug log: one sweep touches many PRs.
            log: { info: debug, notice: info, warning, debug },
          }),
        }
      : {}),
  };
  return { deps, calls };
}
