import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  actionInputs,
  createAwsClient,
  createOctokit,
  debug,
  info,
  runContext,
  runStep,
  setOutputs,
  systemClock,
  UserError,
  warning,
  writeSummary,
} from '@ecs-actions/kit';
import { AWS_BUCKETS, awsBucketsOf } from '@ecs-actions/kit/aws-limits';
import { ApiCalls, Pacer, paceClient } from '@ecs-actions/kit/pacer';
import { stickyCommentUpdater } from './comment.js';
import { parseSweepInputs } from './inputs.js';
import { type FailedEnvironment, runSweep } from './run.js';
import { sweepSummary } from './summary.js';

export function main(): Promise<void> {
  return runStep(async () => {
    const inputs = parseSweepInputs(actionInputs());
    const aws = { region: inputs.region };
    // One pacer for both clients: the ELB account bucket is shared by reads and mutations.
    const pacer = new Pacer(AWS_BUCKETS, { clock: systemClock, reserve: 2 });
    const calls = new ApiCalls();
    const octokit = inputs.githubToken ? createOctokit(inputs.githubToken) : undefined;
    const context = runContext();
    const result = await runSweep(inputs, {
      ecs: paceClient(createAwsClient(ECSClient, aws), pacer, awsBucketsOf, calls),
      elb: paceClient(createAwsClient(ElasticLoadBalancingV2Client, aws), pacer, awsBucketsOf, calls),
      octokit,
      context,
      clock: systemClock,
      log: info,
      warn: warning,
      ...(octokit && inputs.stickyComment
        ? {
            markDestroyed: stickyCommentUpdater(octokit, context, {
              key: inputs.commentKey,
              row: inputs.commentRow,
              runId: context.runId,
              runAttempt: context.runAttempt,
              serverUrl: context.serverUrl,
              // The comment code's progress lines go to the debug log: one sweep touches many PRs.
              log: { info: debug, notice: info, warning, debug },
            }),
          }
        : {}),
    });
    setOutputs({ deleted: result.deleted, kept: result.kept, failed: result.failed });
    await writeSummary(sweepSummary(result, calls));
    if (result.failed.length > 0) throw new UserError(failureMessage(result.failed));
  });
}

/** One line per distinct error (a missing permission fails every environment alike), naming the PRs. */
function failureMessage(failed: FailedEnvironment[]): string {
  const byError = new Map<string, string[]>();
  for (const f of failed) {
    for (const e of f.errors) {
      const key = `${e.kind}: ${e.error}`;
      byError.set(key, [...(byError.get(key) ?? []), `#${f.pr} (${e.id})`]);
    }
  }
  const lines = [...byError].map(([error, where]) =>
    where.length > 5
      ? `  - ${error} — ${where.length} environments: ${where.slice(0, 5).join(', ')}, …`
      : `  - ${error} — ${where.join(', ')}`,
  );
  return `Could not fully remove ${failed.length} preview environment(s); every other one was handled, and what is left keeps its tags for the next run:\n${lines.join('\n')}`;
}
