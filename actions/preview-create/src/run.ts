import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  type NetworkConfiguration,
  RegisterTaskDefinitionCommand,
  type Service,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  describeTaskDefinition,
  readTaskDefinitionFile,
  type TaskDefinitionSpec,
  toSpec,
} from '@ecs-actions/ecs';
import {
  awsErrorCode,
  type Clock,
  eventBranch,
  eventPullRequest,
  fromTags,
  isOwned,
  type Octokit,
  poll,
  type RunContext,
  shortHash,
  suiteTags,
  TAG,
  type Tags,
  toEcsTags,
  toElbTags,
  UserError,
} from '@ecs-actions/kit';
import { judgeRollout, waitForRollout } from '@ecs-actions/kit/rollout';
import {
  type DeploymentTarget,
  describeTags,
  forwardsTo,
  hostsOf,
  listRules,
  loadBalancerArnOf,
  ownedBy,
  previewNames,
  setDeploymentStatus,
  startDeployment,
} from '@ecs-actions/preview';
import { chooseListener } from './capacity.js';
import { renderHost } from './host.js';
import type { CreateInputs } from './inputs.js';
import { choosePriority } from './priority.js';
import { renderTaskDefinition } from './taskdef.js';

export interface CreateDeps {
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  octokit: Octokit | undefined;
  context: RunContext;
  clock: Clock;
  log: (line: string) => void;
  warn: (line: string) => void;
}

export interface CreateResult {
  pr: number;
  url: string;
  host: string;
  serviceArn: string;
  serviceName: string;
  taskDefinitionArn: string;
  targetGroupArn: string;
  ruleArn: string;
  created: boolean;
  /** What this run created or changed, in words, for the summary. */
  changes: string[];
  phases: { name: string; ms: number }[];
  deploymentId: number | undefined;
}

