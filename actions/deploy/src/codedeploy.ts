import {
  BatchGetDeploymentGroupsCommand,
  type CodeDeployClient,
  CreateDeploymentCommand,
  type DeploymentGroupInfo,
  type DeploymentInfo,
  type ECSTarget,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListApplicationsCommand,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import {
  awsErrorCode,
  type Clock,
  errorMessage,
  formatDuration,
  poll,
  UserError,
  WaitTimeoutError,
} from '@ecs-actions/kit';
import type { AppSpec } from './appspec.js';
import { appSpecContent } from './appspec.js';
import type { WaitUntil } from './inputs.js';
import type { Timeline } from './timeline.js';

type CodeDeploy = Pick<CodeDeployClient, 'send'>;

/** Deployments CodeDeploy counts as active: a group takes one at a time. */
export const ACTIVE_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;

export interface DeploymentGroupRef {
  applicationName: string;
  deploymentGroupName: string;
  info: DeploymentGroupInfo;
}

const lastSegment = (nameOrArn: string) => nameOrArn.split('/').pop() ?? nameOrArn;

/**
 * The deployment group of an ECS service: the named one, or the one whose `ecsServices` lists this
 * cluster/service, searched in the named application or in every application of the account/region.
 */
export async function findDeploymentGroup(
  codedeploy: CodeDeploy,
  cluster: string,
  service: string,
  applicationName: string | undefined,
  deploymentGroupName: string | undefined,
): Promise<DeploymentGroupRef> {
  if (applicationName && deploymentGroupName) {
    try {
      const { deploymentGroupInfo } = await codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName, deploymentGroupName }),
      );
      if (!deploymentGroupInfo) throw new Error('GetDeploymentGroup returned nothing');
      return { applicationName, deploymentGroupName, info: deploymentGroupInfo };
    } catch (error) {
      const code = awsErrorCode(error);
      if (code === 'ApplicationDoesNotExistException' || code === 'DeploymentGroupDoesNotExistException') {
        throw new UserError(
          `Inputs 'codedeploy-application'/'codedeploy-deployment-group': ${applicationName}/${deploymentGroupName} does not exist (${errorMessage(error)}). Omit both to find the group from the service.`,
        );
      }
      throw error;
    }
  }
  const applications = applicationName ? [applicationName] : await listAll(codedeploy, 'applications');
  const matches: DeploymentGroupRef[] = [];
  for (const app of applications) {
    const names = await listAll(codedeploy, 'groups', app);
    for (let i = 0; i < names.length; i += 100) {
      const { deploymentGroupsInfo } = await codedeploy.send(
        new BatchGetDeploymentGroupsCommand({
          applicationName: app,
          deploymentGroupNames: names.slice(i, i + 100),
        }),
      );
      for (const info of deploymentGroupsInfo ?? []) {
        if (deploymentGroupName && info.deploymentGroupName !== deploymentGroupName) continue;
        const serves = (info.ecsServices ?? []).some(
          (s) =>
            s.serviceName === lastSegment(service) &&
            lastSegment(s.clusterName ?? '') === lastSegment(cluster),
        );
        if (serves)
          matches.push({ applicationName: app, deploymentGroupName: info.deploymentGroupName!, info });
      }
    }
  }
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new UserError(
      `No CodeDeploy deployment group deploys service ${service} of cluster ${cluster}${applicationName ? ` in application ${applicationName}` : ''}. Set 'codedeploy-application' and 'codedeploy-deployment-group'.`,
    );
  }
  throw new UserError(
    `Several CodeDeploy deployment groups deploy service ${service}: ${matches.map((m) => `${m.applicationName}/${m.deploymentGroupName}`).join(', ')}. Set 'codedeploy-application' and 'codedeploy-deployment-group'.`,
  );
}

async function listAll(
  codedeploy: CodeDeploy,
  what: 'applications' | 'groups',
  app?: string,
): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    if (what === 'applications') {
      const page = await codedeploy.send(new ListApplicationsCommand({ nextToken }));
      out.push(...(page.applications ?? []));
      nextToken = page.nextToken;
    } else {
      const page = await codedeploy.send(
        new ListDeploymentGroupsCommand({ applicationName: app, nextToken }),
      );
      out.push(...(page.deploymentGroups ?? []));
      nextToken = page.nextToken;
    }
  } while (nextToken);
  return out;
}

