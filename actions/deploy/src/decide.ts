// `mode: continue` and `mode: rollback`: a decision on a blue/green deployment that another run left paused at
// test traffic (`wait-until: test-traffic`), made from a later job (a smoke test's, or a person's) without a
// runner held while waiting. CodeDeploy only: an ECS-native blue/green deployment has no paused state to
// continue (its test-traffic stage is decided by lifecycle-hook Lambdas), see the README.
import { ContinueDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { UserError } from '@ecs-actions/kit';
import {
  ACTIVE_STATUSES,
  awaitRollback,
  describeRollback,
  followDeployment,
  getDeployment,
  stopDeployment,
} from './codedeploy.js';
import type { DeployInputs } from './inputs.js';
import type { DeployOutputs, Deps } from './run.js';
import type { Timeline } from './timeline.js';

export async function decide(
  inputs: DeployInputs,
  deps: Deps,
  timeline: Timeline,
  report: (o: DeployOutputs) => void,
  facts: [string, string][],
): Promise<void> {
  const deploymentId = inputs.deploymentId!;
  const info = await getDeployment(deps.codedeploy, deploymentId);
  report({ 'deployment-id': deploymentId, controller: 'CODE_DEPLOY', strategy: 'BLUE_GREEN' });
  facts.push(
    ['Application', info.applicationName ?? '?'],
    ['Deployment group', info.deploymentGroupName ?? '?'],
    ['Decision', inputs.mode],
  );
  const status = info.status ?? 'Unknown';

  if (inputs.mode === 'continue') {
    if (status !== 'Ready') {
      throw new UserError(
        `CodeDeploy deployment ${deploymentId} is ${status}, not waiting at test traffic (Ready): nothing to continue.${status === 'Succeeded' ? ' It already finished.' : ''}${status === 'Stopped' || status === 'Failed' ? ' It already ended (it was stopped or failed).' : ''}`,
      );
    }
    await deps.codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: 'READY_WAIT' }),
    );
    deps.log(`Continued ${deploymentId}: CodeDeploy shifts production traffic to the replacement task set.`);
    if (inputs.waitUntil === 'none') {
      report({ status: 'started' });
      return;
    }
    if (inputs.stopOnCancel) {
      deps.saveInFlight({
        kind: 'codedeploy',
        deploymentId,
        applicationName: info.applicationName ?? '',
        deploymentGroupName: info.deploymentGroupName ?? '',
      });
    }
    const result = await followDeployment(deps.codedeploy, {
      deploymentId,
      waitUntil: inputs.waitUntil === 'traffic-shifted' ? 'traffic-shifted' : 'complete',
      intervalMs: inputs.intervalMs,
      timeoutMs: inputs.timeoutMs,
      clock: deps.clock,
      timeline,
      log: deps.log,
      ...(deps.signal ? { signal: deps.signal } : {}),
    }).catch((error: unknown) => {
      // An ended deployment has nothing left to stop; one we stopped waiting for stays in flight.
      if ((error as { info?: unknown }).info) deps.saveInFlight(undefined);
      throw error;
    });
    deps.saveInFlight(undefined);
    report({ status: result.status });
    return;
  }

  // rollback
  if (!(ACTIVE_STATUSES as readonly string[]).includes(status)) {
    throw new UserError(
      `CodeDeploy deployment ${deploymentId} is ${status}: it is no longer running, so there is nothing to roll back here.${status === 'Succeeded' ? ' To go back to the previous revision, deploy it (task-definition-arn).' : ''}`,
    );
  }
  const stop = await stopDeployment(deps.codedeploy, deploymentId);
  deps.log(
    `Stopped ${deploymentId} with rollback (${stop.status}${stop.message ? `: ${stop.message}` : ''}).`,
  );
  const outcome = await awaitRollback(deps.codedeploy, deploymentId, {
    clock: deps.clock,
    timeoutMs: inputs.timeoutMs,
    intervalMs: inputs.intervalMs,
    log: deps.log,
  });
  const line = describeRollback(deploymentId, outcome);
  facts.push(['Outcome', line]);
  deps.log(line);
  if (outcome.timedOut) {
    report({ status: 'timed-out' });
    throw new UserError(line);
  }
  if (outcome.rollbackDeploymentId && outcome.rollbackStatus !== 'Succeeded') {
    report({ status: 'failed' });
    throw new UserError(line);
  }
  report({ status: 'rolled-back' });
}
