import {
  DeleteServiceCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { DeleteRuleCommand, DeleteTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsErrorCode, type Clock, errorMessage, poll, TAG } from '@ecs-actions/kit';
import type { FoundPreview, PreviewClients } from './discover.js';

/** DeleteTaskDefinitions takes at most 10 revisions per call. */
const DELETE_TASK_DEFINITIONS_BATCH = 10;

export type ResourceKind = 'service' | 'listener-rule' | 'callback-url' | 'target-group' | 'task-definition';

export interface Removed {
  kind: ResourceKind;
  id: string;
}

export interface TeardownResult {
  removed: Removed[];
  failed: { kind: ResourceKind; id: string; error: string }[];
}

export interface TeardownOptions {
  cluster: string;
  deregisterTaskDefinitions: boolean;
  clock?: Clock;
  /** How long to wait for a target group that ECS or a rule still holds (ResourceInUse). */
  releaseTimeoutMs?: number;
  log?: (line: string) => void;
  /** List what would be removed, in the same order, and remove nothing. */
  dryRun?: boolean;
}

const GONE = new Set([
  'ServiceNotFoundException',
  'ServiceNotActiveException',
  'RuleNotFoundException',
  'TargetGroupNotFoundException',
]);

/**
 * Deletes a found environment in the order AWS requires: the service (scaled to zero and deleted in
 * one forced call) → its listener rules (and their hosts' Cognito callback URLs, when the suite keeps them) → the target group (retried while still in use) → the task
 * definition revisions (deregistered, then deleted). Anything already gone counts as done; a failure is
 * recorded and the rest still runs, so a half-built environment or a second destroy is fine. With
 * `dryRun`, the same walk lists what it would remove and calls nothing.
 */
export async function teardownPreview(
  clients: PreviewClients,
  found: FoundPreview,
  options: TeardownOptions,
): Promise<TeardownResult> {
  const result: TeardownResult = { removed: [], failed: [] };
  const log = options.log ?? (() => {});
  const step = async (kind: ResourceKind, id: string, action: () => Promise<unknown>) => {
    if (options.dryRun) {
      result.removed.push({ kind, id });
      return;
    }
    try {
      await action();
      result.removed.push({ kind, id });
      log(`deleted ${kind} ${id}`);
    } catch (error) {
      if (GONE.has(awsErrorCode(error) ?? '')) {
        log(`${kind} ${id} was already gone`);
        return;
      }
      result.failed.push({ kind, id, error: errorMessage(error) });
      log(`could not delete ${kind} ${id}: ${errorMessage(error)}`);
    }
  };

  if (found.service && found.service.status === 'ACTIVE') {
    const service = found.service;
    await step('service', service.name, () =>
      clients.ecs.send(
        new DeleteServiceCommand({ cluster: options.cluster, service: service.name, force: true }),
      ),
    );
  }
  for (const rule of found.rules) {
    await step('listener-rule', rule.arn, () =>
      clients.elb.send(new DeleteRuleCommand({ RuleArn: rule.arn })),
    );
    // A Cognito login whose callback URLs the suite keeps: the host's URL leaves its app client, so the
    // slot (100 per client) is free for the next preview.
    const tag = rule.tags[TAG.authCallback];
    if (tag) {
      const callbacks = await import('./callbacks.js');
      const client = callbacks.parseCallbackTag(tag);
      for (const host of client ? rule.hosts : []) {
        await step('callback-url', `${callbacks.callbackUrl(host)} on ${client!.clientId}`, () =>
          callbacks.setCallback(
            callbacks.createCognitoClient(client!.poolId),
            client!.poolId,
            client!.clientId,
            host,
            false,
          ),
        );
      }
    }
  }
  if (found.targetGroup) {
    const group = found.targetGroup;
    await step('target-group', group.name, () =>
      poll({
        what: `target group ${group.name} to be released`,
        intervalMs: 3000,
        timeoutMs: options.releaseTimeoutMs ?? 30_000,
        clock: options.clock,
        check: async () => {
          try {
            await clients.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: group.arn }));
            return { done: true, value: undefined };
          } catch (error) {
            if (awsErrorCode(error) !== 'ResourceInUseException' && awsErrorCode(error) !== 'ResourceInUse')
              throw error;
            return { done: false, status: 'still in use' };
          }
        },
      }),
    );
  }
  if (options.deregisterTaskDefinitions && options.dryRun) {
    for (const arn of found.taskDefinitions) result.removed.push({ kind: 'task-definition', id: arn });
  } else if (options.deregisterTaskDefinitions && found.taskDefinitions.length > 0) {
    const deregistered: string[] = [];
    for (const arn of found.taskDefinitions) {
      try {
        await clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
        deregistered.push(arn);
      } catch (error) {
        result.failed.push({ kind: 'task-definition', id: arn, error: errorMessage(error) });
      }
    }
    for (let i = 0; i < deregistered.length; i += DELETE_TASK_DEFINITIONS_BATCH) {
      const batch = deregistered.slice(i, i + DELETE_TASK_DEFINITIONS_BATCH);
      try {
        const { failures } = await clients.ecs.send(
          new DeleteTaskDefinitionsCommand({ taskDefinitions: batch }),
        );
        const failed = new Set((failures ?? []).map((f) => f.arn));
        for (const arn of batch) {
          if (failed.has(arn)) {
            const reason = failures?.find((f) => f.arn === arn)?.reason ?? 'unknown';
            result.failed.push({ kind: 'task-definition', id: arn, error: reason });
          } else {
            result.removed.push({ kind: 'task-definition', id: arn });
          }
        }
      } catch (error) {
        // Deregistered but not deleted: still harmless (INACTIVE), and found again by the next sweep.
        for (const arn of batch) result.removed.push({ kind: 'task-definition', id: arn });
        log(`could not delete deregistered task definitions: ${errorMessage(error)}`);
      }
    }
  }
  return result;
}