/** The group's active deployment, if any (one at a time per group). */
export async function activeDeployment(
  codedeploy: CodeDeploy,
  group: DeploymentGroupRef,
): Promise<string | undefined> {
  const { deployments } = await codedeploy.send(
    new ListDeploymentsCommand({
      applicationName: group.applicationName,
      deploymentGroupName: group.deploymentGroupName,
      includeOnlyStatuses: [...ACTIVE_STATUSES],
    }),
  );
  return deployments?.[0];
}

function busy(group: DeploymentGroupRef, active: string | undefined): UserError {
  return new UserError(
    `CodeDeploy deployment group ${group.applicationName}/${group.deploymentGroupName} already has an active deployment${active ? ` (${active})` : ''}, and a group takes one at a time. Wait for it to finish, or stop it (aws deploy stop-deployment --deployment-id ${active ?? '<id>'} --auto-rollback-enabled), then re-run this job.`,
  );
}

/** Refuses early (before registering anything) when the group is busy. */
export async function assertGroupIdle(codedeploy: CodeDeploy, group: DeploymentGroupRef): Promise<void> {
  const active = await activeDeployment(codedeploy, group);
  if (active) throw busy(group, active);
}

export async function createDeployment(
  codedeploy: CodeDeploy,
  group: DeploymentGroupRef,
  spec: AppSpec,
  deploymentConfigName: string | undefined,
  description: string,
): Promise<string> {
  try {
    const { deploymentId } = await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: group.applicationName,
        deploymentGroupName: group.deploymentGroupName,
        ...(deploymentConfigName ? { deploymentConfigName } : {}),
        description: description.slice(0, 100),
        revision: { revisionType: 'AppSpecContent', appSpecContent: appSpecContent(spec) },
      }),
    );
    if (!deploymentId) throw new Error('CreateDeployment returned no deployment id');
    return deploymentId;
  } catch (error) {
    const code = awsErrorCode(error);
    // Another run may have started one between our check and this call.
    if (code === 'DeploymentLimitExceededException') {
      throw busy(group, await activeDeployment(codedeploy, group).catch(() => undefined));
    }
    const hint = code ? CREATE_DEPLOYMENT_HINTS[code] : undefined;
    if (hint) {
      throw new UserError(
        `CodeDeploy refused the deployment to ${group.applicationName}/${group.deploymentGroupName} (${code}: ${errorMessage(error)}). ${hint}`,
      );
    }
    throw error;
  }
}

/** CreateDeployment errors the user can fix (from the API reference), with what to do. */
const CREATE_DEPLOYMENT_HINTS: Record<string, string> = {
  InvalidRevisionException:
    "The AppSpec is not valid for this deployment group: check 'appspec', 'container-name' and the task definition's container port.",
  RevisionDoesNotExistException: "The AppSpec revision was not found; check 'appspec'.",
  DeploymentConfigDoesNotExistException:
    "Input 'deployment-config' names a deployment configuration that does not exist (e.g. CodeDeployDefault.ECSAllAtOnce).",
  InvalidDeploymentConfigNameException:
    "Input 'deployment-config' is not a valid deployment configuration name.",
  DeploymentGroupDoesNotExistException:
    "Inputs 'codedeploy-application'/'codedeploy-deployment-group': the deployment group does not exist.",
  ApplicationDoesNotExistException: "Input 'codedeploy-application': the application does not exist.",
  InvalidRoleException:
    "The deployment group's service role cannot be assumed by CodeDeploy; fix its trust policy (codedeploy.amazonaws.com).",
  InvalidTargetInstancesException: 'The deployment group has no valid ECS service targets.',
  InvalidLoadBalancerInfoException:
    "The deployment group's load balancer settings are not valid (target group pair and listeners).",
  ThrottlingException: 'CodeDeploy throttled the request after the SDK retries; re-run the job.',
};

