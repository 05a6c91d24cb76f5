import type { Bucket } from './pacer.js';

/**
 * AWS's published API token buckets (per account and region) for the calls the suite makes, keyed for
 * the Pacer. ELBv2: mutating calls burst 20 / 3 per second, reads 40 / 10 per second, and every ELB
 * call also draws from an account bucket of 10 per second. ECS: Create/Update/DeleteService 50 / 5,
 * DescribeServices 100 / 20, RegisterTaskDefinition 20 / 1. Other ECS calls the suite uses have no
 * figure in the facts we keep; they share a conservative `ecs:other` bucket (burst 20, 5 per second).
 */
export const AWS_BUCKETS: Record<string, Bucket> = {
  'elb:mutating': { burst: 20, refillPerSecond: 3 },
  'elb:read': { burst: 40, refillPerSecond: 10 },
  // Burst of the account bucket is not published; the read burst bounds it in practice.
  'elb:account': { burst: 40, refillPerSecond: 10 },
  'ecs:service-changes': { burst: 50, refillPerSecond: 5 },
  'ecs:DescribeServices': { burst: 100, refillPerSecond: 20 },
  'ecs:RegisterTaskDefinition': { burst: 20, refillPerSecond: 1 },
  'ecs:other': { burst: 20, refillPerSecond: 5 },
};

const ELB_MUTATING = /^(Create|Delete|Modify|Register|Deregister|Set|Add|Remove)/;
const ECS_SERVICE_CHANGES = new Set(['CreateService', 'UpdateService', 'DeleteService']);

/** The buckets of one call, by the SDK's service id (`ECS`, `Elastic Load Balancing v2`) and operation. */
export function awsBucketsOf(serviceId: string, operation: string): string[] {
  if (serviceId === 'Elastic Load Balancing v2') {
    return [ELB_MUTATING.test(operation) ? 'elb:mutating' : 'elb:read', 'elb:account'];
  }
  if (serviceId === 'ECS') {
    if (ECS_SERVICE_CHANGES.has(operation)) return ['ecs:service-changes'];
    if (operation === 'DescribeServices' || operation === 'RegisterTaskDefinition')
      return [`ecs:${operation}`];
    return ['ecs:other'];
  }
  return [];
}
