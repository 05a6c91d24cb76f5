import { readFileSync } from 'node:fs';
import type {
  ContainerDefinition,
  RegisterTaskDefinitionCommandInput,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { shortHash, UserError } from '@ecs-actions/kit';
import { parse } from 'yaml';

export type TaskDefinitionSpec = Omit<RegisterTaskDefinitionCommandInput, 'tags'>;

// Fields ECS returns with a registered revision that RegisterTaskDefinition does not accept.
const READ_ONLY = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
] as const;

/** Reads a task definition from a JSON or YAML file (the shape `aws ecs register-task-definition` takes). */
export function readTaskDefinitionFile(path: string): TaskDefinitionSpec {
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UserError(
      `Input 'task-definition': ${path} is not valid JSON or YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const spec = (data as { taskDefinition?: unknown })?.taskDefinition ?? data; // describe-task-definition output works too
  if (
    typeof spec !== 'object' ||
    spec === null ||
    !Array.isArray((spec as TaskDefinitionSpec).containerDefinitions)
  ) {
    throw new UserError(
      `Input 'task-definition': ${path} has no 'containerDefinitions' list; it is not a task definition.`,
    );
  }
  const containers = (spec as TaskDefinitionSpec).containerDefinitions ?? [];
  if (containers.length === 0 || containers.some((c) => typeof c?.name !== 'string')) {
    throw new UserError(
      `Input 'task-definition': ${path} must define at least one container, each with a 'name'.`,
    );
  }
  return fromRegistered(spec as TaskDefinition);
}

/** A registered revision as input for a new registration. */
export function fromRegistered(taskDefinition: TaskDefinition): TaskDefinitionSpec {
  const copy: Record<string, unknown> = { ...taskDefinition };
  for (const field of READ_ONLY) delete copy[field];
  delete copy.tags;
  return copy as TaskDefinitionSpec;
}

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
  const env = new Map((target.environment ?? []).map((e) => [e.name ?? '', e.value ?? '']));
  for (const [name, value] of Object.entries(options.environment)) env.set(name, value);
  target.environment = [...env.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
  const spec: TaskDefinitionSpec = {
    ...base,
    family: options.family,
    containerDefinitions: containers,
    ...(options.cpu ? { cpu: options.cpu } : {}),
    ...(options.memory ? { memory: options.memory } : {}),
  };
  return { spec, container: target.name ?? '', port, hash: shortHash(canonicalJson(spec), 16) };
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

/** JSON with object keys sorted and undefined dropped, so equal specs hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