/** Creates the PR's environment, or brings an existing one to the wanted state. */
export async function runCreate(inputs: CreateInputs, deps: CreateDeps): Promise<CreateResult> {
  const { ecs, elb, clock, log, context } = deps;
  const phases: CreateResult['phases'] = [];
  let phaseStart = clock.now();
  const phase = (name: string) => {
    const now = clock.now();
    phases.push({ name, ms: now - phaseStart });
    phaseStart = now;
  };
  const changes: string[] = [];

  // Resolve and validate everything before the first AWS call.
  const pr = inputs.prNumber ?? eventPullRequest(context);
  if (pr === undefined) {
    throw new UserError(
      `Input 'pr-number' is required: this ${context.eventName || 'run'} event has no pull request.`,
    );
  }
  const prefix = inputs.namePrefix ?? context.repo;
  const names = previewNames(prefix, pr);
  const host = renderHost(inputs.hostTemplate, { pr, branch: eventBranch(context), repo: context.repo });
  const url = `${inputs.urlScheme}://${host}`;
  const fileSpec =
    inputs.taskDefinition.kind === 'file' ? readTaskDefinitionFile(inputs.taskDefinition.path) : undefined;
  const now = new Date(clock.now());
  const baseTags: Tags = {
    ...suiteTags({ repository: context.repository, pr, namePrefix: prefix, now, ttlMs: inputs.ttlMs }),
    [TAG.host]: host,
  };
  phase('validate inputs');

  // Discover: one DescribeServices for both the preview and its template (two when the template lives in
  // another cluster, named by its ARN or as CLUSTER/SERVICE).
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
  if (existing && !ownedBy(fromTags(existing.tags), context.repository, pr)) {
    throw new UserError(
      `Service '${names.service}' already exists in cluster '${inputs.cluster}' and is not this PR's preview (it lacks the ecs-actions tags of ${context.repository}, PR ${pr}). Choose another 'name-prefix'.`,
    );
  }
  if (existing?.status === 'DRAINING') {
    // ECS refuses to reuse a name while the old service drains (a recent destroy): wait it out.
    await waitUntilGone(ecs, inputs.cluster, names.service, inputs, clock, log);
    existing = undefined;
  }

  let base: TaskDefinitionSpec;
  if (fileSpec) {
    base = fileSpec;
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
    family: names.family,
    image: inputs.image,
    containerName: inputs.containerName,
    containerPort: inputs.containerPort,
    environment: { ...inputs.environmentVariables, PREVIEW_URL: url, PREVIEW_PR: String(pr) },
    cpu: inputs.cpu,
    memory: inputs.memory,
  });
  const network = networkConfiguration(inputs, template, existing);
  if (!existing && (rendered.spec.networkMode ?? 'awsvpc') === 'awsvpc' && !network) {
    throw new UserError(
      "Input 'subnets' is required (or 'template-service' to copy them from): awsvpc tasks need subnets.",
    );
  }

  // The target group and its rule.
  let group = await describeTargetGroup(elb, names.targetGroup);
  const listenerOfGroup = group
    ? inputs.listenerArns.find((l) => group?.LoadBalancerArns?.includes(loadBalancerArnOf(l)))
    : undefined;
  let listenerArn: string;
  let rules: Rule[];
  let vpcId: string | undefined;
  if (listenerOfGroup) {
    listenerArn = listenerOfGroup;
    rules = await listRules(elb, listenerArn);
  } else {
    const chosen = await chooseListener(elb, inputs.listenerArns, inputs.maxRulesPerAlb);
    ({ listenerArn, rules, vpcId } = chosen);
  }
  let rule = group?.TargetGroupArn ? lowestRuleFor(rules, group.TargetGroupArn) : undefined;
  const toVerify = [group?.TargetGroupArn, rule?.RuleArn].filter((a): a is string => Boolean(a));
  if (toVerify.length > 0) {
    const tags = await describeTags(elb, toVerify);
    for (const arn of toVerify) {
      if (!ownedBy(tags.get(arn) ?? {}, context.repository, pr)) {
        throw new UserError(
          `${arn} has the name or route of PR ${pr}'s preview but not its ecs-actions tags; refusing to touch it. Choose another 'name-prefix'.`,
        );
      }
    }
  }
  const conflict = rules.find(
    (r) =>
      !r.IsDefault &&
      hostsOf(r).includes(host) &&
      (!group?.TargetGroupArn || !forwardsTo(r, group.TargetGroupArn)),
  );
  if (conflict) {
    throw new UserError(
      `Host '${host}' is already routed by another rule of the listener (${conflict.RuleArn}); pick another 'host'.`,
    );
  }
  phase('discover');

  const deployment: DeploymentTarget | undefined =
    inputs.githubDeployments && deps.octokit
      ? {
          octokit: deps.octokit,
          context,
          environment: inputs.deploymentEnvironment,
          task: names.deploymentTask,
          warn: deps.warn,
        }
      : undefined;
  const deploymentId = deployment
    ? await startDeployment(deployment, {
        ref: headSha(context),
        pr,
        payload: { service: names.service, cluster: inputs.cluster },
        description: `Preview of PR #${pr}`,
      })
    : undefined;

  try {
    // Apply: each step converges, so a re-run after a crash anywhere finishes the job.
    if (!group) {
      group = await createTargetGroup(
        elb,
        names.targetGroup,
        rendered.spec.networkMode,
        rendered.port,
        vpcId,
        inputs,
        baseTags,
      );
      changes.push(`created target group ${names.targetGroup}`);
    }
    const groupArn = group.TargetGroupArn!;
    if (!rule) {
      rule = await createRule(
        elb,
        listenerArn,
        rules,
        groupArn,
        host,
        inputs,
        `${context.repository}#${pr}`,
        baseTags,
      );
      changes.push(`created listener rule for ${host} (priority ${rule.Priority})`);
      rule = await settleDuplicateRules(elb, listenerArn, groupArn, context.repository, pr, log);
    } else if (!hostsOf(rule).includes(host)) {
      await elb.send(
        new ModifyRuleCommand({
          RuleArn: rule.RuleArn,
          Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [host] } }],
        }),
      );
      changes.push(`changed the rule's host to ${host}`);
    }

    const serviceTags = fromTags(existing?.tags);
    const specChanged = serviceTags[TAG.spec] !== rendered.hash;
    let taskDefinitionArn = existing?.taskDefinition ?? '';
    if (!existing || specChanged) {
      taskDefinitionArn = await registerOnce(
        ecs,
        names.family,
        rendered.spec,
        rendered.hash,
        baseTags,
        changes,
      );
    }

    let service: Service | undefined;
    let created = false;
    if (!existing) {
      await elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: groupArn,
          Attributes: [
            { Key: 'deregistration_delay.timeout_seconds', Value: String(inputs.deregistrationDelaySeconds) },
          ],
        }),
      );
      service = await createService(
        ecs,
        inputs,
        names.service,
        taskDefinitionArn,
        rendered,
        groupArn,
        network,
        template,
        {
          ...baseTags,
          [TAG.spec]: rendered.hash,
        },
      );
      created = true;
      changes.push(`created service ${names.service}`);
    } else {
      const desiredChanged = existing.desiredCount !== inputs.desiredCount;
      const networkChanged =
        network !== undefined &&
        inputs.subnets.length + inputs.securityGroups.length > 0 &&
        !sameNetwork(network, existing.networkConfiguration);
      if (specChanged || desiredChanged || networkChanged) {
        ({ service } = await ecs.send(
          new UpdateServiceCommand({
            cluster: inputs.cluster,
            service: names.service,
            taskDefinition: taskDefinitionArn,
            desiredCount: inputs.desiredCount,
            ...(networkChanged ? { networkConfiguration: network } : {}),
          }),
        ));
        await ecs.send(
          new TagResourceCommand({
            resourceArn: existing.serviceArn,
            tags: toEcsTags({
              [TAG.spec]: rendered.hash,
              [TAG.expiresAt]: baseTags[TAG.expiresAt]!,
              [TAG.host]: host,
            }),
          }),
        );
        changes.push(
          [
            specChanged && `deployed ${inputs.image}`,
            desiredChanged && `desired count ${inputs.desiredCount}`,
            networkChanged && 'network configuration',
          ]
            .filter(Boolean)
            .join(', '),
        );
      } else {
        service = existing;
        const expires = Date.parse(serviceTags[TAG.expiresAt] ?? '');
        if (!(expires - clock.now() > inputs.ttlMs / 2)) {
          await ecs.send(
            new TagResourceCommand({
              resourceArn: existing.serviceArn,
              tags: toEcsTags({ [TAG.expiresAt]: baseTags[TAG.expiresAt]! }),
            }),
          );
          changes.push('extended expires-at');
        }
      }
    }
    phase('apply');

    if (inputs.wait && service) {
      const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
      if (judgeRollout(service, primary?.id).kind !== 'done' || changes.length > 0) {
        await waitForRollout(ecs, {
          cluster: inputs.cluster,
          service: names.service,
          deploymentId: primary?.id,
          intervalMs: inputs.pollIntervalMs,
          timeoutMs: inputs.timeoutMs,
          clock,
          log,
        });
        await waitForHealthyTargets(elb, groupArn, inputs, clock, log);
      }
      phase('wait for the service');
    }

    if (deployment && deploymentId !== undefined) {
      await setDeploymentStatus(deployment, deploymentId, 'success', {
        environmentUrl: url,
        description: 'Preview is ready',
      });
    }
    return {
      pr,
      url,
      host,
      serviceArn: service?.serviceArn ?? existing?.serviceArn ?? '',
      serviceName: names.service,
      taskDefinitionArn,
      targetGroupArn: groupArn,
      ruleArn: rule?.RuleArn ?? '',
      created,
      changes,
      phases,
      deploymentId,
    };
  } catch (error) {
    if (deployment && deploymentId !== undefined) {
      await setDeploymentStatus(deployment, deploymentId, 'failure', {
        description: `Preview failed: ${(error as Error).message}`.slice(0, 140),
      }).catch(() => {});
    }
    throw error;
  }
}

