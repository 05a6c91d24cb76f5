import { createHash } from 'node:crypto';
import type { Service } from '@aws-sdk/client-ecs';
import { errorMessage, UserError } from '@ecs-actions/kit';
import { parse as parseYaml } from 'yaml';
import { HOOK_EVENTS, type HookEvent } from './names.js';

/** The ECS AppSpec CodeDeploy reads (only what this action writes or reads). */
export interface AppSpec {
  version: number | string;
  Resources: {
    TargetService: {
      Type: 'AWS::ECS::Service';
      Properties: {
        TaskDefinition: string;
        LoadBalancerInfo: { ContainerName: string; ContainerPort: number };
        PlatformVersion?: string;
        NetworkConfiguration?: {
          AwsvpcConfiguration: { Subnets: string[]; SecurityGroups?: string[]; AssignPublicIp?: string };
        };
        CapacityProviderStrategy?: { CapacityProvider: string; Base?: number; Weight?: number }[];
      };
    };
  }[];
  Hooks?: Partial<Record<HookEvent, string>>[];
}

/**
 * The AppSpec for a service as it runs today, with a new task definition: container and port from its load
 * balancer, its platform version, network configuration and capacity provider strategy. Without these CodeDeploy
 * would start the replacement task set with the defaults (e.g. another platform version or no public IP).
 */
export function generateAppSpec(
  service: Service,
  taskDefinitionArn: string,
  hooks: Partial<Record<HookEvent, string>>,
): AppSpec {
  const lb = service.loadBalancers?.find((l) => l.containerName && l.containerPort);
  if (!lb?.containerName || !lb.containerPort) {
    throw new UserError(
      `Service ${service.serviceName} has no load balancer with a container name and port; a CodeDeploy blue/green service needs one. Give an 'appspec' file instead.`,
    );
  }
  const properties: AppSpec['Resources'][number]['TargetService']['Properties'] = {
    TaskDefinition: taskDefinitionArn,
    LoadBalancerInfo: { ContainerName: lb.containerName, ContainerPort: lb.containerPort },
  };
  if (service.platformVersion) properties.PlatformVersion = service.platformVersion;
  const vpc = service.networkConfiguration?.awsvpcConfiguration;
  if (vpc?.subnets?.length) {
    properties.NetworkConfiguration = {
      AwsvpcConfiguration: {
        Subnets: vpc.subnets,
        ...(vpc.securityGroups?.length ? { SecurityGroups: vpc.securityGroups } : {}),
        ...(vpc.assignPublicIp ? { AssignPublicIp: vpc.assignPublicIp } : {}),
      },
    };
  }
  if (service.capacityProviderStrategy?.length) {
    properties.CapacityProviderStrategy = service.capacityProviderStrategy.map((s) => ({
      CapacityProvider: s.capacityProvider!,
      ...(s.base !== undefined ? { Base: s.base } : {}),
      ...(s.weight !== undefined ? { Weight: s.weight } : {}),
    }));
  }
  const spec: AppSpec = {
    version: 0.0,
    Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: properties } }],
  };
  const hookList = hookEntries(hooks);
  if (hookList.length) spec.Hooks = hookList;
  return spec;
}

/** A user's AppSpec file (YAML or JSON) with this run's task definition and the `hooks` input applied. */
export function appSpecFromFile(
  text: string,
  file: string,
  taskDefinitionArn: string,
  hooks: Partial<Record<HookEvent, string>>,
): AppSpec {
  let spec: AppSpec;
  try {
    spec = parseYaml(text) as AppSpec;
  } catch (error) {
    throw new UserError(`Input 'appspec': '${file}' is not YAML or JSON: ${errorMessage(error)}`);
  }
  const target = spec?.Resources?.[0]?.TargetService;
  if (!target?.Properties?.LoadBalancerInfo) {
    throw new UserError(
      `Input 'appspec': '${file}' has no Resources[0].TargetService.Properties.LoadBalancerInfo (ContainerName, ContainerPort).`,
    );
  }
  target.Properties.TaskDefinition = taskDefinitionArn;
  const merged: Partial<Record<HookEvent, string>> = {};
  for (const entry of spec.Hooks ?? []) Object.assign(merged, entry);
  Object.assign(merged, hooks);
  const hookList = hookEntries(merged);
  if (hookList.length) spec.Hooks = hookList;
  return spec;
}

/** The AppSpec text sent to CodeDeploy and its SHA-256 (CodeDeploy checks it when given). */
export function appSpecContent(spec: AppSpec): { content: string; sha256: string } {
  // JSON is valid AppSpec YAML; CodeDeploy documents the version as 0.0, which JSON.stringify writes as 0.
  const content = JSON.stringify(spec, null, 2).replace(/^(\s*"version": )0(,?)$/m, '$10.0$2');
  return { content, sha256: createHash('sha256').update(content).digest('hex') };
}

function hookEntries(hooks: Partial<Record<HookEvent, string>>): Partial<Record<HookEvent, string>>[] {
  return HOOK_EVENTS.filter((e) => hooks[e]).map((e) => ({ [e]: hooks[e] }));
}
