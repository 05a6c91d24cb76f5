import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { setEnvironment, specHash, type TaskDefinitionSpec } from '@ecs-actions/ecs';
import { UserError } from '@ecs-actions/kit';

export interface RenderOptions {
  family: string;
  image: string;
  containerName: string | undefined;
  containerPort: number | undefined;
  environment: Record<string, string>;
  cpu: string | undefined;
  memory: string | undefined;
}

export interface Rendered {
  spec: TaskDefinitionSpec;
  container: string;
  port: number;
  /** Hash of the rendered spec: equal hashes mean nothing to register. */
  hash: string;
}

/** The preview's revision: the base with the family, image, environment and sizes of this preview. */
export function renderTaskDefinition(base: TaskDefinitionSpec, options: RenderOptions): Rendered {
  const containers = (base.containerDefinitions ?? []).map((c) => ({ ...c }));
  const target = pickContainer(containers, options.containerName);
  const mappings = target.portMappings ?? [];
  let port = options.containerPort ?? mappings[0]?.containerPort;
  if (port === undefined) {
    throw new UserError(
      `Input 'container-port': container '${target.name}' has no port mapping; set 'container-port' to the port it listens on.`,
    );
  }
  if (!mappings.some((m) => m.containerPort === port)) {
    target.portMappings = [...mappings, { containerPort: port, protocol: 'tcp' }];
  }
  port = Number(port);
  target.image = options.image;
  setEnvironment(target, options.environment, { sort: true });
  const spec: TaskDefinitionSpec = {
    ...base,
    family: options.family,
    containerDefinitions: containers,
    ...(options.cpu ? { cpu: options.cpu } : {}),
    ...(options.memory ? { memory: options.memory } : {}),
  };
  return { spec, container: target.name ?? '', port, hash: specHash(spec) };
}

function pickContainer(containers: ContainerDefinition[], name: string | undefined): ContainerDefinition {
  if (name !== undefined) {
    const found = containers.find((c) => c.name === name);
    if (!found) {
      throw new UserError(
        `Input 'container-name': no container '${name}' in the task definition (it has: ${containers.map((c) => c.name).join(', ')}).`,
      );
    }
    return found;
  }
  const withPort = containers.find((c) => (c.portMappings ?? []).length > 0);
  if (withPort) return withPort;
  if (containers.length === 1) return containers[0]!;
  throw new UserError(
    `Input 'container-name': no container has a port mapping; name the one the ALB should reach (${containers.map((c) => c.name).join(', ')}).`,
  );
}
