// The preview's ECS side: the existing preview and its template, the revision to run, and the service
// created or brought up to date. The tags that record a preview's state are written in one place (stateTags).
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  type ECSClient,
  type NetworkConfiguration,
  type Service,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  type ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  describeTaskDefinition,
  networkFrom,
  registerOnce,
  type TaskDefinitionSpec,
  toSpec,
} from '@ecs-actions/ecs';
import {
  awsErrorCode,
  type Clock,
  fromTags,
  keyLabel,
  shortHash,
  TAG,
  type Tags,
  toEcsTags,
  UserError,
} from '@ecs-actions/kit';
import { isAsleep, markAwake, ownedBy } from '@ecs-actions/preview';
import { basisTag, type CostBasis, spotShare } from '@ecs-actions/preview/cost';
import type { CreateInputs } from './inputs.js';
import type { Plan } from './plan.js';
import { type Rendered, renderTaskDefinition } from './taskdef.js';
import { waitUntilGone } from './wait.js';

/** The PR's preview service, if it exists, and the template service it copies settings from. */
export interface Services {
  existing: Service | undefined;
  template: Service | undefined;
}

/**
 * One DescribeServices for both the preview and its template (two when the template lives in another
 * cluster, named by its ARN or as CLUSTER/SERVICE). Refuses a service with our name but not our tags, and
 * waits out a preview service that is still draining after a recent destroy.
 */
export async function findServices(
  ecs: ECSClient,
  inputs: CreateInputs,
  plan: Plan,
  repository: string,
  clock: Clock,
  log: (line: string) => void,
): Promise<Services> {
  const templateRef = inputs.templateService ? templateOf(inputs.templateService, inputs.cluster) : undefined;
  const sameCluster = templateRef?.cluster === inputs.cluster;
  const describe = (cluster: string, names: string[], input: string) =>
    ecs
      .send(new DescribeServicesCommand({ cluster, services: names, include: ['TAGS'] }))
      .catch((error: unknown) => {
        if (awsErrorCode(error) === 'ClusterNotFoundException') {
          throw new UserError(
            `Input '${input}': cluster '${cluster}' does not exist in this account and region.`,
          );
        }
        throw error;
      });
  const { names } = plan;
  const { services } = await describe(
    inputs.cluster,
    [names.service, ...(templateRef && sameCluster ? [templateRef.name] : [])],
    'cluster',
  );
  let existing = services?.find((s) => s.serviceName === names.service && s.status !== 'INACTIVE');
  const template = templateRef
    ? (sameCluster
        ? services
        : (await describe(templateRef.cluster, [templateRef.name], 'template-service')).services
      )?.find((s) => s.serviceName === templateRef.name)
    : undefined;
  if (inputs.templateService && template?.status !== 'ACTIVE') {
    throw new UserError(
      `Input 'template-service': service '${templateRef?.name}' is not an active service of cluster '${templateRef?.cluster}'.`,
    );
  }
  if (existing && !ownedBy(fromTags(existing.tags), repository, plan.key)) {
    throw new UserError(
      `Service '${names.service}' already exists in cluster '${inputs.cluster}' and is not this preview (it lacks the ecs-actions tags of ${repository}, ${keyLabel(plan.key)}). Choose another 'name-prefix'.`,
    );
  }
  if (existing?.status === 'DRAINING') {
    // ECS refuses to reuse a name while the old service drains (a recent destroy): wait it out.
    await waitUntilGone(ecs, inputs.cluster, names.service, inputs, clock, log);
    existing = undefined;
  }
  return { existing, template };
}

/** The preview's revision (from a file, a registered one, the template's or the current one) and its network. */
export async function renderRevision(
  ecs: ECSClient,
  inputs: CreateInputs,
  plan: Plan,
  { existing, template }: Services,
): Promise<{ rendered: Rendered; network: NetworkConfiguration | undefined }> {
  let base: TaskDefinitionSpec;
  if (plan.fileSpec) {
    base = plan.fileSpec;
  } else {
    const ref =
      inputs.taskDefinition.kind === 'registered'
        ? inputs.taskDefinition.ref
        : inputs.taskDefinition.kind === 'template'
          ? template?.taskDefinition
          : existing?.taskDefinition;
    if (!ref) {
      throw new UserError(
        "Input 'task-definition' or 'template-service' is required to create a preview: this PR has none yet to update.",
      );
    }
    base = toSpec(await describeTaskDefinition(ecs, ref, "Input 'task-definition'"));
  }
  const rendered = renderTaskDefinition(base, {
    family: plan.names.family,
    image: inputs.image,
    containerName: inputs.containerName,
    containerPort: inputs.containerPort,
    environment: {
      ...inputs.environmentVariables,
      PREVIEW_URL: plan.url,
      PREVIEW_KEY: plan.key.id,
      ...(plan.key.kind === 'pr' ? { PREVIEW_PR: String(plan.key.pr) } : { PREVIEW_BRANCH: plan.key.branch }),
    },
    cpu: inputs.cpu,
    memory: inputs.memory,
  });
  const network = networkFrom(inputs, template ?? existing);
  if (!existing && (rendered.spec.networkMode ?? 'awsvpc') === 'awsvpc' && !network) {
    throw new UserError(
      "Input 'subnets' is required (or 'template-service' to copy them from): awsvpc tasks need subnets.",
    );
  }
  return { rendered, network };
}

