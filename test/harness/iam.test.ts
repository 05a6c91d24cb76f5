import { describe, expect, it } from 'vitest';
import type { Call } from './aws/proxy.js';
import { allowedActions, callsOutsidePolicies } from './iam.js';

const call = (action: string | undefined, service: string, operation: string): Call => ({
  seq: 1,
  service,
  operation,
  protocol: 'awsJson',
  injected: false,
  throttled: false,
  outcome: 'forwarded',
  at: 0,
  ...(action ? { action } : {}),
});

describe('IAM policy check', () => {
  it('flags an AWS call the action made that its policy does not allow', () => {
    expect(allowedActions('preview-destroy')).toContain('ecs:DeleteService');
    expect(
      callsOutsidePolicies([
        call('preview-destroy', 'ecs', 'DeleteService'),
        call('preview-destroy', 'ecs', 'CreateService'),
        call(undefined, 'ecs', 'CreateCluster'), // test setup, not an action
      ]),
    ).toEqual(['preview-destroy → ecs:CreateService']);
  });
});
