import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { awsClientConfig, createAwsClient, explainAwsError, iamAction, resolveRegion } from './aws.js';
import { UserError } from './errors.js';

describe('aws client factory', () => {
  it('takes the region from the input, then AWS_REGION, then AWS_DEFAULT_REGION, else a clear error', () => {
    expect(resolveRegion('eu-west-1', { AWS_REGION: 'x' })).toBe('eu-west-1');
    expect(resolveRegion(undefined, { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'x' })).toBe('us-east-2');
    expect(resolveRegion(undefined, { AWS_DEFAULT_REGION: 'ap-south-1' })).toBe('ap-south-1');
    expect(() => resolveRegion(undefined, {})).toThrowError(/No AWS region: set the 'region' input/);
  });

  it('uses the adaptive retry strategy', async () => {
    expect(awsClientConfig({ region: 'us-east-1' }).retryMode).toBe('adaptive');
    const client = createAwsClient(ECSClient, { region: 'us-east-1' });
    expect(await client.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
  });

  it('names the refused IAM action from the client and command', () => {
    const ecs = createAwsClient(ECSClient, { region: 'us-east-1' });
    const elb = createAwsClient(ElasticLoadBalancingV2Client, { region: 'us-east-1' });
    expect(iamAction(ecs.config.serviceId, 'CreateServiceCommand')).toBe('ecs:CreateService');
    expect(iamAction(elb.config.serviceId, 'CreateRuleCommand')).toBe('elasticloadbalancing:CreateRule');
    const denied = Object.assign(new Error('User: x is not authorized to perform: ecs:CreateService'), {
      name: 'AccessDeniedException',
    });
    const explained = explainAwsError(denied, 'ECS', 'CreateServiceCommand');
    expect(explained).toBeInstanceOf(UserError);
    expect((explained as Error).message).toMatch(
      /^AWS refused ecs:CreateService \(AccessDeniedException\)\. Allow 'ecs:CreateService'/,
    );
    const other = Object.assign(new Error('nope'), { name: 'ServiceNotFoundException' });
    expect(explainAwsError(other, 'ECS', 'UpdateServiceCommand')).toBe(other);
  });
});
