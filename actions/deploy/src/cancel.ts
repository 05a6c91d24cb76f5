import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { saveState } from '@ecs-actions/kit';
import { stopDeployment } from './codedeploy.js';
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
): Promise<string> {
  switch (inFlight.kind) {
    case 'codedeploy': {
      const result = await stopDeployment(clients.codedeploy, inFlight.deploymentId);
      if (result.status === 'AlreadyCompleted') {
        return `CodeDeploy deployment ${inFlight.deploymentId} had already ended; nothing to stop.`;
      }
      return `Stopped CodeDeploy deployment ${inFlight.deploymentId} with rollback (${result.status}${result.message ? `: ${result.message}` : ''}).`;
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