/**
 * The tags that record a preview's state on its service: the spec it runs, when it expires, its host, and
 * (on Fargate) what its cost estimate is based on.
 */
export function stateTags(plan: Plan, specHash: string, basis?: CostBasis): Tags {
  return {
    [TAG.spec]: specHash,
    [TAG.expiresAt]: plan.tags[TAG.expiresAt]!,
    [TAG.host]: plan.host,
    ...(basis ? { [TAG.costBasis]: basisTag(basis) } : {}),
  };
}

/** The cost basis of the rendered task on the service's capacity; undefined off Fargate or without a size. */
export function costBasisOf(rendered: Rendered, capacity: Service | undefined): CostBasis | undefined {
  const cpu = Number(rendered.spec.cpu);
  const memory = Number(rendered.spec.memory);
  const strategy = capacity?.capacityProviderStrategy;
  if (!strategy?.length && capacity?.launchType && capacity.launchType !== 'FARGATE') return undefined;
  if (!(cpu > 0 && memory > 0)) return undefined;
  return {
    cpu,
    memory,
    arch: rendered.spec.runtimePlatform?.cpuArchitecture === 'ARM64' ? 'ARM64' : 'X86_64',
    spot: spotShare(strategy),
  };
}

/**
 * Registers the revision when the spec changed and creates the service, or updates it (revision, desired
 * count, network) and its state tags; an unchanged preview only has its expiry moved when less than half
 * the TTL is left.
 */
export async function applyService(
  ecs: ECSClient,
  elb: ElasticLoadBalancingV2Client,
  inputs: CreateInputs,
  plan: Plan,
  { existing, template }: Services,
  { rendered, network }: { rendered: Rendered; network: NetworkConfiguration | undefined },
  groupArn: string,
  clock: Clock,
  changes: string[],
): Promise<{ service: Service | undefined; created: boolean; taskDefinitionArn: string }> {
  const { names } = plan;
  const serviceTags = fromTags(existing?.tags);
  const basis = costBasisOf(rendered, existing ?? template);
  const specChanged = serviceTags[TAG.spec] !== rendered.hash;
  let taskDefinitionArn = existing?.taskDefinition ?? '';
  if (!existing || specChanged) {
    const registered = await registerOnce(ecs, rendered.spec, plan.tags);
    taskDefinitionArn = registered.arn;
    if (registered.registered) changes.push(`registered ${names.family}:${registered.revision}`);
  }
  if (!existing) {
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: groupArn,
        Attributes: [
          { Key: 'deregistration_delay.timeout_seconds', Value: String(inputs.deregistrationDelaySeconds) },
        ],
      }),
    );
    const service = await createService(
      ecs,
      inputs,
      names.service,
      taskDefinitionArn,
      rendered,
      groupArn,
      network,
      template,
      { ...plan.tags, ...stateTags(plan, rendered.hash, basis) },
    );
    changes.push(`created service ${names.service}`);
    return { service, created: true, taskDefinitionArn };
  }
  const desiredChanged = existing.desiredCount !== inputs.desiredCount;
  const networkChanged =
    network !== undefined &&
    inputs.subnets.length + inputs.securityGroups.length > 0 &&
    !sameNetwork(network, existing.networkConfiguration);
  if (specChanged || desiredChanged || networkChanged) {
    const { service } = await ecs.send(
      new UpdateServiceCommand({
        cluster: inputs.cluster,
        service: names.service,
        taskDefinition: taskDefinitionArn,
        desiredCount: inputs.desiredCount,
        ...(networkChanged ? { networkConfiguration: network } : {}),
      }),
    );
    await ecs.send(
      new TagResourceCommand({
        resourceArn: existing.serviceArn,
        tags: toEcsTags(stateTags(plan, rendered.hash, basis)),
      }),
    );
    const woke = isAsleep(serviceTags);
    if (woke) await markAwake({ ecs }, existing.serviceArn!, serviceTags, clock.now());
    changes.push(
      [
        specChanged && `deployed ${inputs.image}`,
        woke
          ? `woke the service (desired count ${inputs.desiredCount})`
          : desiredChanged && `desired count ${inputs.desiredCount}`,
        networkChanged && 'network configuration',
      ]
        .filter(Boolean)
        .join(', '),
    );
    return { service, created: false, taskDefinitionArn };
  }
  const expires = Date.parse(serviceTags[TAG.expiresAt] ?? '');
  if (!(expires - clock.now() > inputs.ttlMs / 2)) {
    const { [TAG.expiresAt]: expiresAt } = stateTags(plan, rendered.hash);
    await ecs.send(
      new TagResourceCommand({
        resourceArn: existing.serviceArn,
        tags: toEcsTags({ [TAG.expiresAt]: expiresAt! }),
      }),
    );
    changes.push('extended expires-at');
  }
  return { service: existing, created: false, taskDefinitionArn };
}