/** How far a followed deployment got when the wait ended. */
export type FollowStatus = 'succeeded' | 'traffic-shifted' | 'test-traffic';

export interface FollowResult {
  status: FollowStatus;
  info: DeploymentInfo;
  target: ECSTarget | undefined;
}

export interface FollowOptions {
  deploymentId: string;
  waitUntil: Exclude<WaitUntil, 'none'>;
  intervalMs: number;
  timeoutMs: number;
  clock: Clock;
  timeline: Timeline;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** A deployment that ended Failed or Stopped, with CodeDeploy's reasons. */
export class DeploymentFailedError extends UserError {
  override name = 'DeploymentFailedError';
  constructor(
    message: string,
    readonly info: DeploymentInfo,
    readonly target: ECSTarget | undefined,
    readonly rolledBack: boolean,
  ) {
    super(message);
  }
}

/**
 * Follows a CodeDeploy deployment at a fixed interval until it reaches `waitUntil`, logging lifecycle events,
 * traffic weights and task counts as they change.
 */
export async function followDeployment(
  codedeploy: CodeDeploy,
  options: FollowOptions,
): Promise<FollowResult> {
  const { deploymentId, timeline, log } = options;
  let targetId: string | undefined;
  let target: ECSTarget | undefined;
  let info: DeploymentInfo | undefined;
  const readTarget = async () => {
    // Until the deployment starts (Created, Queued) it has no targets, and the target operations answer
    // DeploymentNotStartedException: not an error, just nothing to show yet.
    if (info?.status === 'Created' || info?.status === 'Queued') return undefined;
    try {
      if (!targetId) {
        const { targetIds } = await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }));
        targetId = targetIds?.[0];
      }
      if (!targetId) return undefined;
      const { deploymentTarget } = await codedeploy.send(
        new GetDeploymentTargetCommand({ deploymentId, targetId }),
      );
      return deploymentTarget?.ecsTarget;
    } catch (error) {
      if (awsErrorCode(error) === 'DeploymentNotStartedException') return undefined;
      throw error;
    }
  };
  try {
    return await poll<FollowResult>({
      what: `CodeDeploy deployment ${deploymentId}`,
      intervalMs: options.intervalMs,
      timeoutMs: options.timeoutMs,
      clock: options.clock,
      signal: options.signal,
      onProgress: (status, elapsed) => log(`[${formatDuration(elapsed)}] ${status}`),
      check: async () => {
        const answer = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
        info = answer.deploymentInfo;
        if (!info) throw new Error(`GetDeployment ${deploymentId} returned nothing`);
        target = (await readTarget()) ?? target;
        recordEvents(timeline, target, options.clock.now());
        const status = info.status ?? 'Unknown';
        if (status === 'Failed' || status === 'Stopped') {
          const rolledBack = Boolean(info.rollbackInfo?.rollbackDeploymentId);
          throw new DeploymentFailedError(explainFailure(info, target), info, target, rolledBack);
        }
        if (status === 'Succeeded') {
          timeline.mark(
            'Blue termination',
            'Succeeded',
            timeline.list().find((p) => p.name === 'Blue termination')?.startedAt,
          );
          return { done: true, value: { status: 'succeeded', info, target } };
        }
        const events = new Map((target?.lifecycleEvents ?? []).map((e) => [e.lifecycleEventName, e.status]));
        const allShifted =
          events.get('AllowTraffic') === 'Succeeded' && events.get('AfterAllowTraffic') === 'Succeeded';
        if (allShifted || status === 'Baking') timeline.mark('Blue termination', 'InProgress');
        if (
          options.waitUntil === 'test-traffic' &&
          (status === 'Ready' || events.get('AfterAllowTestTraffic') === 'Succeeded')
        ) {
          return { done: true, value: { status: 'test-traffic', info, target } };
        }
        if (options.waitUntil === 'traffic-shifted' && (allShifted || status === 'Baking')) {
          return { done: true, value: { status: 'traffic-shifted', info, target } };
        }
        return { done: false, status: progressLine(info, target) };
      },
    });
  } catch (error) {
    if (error instanceof WaitTimeoutError && info) {
      throw new WaitTimeoutError(`${error.message}\n${progressLine(info, target)}`);
    }
    throw error;
  }
}

