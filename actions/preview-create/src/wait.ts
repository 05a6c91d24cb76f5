import { DescribeServicesCommand, type ECSClient, type Service } from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { judgeRollout, waitForRollout } from '@ecs-actions/ecs/rollout';
import { type Clock, poll } from '@ecs-actions/kit';
import type { CreateInputs } from './inputs.js';

/**
 * Waits until the service's rollout is done and its targets are healthy, unless nothing changed and the
 * service already reads as done.
 */
export async function waitUntilReady(
  ecs: ECSClient,
  elb: ElasticLoadBalancingV2Client,
  inputs: CreateInputs,
  name: string,
  service: Service,
  groupArn: string,
  changed: boolean,
  clock: Clock,
  log: (line: string) => void,
): Promise<void> {
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  if (judgeRollout(service, primary?.id).kind === 'done' && !changed) return;
  await waitForRollout(ecs, {
    cluster: inputs.cluster,
    service: name,
    deploymentId: primary?.id,
    intervalMs: inputs.pollIntervalMs,
    timeoutMs: inputs.timeoutMs,
    clock,
    log,
  });
  await waitForHealthyTargets(elb, groupArn, inputs, clock, log);
}

export async function waitUntilGone(
  ecs: ECSClient,
  cluster: string,
  name: string,
  inputs: CreateInputs,
  clock: Clock,
  log: (line: string) => void,
): Promise<void> {
  log(`Service ${name} is still draining after a recent destroy; waiting for ECS to release the name.`);
  await poll({
    what: `service ${name} to finish draining`,
    intervalMs: inputs.pollIntervalMs,
    timeoutMs: inputs.timeoutMs,
    clock,
    check: async () => {
      const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }));
      const status = services?.[0]?.status;
      return !status || status === 'INACTIVE'
        ? { done: true, value: undefined }
        : { done: false, status: status };
    },
  });
}

/** Where the load balancer reports target health, wait until every registered target is healthy. */
async function waitForHealthyTargets(
  elb: ElasticLoadBalancingV2Client,
  groupArn: string,
  inputs: CreateInputs,
  clock: Clock,
  log: (line: string) => void,
): Promise<void> {
  await poll({
    what: 'the preview targets to become healthy',
    intervalMs: inputs.pollIntervalMs,
    timeoutMs: inputs.timeoutMs,
    clock,
    onProgress: (status) => log(status),
    check: async () => {
      const { TargetHealthDescriptions = [] } = await elb.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: groupArn }),
      );
      const states = TargetHealthDescriptions.map((t) => t.TargetHealth?.State ?? 'unknown');
      if (states.length === 0 || states.every((s) => s === 'healthy'))
        return { done: true, value: undefined };
      return { done: false, status: `targets: ${states.join(', ')}` };
    },
  });
}
