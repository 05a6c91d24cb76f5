import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { describeTags, forwardsTo, loadBalancerArnOf } from './elb.js';

describe('ELB helpers', () => {
  it('reads tags in batches of at most 20 ARNs (moto does not enforce the limit; AWS does)', async () => {
    const batches: string[][] = [];
    const elb = {
      send: async (command: { input: { ResourceArns: string[] } }) => {
        const arns = command.input.ResourceArns;
        if (arns.length > 20) throw Object.assign(new Error('too many'), { name: 'ValidationError' });
        batches.push(arns);
        return { TagDescriptions: arns.map((a) => ({ ResourceArn: a, Tags: [{ Key: 'k', Value: a }] })) };
      },
    } as unknown as ElasticLoadBalancingV2Client;
    const arns = Array.from({ length: 45 }, (_, i) => `arn:${i}`);
    const tags = await describeTags(elb, arns);
    expect(batches.map((b) => b.length)).toEqual([20, 20, 5]);
    expect(tags.get('arn:44')).toEqual({ k: 'arn:44' });
  });

  it('derives the load balancer from a listener ARN', () => {
    expect(
      loadBalancerArnOf(
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/previews/50dc6c495c0c9188/f2f7dc8efc522ab2',
      ),
    ).toBe('arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/previews/50dc6c495c0c9188');
    expect(() => loadBalancerArnOf('arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/x/y')).toThrowError(
      /Not a listener ARN/,
    );
  });

  it('sees plain and weighted forwards (CodeDeploy leaves weighted ones)', () => {
    expect(forwardsTo({ Actions: [{ Type: 'forward', TargetGroupArn: 'tg' }] }, 'tg')).toBe(true);
    expect(
      forwardsTo(
        {
          Actions: [
            {
              Type: 'forward',
              ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'a', Weight: 0 }, { TargetGroupArn: 'tg' }] },
            },
          ],
        },
        'tg',
      ),
    ).toBe(true);
    expect(forwardsTo({ Actions: [{ Type: 'fixed-response' }] }, 'tg')).toBe(false);
  });
});