function recordEvents(timeline: Timeline, target: ECSTarget | undefined, now: number): void {
  for (const e of target?.lifecycleEvents ?? []) {
    if (!e.lifecycleEventName || !e.status || e.status === 'Pending') continue;
    const started = e.startTime?.getTime() ?? now;
    timeline.mark(e.lifecycleEventName, e.status, started, e.endTime?.getTime());
  }
}

/** One progress line: deployment status, current event, traffic and tasks per task set. */
export function progressLine(info: DeploymentInfo, target: ECSTarget | undefined): string {
  const current =
    target?.lifecycleEvents?.find((e) => e.status === 'InProgress')?.lifecycleEventName ??
    (info.status === 'Ready' ? 'waiting for traffic reroute (ContinueDeployment)' : undefined);
  const sets = (target?.taskSetsInfo ?? [])
    .map(
      (s) =>
        `${s.taskSetLabel ?? '?'} ${s.runningCount ?? 0}/${s.desiredCount ?? 0} running, ${s.trafficWeight ?? 0}% traffic`,
    )
    .join('; ');
  return [`${info.status ?? 'Unknown'}`, current && `at ${current}`, sets && `(${sets})`]
    .filter(Boolean)
    .join(' ');
}

/** CodeDeploy's error information, the failed lifecycle event with its diagnostics, and the rollback. */
export function explainFailure(info: DeploymentInfo, target: ECSTarget | undefined): string {
  const lines = [
    `CodeDeploy deployment ${info.deploymentId} ${info.status === 'Stopped' ? 'was stopped' : 'failed'}.`,
  ];
  if (info.errorInformation) {
    lines.push(`Error: ${info.errorInformation.code ?? ''} ${info.errorInformation.message ?? ''}`.trim());
  }
  const failed = target?.lifecycleEvents?.find((e) => e.status === 'Failed');
  if (failed) {
    const d = failed.diagnostics;
    lines.push(
      `Failed lifecycle event: ${failed.lifecycleEventName}${d ? ` — ${[d.errorCode, d.scriptName, d.message].filter(Boolean).join(': ')}` : ''}`,
    );
    if (d?.logTail) lines.push(`Log tail:\n${d.logTail}`);
  }
  if (info.rollbackInfo?.rollbackDeploymentId) {
    lines.push(
      `Rolled back: CodeDeploy started rollback deployment ${info.rollbackInfo.rollbackDeploymentId}${info.rollbackInfo.rollbackMessage ? ` (${info.rollbackInfo.rollbackMessage})` : ''}; production traffic stays on the original task set.`,
    );
  } else {
    lines.push(
      'Not rolled back: automatic rollback is off for this deployment group; the service may be serving the replacement task set.',
    );
  }
  return lines.join('\n');
}

/** Stops a deployment and asks CodeDeploy to roll it back. */
export async function stopDeployment(
  codedeploy: CodeDeploy,
  deploymentId: string,
): Promise<{ status: string; message: string }> {
  try {
    const out = await codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    return { status: out.status ?? 'Pending', message: out.statusMessage ?? '' };
  } catch (error) {
    if (awsErrorCode(error) === 'DeploymentAlreadyCompletedException') {
      return { status: 'AlreadyCompleted', message: errorMessage(error) };
    }
    throw error;
  }
}

/** Minutes CodeDeploy waits before terminating the blue task set after traffic shifted. */
export function terminationWaitMinutes(group: DeploymentGroupInfo): number {
  return (
    group.blueGreenDeploymentConfiguration?.terminateBlueInstancesOnDeploymentSuccess
      ?.terminationWaitTimeInMinutes ?? 0
  );
}

/** True when the group pauses with test traffic on green until someone continues it. */
export function pausesAtTestTraffic(group: DeploymentGroupInfo): boolean {
  return group.blueGreenDeploymentConfiguration?.deploymentReadyOption?.actionOnTimeout === 'STOP_DEPLOYMENT';
}