/** The template service's cluster and name: from its ARN, from CLUSTER/SERVICE, or in the preview's cluster. */
export function templateOf(reference: string, cluster: string): { cluster: string; name: string } {
  const arn = /^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:service\/([^/]+)\/([^/]+)$/.exec(reference);
  if (arn) return { cluster: arn[1]!, name: arn[2]! };
  const parts = reference.split('/');
  if (parts.length === 2 && parts[0] && parts[1]) return { cluster: parts[0], name: parts[1] };
  return { cluster, name: parts.at(-1)! };
}

function sameNetwork(a: NetworkConfiguration, b: NetworkConfiguration | undefined): boolean {
  const x = a.awsvpcConfiguration;
  const y = b?.awsvpcConfiguration;
  const same = (p: string[] = [], q: string[] = []) => [...p].sort().join() === [...q].sort().join();
  return (
    same(x?.subnets, y?.subnets) &&
    same(x?.securityGroups, y?.securityGroups) &&
    x?.assignPublicIp === (y?.assignPublicIp ?? 'DISABLED')
  );
}

export async function createService(
  ecs: ECSClient,
  inputs: CreateInputs,
  name: string,
  taskDefinitionArn: string,
  rendered: { container: string; port: number; hash: string },
  groupArn: string,
  network: NetworkConfiguration | undefined,
  template: Service | undefined,
  tags: Tags,
): Promise<Service> {
  const strategy = template?.capacityProviderStrategy?.length ? template.capacityProviderStrategy : undefined;
  const created = ecs.send(
    new CreateServiceCommand({
      cluster: inputs.cluster,
      serviceName: name,
      taskDefinition: taskDefinitionArn,
      desiredCount: inputs.desiredCount,
      ...(strategy
        ? { capacityProviderStrategy: strategy }
        : { launchType: template?.launchType ?? 'FARGATE' }),
      ...(template?.platformVersion ? { platformVersion: template.platformVersion } : {}),
      ...(network ? { networkConfiguration: network } : {}),
      loadBalancers: [
        { targetGroupArn: groupArn, containerName: rendered.container, containerPort: rendered.port },
      ],
      healthCheckGracePeriodSeconds: 30,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      propagateTags: 'SERVICE',
      enableECSManagedTags: true,
      tags: toEcsTags(tags),
      // Same PR, same spec → same token: ECS treats a repeated CreateService as the same request.
      clientToken: shortHash(`${inputs.cluster}/${name}/${rendered.hash}`, 32),
    }),
  );
  try {
    return (await created).service!;
  } catch (error) {
    // A concurrent run for the same PR (another push) created the service with another spec a moment
    // ago; ECS refuses a second, different CreateService. Converge by deploying ours onto theirs.
    if (awsErrorCode(error) !== 'InvalidParameterException' || !/idempoten/i.test((error as Error).message))
      throw error;
    const { service } = await ecs.send(
      new UpdateServiceCommand({
        cluster: inputs.cluster,
        service: name,
        taskDefinition: taskDefinitionArn,
        desiredCount: inputs.desiredCount,
      }),
    );
    await ecs.send(
      new TagResourceCommand({
        resourceArn: service!.serviceArn,
        tags: toEcsTags({ [TAG.spec]: rendered.hash }),
      }),
    );
    return service!;
  }
}
