import {
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import {
  chooseContainer,
  describeTaskDefinition,
  readTaskDefinitionFile,
  setEnvironment,
  toSpec,
} from '@ecs-actions/ecs';
import { UserError } from '@ecs-actions/kit';
import type { DeployInputs } from './inputs.js';

export interface PreparedTaskDefinition {
  arn: string;
  /** True when this run registered a new revision. */
  registered: boolean;
  taskDefinition: TaskDefinition;
  /** What changed against the base revision, for the log and summary. */
  changes: string[];
}

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
      base = readTaskDefinitionFile(inputs.source.path, 'task-definition', deps.readFile) as TaskDefinition;
      break;
    }
    case 'registered': {
      base = await describe(deps, inputs.source.ref, 'task-definition');
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
  const input = toSpec(definition);
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
  const container = chooseContainer(definition.containerDefinitions ?? [], {
    name: inputs.containerName,
    loadBalanced: service?.loadBalancers?.[0]?.containerName,
    family: definition.family,
  });
  if (inputs.image !== undefined && container.image !== inputs.image) {
    changes.push(`${container.name}: image ${container.image ?? '(none)'} → ${inputs.image}`);
    container.image = inputs.image;
  }
  changes.push(...setEnvironment(container, inputs.environmentVariables));
  return { definition, changes };
}

function describe(deps: TaskDefinitionDeps, reference: string, input: string): Promise<TaskDefinition> {
  return describeTaskDefinition(
    deps.ecs,
    reference,
    input === 'service' ? 'The service' : `Input '${input}'`,
  );
}
