import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { DEFAULT_TIMING } from '@ecs-actions/comment';
import { AWS_BUCKETS, awsBucketsOf } from '@ecs-actions/ecs/aws-limits';
import { ApiCalls, Pacer, paceClient } from '@ecs-actions/ecs/pacer';
import { countRequests, createAwsClient, createOctokit, type StepDeps } from '@ecs-actions/kit';
import { previewNames } from '@ecs-actions/preview';
import { priceListReader } from '@ecs-actions/preview/price-list';
import {
  expiryRow,
  type FollowUp,
  type FollowUpOptions,
  prepareFollowUps,
  readBranchStates,
  readPrStates,
  sleepRow,
  verifyComments,
  writeFollowUp,
  writeRow,
} from './github.js';
import type { SweepInputs } from './inputs.js';
import type { DeleteReason } from './plan.js';
import type { SweepDeps, SweepGitHub } from './run.js';

/**
 * The sweep's clients: ECS and ELB paced by one pacer (the ELB account bucket is shared by reads and
 * mutations) and counted, and, with a token, the GitHub side.
 */
export function sweepClients(inputs: SweepInputs, step: StepDeps): { deps: SweepDeps; calls: ApiCalls } {
  const aws = { region: inputs.region };
  const pacer = new Pacer(AWS_BUCKETS, { clock: step.clock, reserve: 2 });
  const calls = new ApiCalls();
  const deps: SweepDeps = {
    ...step,
    ecs: paceClient(createAwsClient(ECSClient, aws), pacer, awsBucketsOf, calls),
    elb: paceClient(createAwsClient(ElasticLoadBalancingV2Client, aws), pacer, awsBucketsOf, calls),
    // Discovery by tags (its own quota; counted with the rest).
    tagging: paceClient(createAwsClient(ResourceGroupsTaggingAPIClient, aws), pacer, awsBucketsOf, calls),
    ...(inputs.githubToken ? { github: sweepGitHub(inputs, step) } : {}),
    // Only with idle-after: one GetMetricData per 500 previews (its own quota, not the pacer's buckets).
    ...(inputs.idleAfterMs !== undefined ? { cloudwatch: createAwsClient(CloudWatchClient, aws) } : {}),
    // The cost estimate's rates, for a region outside the table: one listing per run.
    readRates: priceListReader(),
  };
  return { deps, calls };
}

/** The sweep's GitHub side through one Octokit, its requests counted. */
function sweepGitHub(inputs: SweepInputs, step: StepDeps): SweepGitHub {
  const octokit = createOctokit(inputs.githubToken!);
  const requests = countRequests(octokit);
  const { context } = step;
  const prefix = inputs.namePrefix ?? context.repo;
  const options: FollowUpOptions = {
    octokit,
    context,
    links: { serverUrl: context.serverUrl, repository: context.repository },
    ...(inputs.stickyComment ? { comment: { key: inputs.commentKey, row: inputs.commentRow } } : {}),
    ...(inputs.githubDeployments
      ? {
          deployments: {
            environment: inputs.deploymentEnvironment,
            taskOf: (key) => previewNames(prefix, key).deploymentTask,
          },
        }
      : {}),
    warn: step.warn,
  };
  const planned = new Map<string, FollowUp>();
  const written: { followUp: FollowUp; reason: DeleteReason }[] = [];
  const at = () => new Date(step.clock.now()).toISOString();
  return {
    comments: inputs.stickyComment,
    requests,
    readPrStates: (prs) => readPrStates(octokit, context, prs),
    readBranchStates: (branches) => readBranchStates(octokit, context, branches),
    async prepare(keys) {
      const read = await prepareFollowUps(options, keys);
      for (const [id, followUp] of read) planned.set(id, followUp);
      return read;
    },
    async markSleep(key, change, detail) {
      const followUp = planned.get(key.id);
      if (!followUp) return false;
      return writeRow(options, followUp, (body, row, ctx) =>
        sleepRow(body, { row, change, detail, context: ctx, at: at() }),
      );
    },
    async warnExpiry(key, expiresAt) {
      const followUp = planned.get(key.id);
      if (!followUp) return false;
      return writeRow(options, followUp, (body, row, ctx) =>
        expiryRow(body, { row, expiresAt, now: step.clock.now(), context: ctx, at: at() }),
      );
    },
    async write(key, reason) {
      const followUp = planned.get(key.id) ?? { key, deployments: [], writes: 0 };
      const outcome = await writeFollowUp(options, followUp, reason, at());
      if (outcome.comment === 'updated') written.push({ followUp, reason });
      return outcome;
    },
    async verify() {
      // One settle time for the whole run: a racing pr-comment run's write lands within it.
      await step.clock.sleep(DEFAULT_TIMING.settleMs + DEFAULT_TIMING.jitterMs);
      return verifyComments(options, written, at());
    },
  };
}