/** A deployment by id; a missing one is a UserError naming the input. */
export async function getDeployment(codedeploy: CodeDeploy, deploymentId: string): Promise<DeploymentInfo> {
  try {
    const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    if (!deploymentInfo) throw new Error(`GetDeployment ${deploymentId} returned nothing`);
    return deploymentInfo;
  } catch (error) {
    if (awsErrorCode(error) === 'DeploymentDoesNotExistException') {
      throw new UserError(
        `Input 'deployment-id': CodeDeploy has no deployment ${deploymentId} in this account and region (check 'region').`,
      );
    }
    throw error;
  }
}

/** Where a stopped deployment's rollback ended (or got to when the bounded wait ran out). */
export interface RollbackOutcome {
  /** The stopped deployment's final status (Stopped, or Failed/Succeeded when it ended before the stop). */
  status: string;
  rollbackDeploymentId: string | undefined;
  /** The rollback deployment's status; undefined without one. */
  rollbackStatus: string | undefined;
  /** True when the wait ran out before the rollback ended. */
  timedOut: boolean;
}

/**
 * After StopDeployment with rollback: waits (up to `timeoutMs`) until the deployment ended and its rollback
 * deployment, when CodeDeploy started one, ended too. Never throws for the outcome; the caller reports it.
 */
export async function awaitRollback(
  codedeploy: CodeDeploy,
  deploymentId: string,
  options: { clock: Clock; timeoutMs: number; intervalMs: number; log?: (line: string) => void },
): Promise<RollbackOutcome> {
  const ended = (status: string | undefined) =>
    !(ACTIVE_STATUSES as readonly string[]).includes(status ?? '');
  let outcome: RollbackOutcome = {
    status: 'Unknown',
    rollbackDeploymentId: undefined,
    rollbackStatus: undefined,
    timedOut: false,
  };
  try {
    await poll({
      what: `the rollback of ${deploymentId}`,
      intervalMs: options.intervalMs,
      timeoutMs: options.timeoutMs,
      clock: options.clock,
      onProgress: (status) => options.log?.(status),
      check: async () => {
        const info = await getDeployment(codedeploy, deploymentId);
        const rollbackId = info.rollbackInfo?.rollbackDeploymentId;
        const rollback = rollbackId ? await getDeployment(codedeploy, rollbackId) : undefined;
        outcome = {
          status: info.status ?? 'Unknown',
          rollbackDeploymentId: rollbackId,
          rollbackStatus: rollback?.status,
          timedOut: false,
        };
        const done = ended(info.status) && (!rollback || ended(rollback.status));
        return done
          ? { done: true, value: undefined }
          : {
              done: false,
              status: `${deploymentId} ${info.status}${rollbackId ? `, rollback ${rollbackId} ${rollback?.status}` : ''}`,
            };
      },
    });
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    outcome = { ...outcome, timedOut: true };
  }
  return outcome;
}

/** The outcome in words, for logs and summaries. */
export function describeRollback(deploymentId: string, outcome: RollbackOutcome): string {
  if (outcome.timedOut) {
    return `CodeDeploy deployment ${deploymentId} was stopped with rollback; the rollback had not ended when the wait ran out (${outcome.status}${outcome.rollbackDeploymentId ? `, rollback deployment ${outcome.rollbackDeploymentId} ${outcome.rollbackStatus}` : ''}): check it in the CodeDeploy console.`;
  }
  if (outcome.rollbackDeploymentId) {
    return outcome.rollbackStatus === 'Succeeded'
      ? `CodeDeploy deployment ${deploymentId} ${outcome.status.toLowerCase()}; rollback deployment ${outcome.rollbackDeploymentId} succeeded: production traffic is on the original task set.`
      : `CodeDeploy deployment ${deploymentId} ${outcome.status.toLowerCase()}; rollback deployment ${outcome.rollbackDeploymentId} ended ${outcome.rollbackStatus}: check the service.`;
  }
  return `CodeDeploy deployment ${deploymentId} ended ${outcome.status}; no rollback deployment was needed (production traffic had not moved).`;
}
