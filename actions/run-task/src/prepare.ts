// Everything RunTask needs, worked out and checked before the task starts: the service it runs like, the
// revision (registered only when the image changes, an identical one reused), the container, the network,
// the launch type or capacity providers, the overrides within ECS's limits.
import {
  type CapacityProviderStrategyItem,
  type ContainerDefinition,
  DescribeServicesCommand,
  type ECSClient,
  type LaunchType,
  type NetworkConfiguration,
  type Service,
  type TaskDefinition,
  type TaskOverride,
} from '@aws-sdk/client-ecs';
import {
  chooseContainer,
  describeTaskDefinition,
  networkFrom,
  readTaskDefinitionFile,
  registerOnce,
  type TaskDefinitionSpec,
  toSpec,
} from '@ecs-actions/ecs';
import {
  awsErrorCode,
  fitName,
  MANAGED_BY,
  type RunContext,
  slugify,
  TAG,
  type Tags,
  UserError,
} from '@ecs-actions/kit';
import { type RunTaskInputs, STARTED_BY } from './inputs.js';
import { INPUT } from './names.js';

/** ECS's limit for a RunTask's overrides, as JSON (API reference, RunTask `overrides`). */
export const OVERRIDES_LIMIT = 8192;

export interface PreparedTask {
  taskDefinitionArn: string;
  /** True when this run registered a revision (a new image, or a task-definition file). */
  registered: boolean;
  container: ContainerDefinition;
  launch: { launchType: LaunchType } | { capacityProviderStrategy: CapacityProviderStrategyItem[] };
  platformVersion: string | undefined;
  network: NetworkConfiguration | undefined;
  overrides: TaskOverride;
  startedBy: string;
  tags: Tags;
}

/** Works out the task; every refusal (unknown service, container, command too long) comes before RunTask. */
export async function prepareTask(
  ecs: Pick<ECSClient, 'send'>,
  inputs: RunTaskInputs,
  context: RunContext,
): Promise<PreparedTask> {
  const service = inputs.service ? await describeService(ecs, inputs.cluster, inputs.service) : undefined;
  const tags: Tags = {
    [TAG.managedBy]: MANAGED_BY,
    [TAG.repository]: context.repository,
  };

  let base: TaskDefinition | TaskDefinitionSpec;
  let registeredArn: string | undefined;
  if (inputs.taskDefinition?.kind === 'file') {
    base = readTaskDefinitionFile(inputs.taskDefinition.path, INPUT.taskDefinition);
  } else {
    const ref = inputs.taskDefinition?.ref ?? service?.taskDefinition;
    const described = await describeTaskDefinition(
      ecs,
      ref ?? '',
      inputs.taskDefinition ? `Input '${INPUT.taskDefinition}'` : `Service ${inputs.service}`,
    );
    base = described;
    registeredArn = described.taskDefinitionArn;
  }
  const containers = base.containerDefinitions ?? [];
  const chosen = chooseContainer(containers, {
    name: inputs.containerName,
    loadBalanced: service?.loadBalancers?.[0]?.containerName,
    input: INPUT.containerName,
    family: base.family,
  });

  let taskDefinitionArn = registeredArn ?? '';
  let registered = false;
  if (!registeredArn || (inputs.image !== undefined && chosen.image !== inputs.image)) {
    const spec = toSpec(base);
    const target = spec.containerDefinitions?.find((c) => c.name === chosen.name);
    if (target && inputs.image !== undefined) target.image = inputs.image;
    const result = await registerOnce(ecs, spec, tags);
    taskDefinitionArn = result.arn;
    registered = result.registered;
  }

  const networkMode = base.networkMode ?? 'bridge';
  const network = networkFrom(inputs, service);
  if (networkMode === 'awsvpc' && !network) {
    throw new UserError(
      `Input '${INPUT.subnets}' is required (or '${INPUT.service}' to copy them from): ${base.family} uses awsvpc networking, and its tasks need subnets.`,
    );
  }

  const overrides: TaskOverride = {
    containerOverrides: [
      {
        name: chosen.name,
        ...(inputs.command ? { command: inputs.command } : {}),
        ...(Object.keys(inputs.environmentVariables).length
          ? {
              environment: Object.entries(inputs.environmentVariables).map(([name, value]) => ({
                name,
                value,
              })),
            }
          : {}),
      },
    ],
    ...(inputs.cpu ? { cpu: inputs.cpu } : {}),
    ...(inputs.memory ? { memory: inputs.memory } : {}),
  };
  const size = JSON.stringify(overrides).length;
  if (size > OVERRIDES_LIMIT) {
    throw new UserError(
      `Inputs '${INPUT.command}' and '${INPUT.environmentVariables}' make ${size} characters of overrides; ECS allows ${OVERRIDES_LIMIT}. Put long values in the task definition, SSM parameters or a file the command reads.`,
    );
  }

  const strategy = service?.capacityProviderStrategy;
  return {
    taskDefinitionArn,
    registered,
    container: { ...chosen },
    launch: strategy?.length
      ? { capacityProviderStrategy: strategy }
      : { launchType: (service?.launchType as LaunchType | undefined) ?? 'FARGATE' },
    platformVersion: service?.platformVersion,
    network: networkMode === 'awsvpc' ? network : undefined,
    overrides,
    startedBy: inputs.startedBy ?? defaultStartedBy(context),
    tags,
  };
}

/** `gha/<repository>/<run id>`, cut to ECS's 36 characters with a stable hash when needed. */
export function defaultStartedBy(context: RunContext): string {
  const value = fitName(`gha/${slugify(context.repo)}/${context.runId || 'local'}`, 36);
  return STARTED_BY.test(value) ? value : `gha/${context.runId || 'local'}`.slice(0, 36);
}

async function describeService(
  ecs: Pick<ECSClient, 'send'>,
  cluster: string,
  name: string,
): Promise<Service> {
  const answer = await ecs
    .send(new DescribeServicesCommand({ cluster, services: [name] }))
    .catch((error: unknown) => {
      if (awsErrorCode(error) === 'ClusterNotFoundException') {
        throw new UserError(
          `Input '${INPUT.cluster}': cluster '${cluster}' does not exist in this account and region.`,
        );
      }
      throw error;
    });
  const service = answer.services?.find((s) => s.status === 'ACTIVE');
  if (!service) {
    throw new UserError(
      `Input '${INPUT.service}': '${name}' is not an active service of cluster '${cluster}'. Name the service whose network and task definition the task should use.`,
    );
  }
  return service;
}
