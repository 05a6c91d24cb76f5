import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { errorMessage, UserError } from '@ecs-actions/kit';
import type { DeployInputs } from './inputs.js';

export interface PreparedTaskDefinition {
  arn: string;
  /** True when this run registered a new revision. */
  registered: boolean;
  taskDefinition: TaskDefinition;
  /** What changed against the base revision, for the log and summary. */
  changes: string[];
}

// What RegisterTaskDefinition accepts; DescribeTaskDefinition adds read-only fields (arn, revision, status,
// registeredAt, requiresAttributes, compatibilities…) that RegisterTaskDefinition rejects.
const REGISTER_FIELDS = [
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'containerDefinitions',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
] as const satisfies readonly (keyof RegisterTaskDefinitionCommandInput)[];

export interface TaskDefinitionDeps {
  ecs: Pick<ECSClient, 'send'>;
  readFile: (path: string) => string;
}

/**
 * The revision to deploy: the given ARN as it is (no registration: one revision promoted to many services),
 * or a new revision rendered from the service's current one / a file / a family with the image and
 * environment variables applied. Nothing changed against a registered base → that base is reused.
 */
export async function prepareTaskDefinition(
  inputs: DeployInputs,
  service: Service | undefined,
  deps: TaskDefinitionDeps,
): Promise<PreparedTaskDefinition> {
  if (inputs.taskDefinitionArn) {
    const taskDefinition = await describe(deps, inputs.taskDefinitionArn, 'task-definition-arn');
    return { arn: inputs.taskDefinitionArn, registered: false, taskDefinition, changes: [] };
  }
  let base: TaskDefinition;
  let registeredBase: string | undefined;
  switch (inputs.source.kind) {
    case 'file': {
      base = readTaskDefinitionFile(inputs.source.path, deps.readFile);
      break;
    }
    case 'reference': {
      base = await describe(deps, inputs.source.reference, 'task-definition');
      registeredBase = base.taskDefinitionArn;
      break;
    }
    default: {
      if (!service?.taskDefinition) {
        throw new UserError(
          `Service ${inputs.service} has no task definition to start from: set 'task-definition' (a file, family or ARN).`,
        );
      }
      base = await describe(deps, service.taskDefinition, 'service');
      registeredBase = base.taskDefinitionArn;
    }
  }
  const { definition, changes } = render(base, inputs, service);
  if (changes.length === 0 && registeredBase) {
    return { arn: registeredBase, registered: false, taskDefinition: base, changes };
  }
  const input = Object.fromEntries(
    REGISTER_FIELDS.filter((f) => definition[f] !== undefined).map((f) => [f, definition[f]]),
  ) as unknown as RegisterTaskDefinitionCommandInput;
  if (!input.family) throw new UserError("The task definition has no 'family'.");
  const { taskDefinition } = await deps.ecs.send(new RegisterTaskDefinitionCommand(input));
  if (!taskDefinition?.taskDefinitionArn) throw new Error('RegisterTaskDefinition returned no ARN');
  return { arn: taskDefinition.taskDefinitionArn, registered: true, taskDefinition, changes };
}

/** Applies `image` and `environment-variables` to the chosen container; returns what changed. */
export function render(
  base: TaskDefinition,
  inputs: {
    image?: string | undefined;
    containerName?: string | undefined;
    environmentVariables: Record<string, string>;
  },
  service: Service | undefined,
): { definition: TaskDefinition; changes: string[] } {
  const definition = structuredClone(base);
  const changes: string[] = [];
  const wantsChange = inputs.image !== undefined || Object.keys(inputs.environmentVariables).length > 0;
  if (!wantsChange) return { definition, changes };
  const containers = definition.containerDefinitions ?? [];
  const name =
    inputs.containerName ??
    service?.loadBalancers?.[0]?.containerName ??
    (containers.length === 1 ? containers[0]?.name : undefined);
  if (!name) {
    throw new UserError(
      `Input 'container-name' is required: the task definition has ${containers.length} containers (${containers.map((c) => c.name).join(', ')}) and the service has no load balancer naming one.`,
    );
  }
  const container = containers.find((c) => c.name === name);
  if (!container) {
    throw new UserError(
      `Input 'container-name': the task definition ${definition.family} has no container '${name}'. Its containers: ${containers.map((c) => c.name).join(', ')}.`,
    );
  }
  if (inputs.image !== undefined && container.image !== inputs.image) {
    changes.push(`${name}: image ${container.image ?? '(none)'} → ${inputs.image}`);
    container.image = inputs.image;
  }
  const environment = [...(container.environment ?? [])];
  for (const [key, value] of Object.entries(inputs.environmentVariables)) {
    const existing = environment.find((e) => e.name === key);
    if (existing?.value === value) continue;
    changes.push(`${name}: ${key}=${value}`);
    if (existing) existing.value = value;
    else environment.push({ name: key, value });
  }
  if (environment.length) container.environment = environment;
  return { definition, changes };
}

function readTaskDefinitionFile(path: string, readFile: (path: string) => string): TaskDefinition {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new UserError(`Input 'task-definition': cannot read '${path}': ${errorMessage(error)}`);
  }
  try {
    const parsed = JSON.parse(text) as TaskDefinition & { taskDefinition?: TaskDefinition };
    // `aws ecs describe-task-definition` output wraps the definition.
    return parsed.taskDefinition ?? parsed;
  } catch (error) {
    throw new UserError(`Input 'task-definition': '${path}' is not JSON: ${errorMessage(error)}`);
  }
}

async function describe(deps: TaskDefinitionDeps, reference: string, input: string): Promise<TaskDefinition> {
  try {
    const { taskDefinition } = await deps.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: reference }),
    );
    if (!taskDefinition) throw new Error('no task definition in the answer');
    return taskDefinition;
  } catch (error) {
    if (error instanceof UserError) throw error;
    if ((error as { name?: string }).name === 'ClientException') {
      throw new UserError(
        `${input === 'service' ? 'The service' : `Input '${input}'`}: task definition ${reference} cannot be described: ${errorMessage(error)}`,
      );
    }
    throw error;
  }
}
