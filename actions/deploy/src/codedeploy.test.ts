import { awsError, fakeClient, fakeClock } from '@ecs-actions/testing';
import { describe, expect, it } from 'vitest';
import { createDeployment, explainFailure, followDeployment, progressLine } from './codedeploy.js';
import { Timeline } from './timeline.js';

describe('explainFailure', () => {
  it('says plainly when nothing was rolled back', () => {
    const text = explainFailure(
      {
        deploymentId: 'd-1',
        status: 'Failed',
        errorInformation: { code: 'ECS_UPDATE_ERROR', message: 'Invalid service state' },
      },
      { lifecycleEvents: [{ lifecycleEventName: 'Install', status: 'Failed' }] },
    );
    expect(text).toContain('CodeDeploy deployment d-1 failed.');
    expect(text).toContain('Error: ECS_UPDATE_ERROR Invalid service state');
    expect(text).toContain('Failed lifecycle event: Install');
    expect(text).toContain('Not rolled back');
  });
});

describe('progressLine', () => {
  it('shows the current event, and traffic and tasks per task set', () => {
    expect(
      progressLine(
        { status: 'InProgress' },
        {
          lifecycleEvents: [
            { lifecycleEventName: 'Install', status: 'Succeeded' },
            { lifecycleEventName: 'AllowTraffic', status: 'InProgress' },
          ],
          taskSetsInfo: [
            { taskSetLabel: 'Blue', runningCount: 2, desiredCount: 2, trafficWeight: 40 },
            { taskSetLabel: 'Green', runningCount: 2, desiredCount: 2, trafficWeight: 60 },
          ],
        },
      ),
    ).toBe('InProgress at AllowTraffic (Blue 2/2 running, 40% traffic; Green 2/2 running, 60% traffic)');
    expect(progressLine({ status: 'Ready' }, undefined)).toBe(
      'Ready at waiting for traffic reroute (ContinueDeployment)',
    );
  });
});

describe('followDeployment before the deployment starts (typed fakes: the race between two reads)', () => {
  it('keeps polling through Created, Queued and a DeploymentNotStartedException from the target read', async () => {
    const statuses = ['Created', 'Queued', 'InProgress', 'Succeeded'];
    const client = fakeClient({
      GetDeployment: (_input, n) => ({ deploymentInfo: { deploymentId: 'd-1', status: statuses[n - 1] } }),
      // GetDeployment said InProgress, but the targets are not there yet: CodeDeploy's documented answer.
      ListDeploymentTargets: (_input, n) => {
        if (n === 1) throw awsError('DeploymentNotStartedException', 'The deployment d-1 has not started');
        return { targetIds: ['c:web'] };
      },
      GetDeploymentTarget: () => ({ deploymentTarget: { ecsTarget: { lifecycleEvents: [] } } }),
    });
    const result = await followDeployment(client, {
      deploymentId: 'd-1',
      waitUntil: 'complete',
      intervalMs: 1000,
      timeoutMs: 60_000,
      clock: fakeClock(),
      timeline: new Timeline(() => 0),
      log: () => {},
    });
    expect(result.status).toBe('succeeded');
    expect(client.count).toMatchObject({ GetDeployment: 4, ListDeploymentTargets: 2 });
  });

  it('names what the user can fix when CodeDeploy refuses the deployment', async () => {
    const client = fakeClient({
      CreateDeployment: () => {
        throw awsError('DeploymentConfigDoesNotExistException', 'No deployment config named Fast');
      },
    });
    const group = { applicationName: 'shop', deploymentGroupName: 'web', info: {} };
    await expect(
      createDeployment(client, group, { version: 0.0, Resources: [] } as never, 'Fast', 'x'),
    ).rejects.toThrowError(
      /^CodeDeploy refused the deployment to shop\/web \(DeploymentConfigDoesNotExistException: .*\)\. Input 'deployment-config'/,
    );
  });
});
