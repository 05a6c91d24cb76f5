import type { NetworkConfiguration, Service } from '@aws-sdk/client-ecs';

/** Network settings an action's inputs may give; empty lists and undefined mean "the service's". */
export interface NetworkInputs {
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean | undefined;
}

/**
 * An awsvpc network configuration: the inputs' subnets, security groups and public-IP choice, each falling
 * back to the service's (a template, or the one a task runs like); undefined when no subnet is known.
 */
export function networkFrom(
  inputs: NetworkInputs,
  service: Service | undefined,
): NetworkConfiguration | undefined {
  const from = service?.networkConfiguration?.awsvpcConfiguration;
  const subnets = inputs.subnets.length ? inputs.subnets : (from?.subnets ?? []);
  if (subnets.length === 0) return undefined;
  const securityGroups = inputs.securityGroups.length ? inputs.securityGroups : (from?.securityGroups ?? []);
  const assignPublicIp =
    inputs.assignPublicIp === undefined
      ? (from?.assignPublicIp ?? 'DISABLED')
      : inputs.assignPublicIp
        ? 'ENABLED'
        : 'DISABLED';
  return { awsvpcConfiguration: { subnets, securityGroups, assignPublicIp } };
}