/** The template service's cluster and name: from its ARN, from CLUSTER/SERVICE, or in the preview's cluster. */
export function templateOf(reference: string, cluster: string): { cluster: string; name: string } {
  const arn = /^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:service\/([^/]+)\/([^/]+)$/.exec(reference);
  if (arn) return { cluster: arn[1]!, name: arn[2]! };
  const parts = reference.split('/');
  if (parts.length === 2 && parts[0] && parts[1]) return { cluster: parts[0], name: parts[1] };
  return { cluster, name: parts.at(-1)! };
}

function headSha(context: RunContext): string {
  const payload = context.payload as { pull_request?: { head?: { sha?: string } } };
  return payload.pull_request?.head?.sha ?? context.sha;
}

function networkConfiguration(
  inputs: CreateInputs,
  template: Service | undefined,
  existing: Service | undefined,
): NetworkConfiguration | undefined {
  const from = (template ?? existing)?.networkConfiguration?.awsvpcConfiguration;
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

async function describeTargetGroup(elb: ElasticLoadBalancingV2Client, name: string) {
  try {
    const { TargetGroups } = await elb.send(new DescribeTargetGroupsCommand({ Names: [name] }));
    return TargetGroups?.[0];
  } catch (error) {
    if (awsErrorCode(error) === 'TargetGroupNotFoundException') return undefined;
    throw error;
  }
}

/** Of the rules that forward to the group, the one every run agrees on: the lowest priority. */
function lowestRuleFor(rules: Rule[], groupArn: string): Rule | undefined {
  return rules
    .filter((r) => !r.IsDefault && forwardsTo(r, groupArn))
    .sort((a, b) => Number(a.Priority) - Number(b.Priority))[0];
}

async function createTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  name: string,
  networkMode: string | undefined,
  port: number,
  vpcId: string | undefined,
  inputs: CreateInputs,
  tags: Tags,
) {
  const interval = inputs.healthCheckIntervalSeconds;
  try {
    const { TargetGroups } = await elb.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: port,
        VpcId: vpcId,
        TargetType: (networkMode ?? 'awsvpc') === 'awsvpc' ? 'ip' : 'instance',
        HealthCheckPath: inputs.healthCheckPath,
        HealthCheckIntervalSeconds: interval,
        HealthCheckTimeoutSeconds: Math.max(2, Math.min(interval - 1, 5)),
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        Matcher: { HttpCode: '200-399' },
        Tags: toElbTags(tags),
      }),
    );
    return TargetGroups![0]!;
  } catch (error) {
    // A concurrent run for the same PR created it first: use theirs (it carries the same tags).
    if (awsErrorCode(error) === 'DuplicateTargetGroupNameException') {
      const group = await describeTargetGroup(elb, name);
      if (group) return group;
    }
    throw error;
  }
}

