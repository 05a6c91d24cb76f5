import { describe, expect, it } from 'vitest';
import { explainFailure, progressLine } from './codedeploy.js';

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
