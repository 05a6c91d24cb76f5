import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { type Clock, saveState, systemClock } from '@ecs-actions/kit';

/** How long the post step waits for a stopped deployment's rollback to end before it reports and exits. */
export const ROLLBACK_WAIT_MS = 5 * 60_000;

import { awaitRollback, describeRollback, stopDeployment } from './codedeploy.js';
import { STATE } from './names.js';
import { stopNative } from './native.js';
import { revertRolling } from './rolling.js';

/** A deployment the main step started and had not settled: what the post step stops on cancel. */
export type InFlight =
  | { kind: 'codedeploy'; deploymentId: string; applicationName: string; deploymentGroupName: string }
  | {
      kind: 'rolling';
      cluster: string;
      service: string;
      previousTaskDefinition: string;
      taskDefinitionArn: string;
    }
  | { kind: 'native'; cluster: string; service: string; serviceDeploymentArn: string };

export function parseInFlight(text: string): InFlight | undefined {
  if (!text) return undefined;
  const value = JSON.parse(text) as InFlight;
  return ['codedeploy', 'rolling', 'native'].includes(value?.kind) ? value : undefined;
}

/**
 * Stops what the main step left in flight, with a rollback: CodeDeploy StopDeployment(autoRollbackEnabled),
 * ECS StopServiceDeployment(ROLLBACK) for native deployments, and for a rolling update the service pointed
 * back at its previous revision. Returns a line for the log and the summary.
 */
export async function stopInFlight(
  inFlight: InFlight,
  clients: { ecs: Pick<ECSClient, 'send'>; codedeploy: Pick<CodeDeployClient, 'send'> },
  wait: { clock: Clock; timeoutMs: number; intervalMs: number } = {
    clock: systemClock,
    timeoutMs: ROLLBACK_WAIT_MS,
    intervalMs: 5_000,
  },
): Promise<string> {
  switch (inFlight.kind) {
    case 'codedeploy': {
      const result = await stopDeployment(clients.codedeploy, inFlight.deploymentId);
      if (result.status === 'AlreadyCompleted') {
        return `CodeDeploy deployment ${inFlight.deploymentId} had already ended; nothing to stop.`;
      }
      // The rollback runs in CodeDeploy; the post step waits for it a bounded while to report where it ended.
      const outcome = await awaitRollback(clients.codedeploy, inFlight.deploymentId, wait);
      return `Stopped with rollback: ${describeRollback(inFlight.deploymentId, outcome)}`;
    }
    case 'native': {
      const result = await stopNative(clients.ecs, inFlight.serviceDeploymentArn);
      return `ECS deployment ${inFlight.serviceDeploymentArn}: ${result}.`;
    }
    case 'rolling': {
      await revertRolling(clients.ecs, inFlight.cluster, inFlight.service, inFlight.previousTaskDefinition);
      return `Rolled service ${inFlight.service} back to ${inFlight.previousTaskDefinition} (the rolling update to ${inFlight.taskDefinitionArn} was cancelled).`;
    }
  }
}

/** Saves what the post step must stop (undefined: nothing), with the region to reach it in. */
export function saveInFlight(inFlight: InFlight | undefined, region: string | undefined): void {
  saveState(STATE.region, region ?? '');
  saveState(STATE.inFlight, inFlight ? JSON.stringify(inFlight) : '');
}