const MAX_PRIORITY_ATTEMPTS = 6;

async function createRule(
  elb: ElasticLoadBalancingV2Client,
  listenerArn: string,
  known: Rule[],
  groupArn: string,
  host: string,
  inputs: CreateInputs,
  identity: string,
  tags: Tags,
): Promise<Rule> {
  let rules = known;
  for (let attempt = 0; attempt < MAX_PRIORITY_ATTEMPTS; attempt++) {
    const used = new Set(rules.filter((r) => !r.IsDefault).map((r) => Number(r.Priority)));
    const priority = choosePriority(used, inputs.priorityRange, identity, attempt);
    if (priority === undefined) {
      throw new UserError(
        `Input 'rule-priorities': every priority in ${inputs.priorityRange.join('-')} is taken on ${listenerArn}.`,
      );
    }
    try {
      const { Rules } = await elb.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: priority,
          Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [host] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: groupArn }],
          Tags: toElbTags(tags),
        }),
      );
      return Rules![0]!;
    } catch (error) {
      const code = awsErrorCode(error);
      if (code === 'PriorityInUseException') {
        rules = await listRules(elb, listenerArn);
        continue;
      }
      if (code === 'TooManyRulesException' || code === 'TooManyTargetGroupsException') {
        throw new UserError(
          `The load balancer of ${listenerArn} is at an AWS limit (${code}); the target group ${groupArn} is tagged and will be removed by preview-destroy or preview-sweep.`,
        );
      }
      throw error;
    }
  }
  throw new UserError(
    `Could not find a free rule priority on ${listenerArn} after ${MAX_PRIORITY_ATTEMPTS} attempts (PriorityInUse each time).`,
  );
}

/**
 * Two runs for the same PR at once may each create a rule. Both then keep the one with the lowest
 * priority and delete the others (ours by tag), so the PR ends with one route.
 */
async function settleDuplicateRules(
  elb: ElasticLoadBalancingV2Client,
  listenerArn: string,
  groupArn: string,
  repository: string,
  pr: number,
  log: (line: string) => void,
): Promise<Rule> {
  const mine = (await listRules(elb, listenerArn))
    .filter((r) => !r.IsDefault && forwardsTo(r, groupArn))
    .sort((a, b) => Number(a.Priority) - Number(b.Priority));
  const [keep, ...extra] = mine;
  if (!keep) throw new UserError(`The rule just created on ${listenerArn} is gone; re-run the job.`);
  if (extra.length > 0) {
    const tags = await describeTags(
      elb,
      extra.map((r) => r.RuleArn!),
    );
    for (const rule of extra) {
      if (!ownedBy(tags.get(rule.RuleArn!) ?? {}, repository, pr)) continue;
      await elb.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn })).catch(() => {});
      log(`removed duplicate rule ${rule.RuleArn} (a concurrent run created it)`);
    }
  }
  return keep;
}

/** Registers the spec unless the family's latest revision already is it (a re-run after a crash). */
async function registerOnce(
  ecs: ECSClient,
  family: string,
  spec: TaskDefinitionSpec,
  hash: string,
  tags: Tags,
  changes: string[],
): Promise<string> {
  try {
    const latest = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }),
    );
    const latestTags = fromTags(latest.tags);
    if (
      latestTags[TAG.spec] === hash &&
      isOwned(latestTags, tags[TAG.repository]!) &&
      latest.taskDefinition?.taskDefinitionArn
    ) {
      return latest.taskDefinition.taskDefinitionArn;
    }
  } catch (error) {
    if (awsErrorCode(error) !== 'ClientException') throw error; // the family has no revision yet
  }
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({ ...spec, tags: toEcsTags({ ...tags, [TAG.spec]: hash }) }),
  );
  changes.push(`registered ${family}:${taskDefinition?.revision}`);
  return taskDefinition!.taskDefinitionArn!;
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

async function waitUntilGone(
  ecs: ECSClient,
  cluster: string,
  name: string,
  inputs: CreateInputs,
  clock: Clock,
  log: (line: string) => void,
): Promise<void> {
  log(`Service ${name} is still draining after a recent destroy; waiting for ECS to release the name.`);
  await poll({
    what: `service ${name} to finish draining`,
    intervalMs: inputs.pollIntervalMs,
    timeoutMs: inputs.timeoutMs,
    clock,
    check: async () => {
      const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }));
      const status = services?.[0]?.status;
      return !status || status === 'INACTIVE'
        ? { done: true, value: undefined }
        : { done: false, status: status };
    },
  });
}

/** Where the load balancer reports target health, wait until every registered target is healthy. */
async function waitForHealthyTargets(
  elb: ElasticLoadBalancingV2Client,
  groupArn: string,
  inputs: CreateInputs,
  clock: Clock,
  log: (line: string) => void,
): Promise<void> {
  await poll({
    what: 'the preview targets to become healthy',
    intervalMs: inputs.pollIntervalMs,
    timeoutMs: inputs.timeoutMs,
    clock,
    onProgress: (status) => log(status),
    check: async () => {
      const { TargetHealthDescriptions = [] } = await elb.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: groupArn }),
      );
      const states = TargetHealthDescriptions.map((t) => t.TargetHealth?.State ?? 'unknown');
      if (states.length === 0 || states.every((s) => s === 'healthy'))
        return { done: true, value: undefined };
      return { done: false, status: `targets: ${states.join(', ')}` };
    },
  });
}
