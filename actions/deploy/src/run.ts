import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, type ECSClient, type Service } from '@aws-sdk/client-ecs';
import { diagnose, formatDiagnosis, RolloutFailedError } from '@ecs-actions/ecs/rollout';
import {
  type Clock,
  errorMessage,
  formatDuration,
  type RunContext,
  table,
  UserError,
  WaitTimeoutError,
} from '@ecs-actions/kit';
import { type AppSpec, appSpecFromFile, generateAppSpec } from './appspec.js';
import { AlarmError, bake, checkAlarmsExist } from './bake.js';
import type { InFlight } from './cancel.js';
import {
  assertGroupIdle,
  createDeployment,
  DeploymentFailedError,
  type DeploymentGroupRef,
  findDeploymentGroup,
  followDeployment,
  pausesAtTestTraffic,
  terminationWaitMinutes,
} from './codedeploy.js';
import { decide } from './decide.js';
import type { DeployInputs } from './inputs.js';
import { deployNative, NativeDeploymentFailedError } from './native.js';
import { deployRolling, revertRolling } from './rolling.js';
import { sessionWarning } from './session.js';
import { prepareTaskDefinition } from './taskdef.js';
import { Timeline } from './timeline.js';

/** How the service is deployed: its deployment controller, and for ECS its strategy. */
export type Controller = 'CODE_DEPLOY' | 'ECS';
export type Status =
  | 'succeeded'
  | 'traffic-shifted'
  | 'test-traffic'
  | 'started'
  | 'registered'
  | 'failed'
  | 'rolled-back'
  | 'timed-out'
  | 'cancelled'
  /** An alarm went to ALARM during the bake (the service was not rolled back). */
  | 'alarm';

export interface DeployOutputs {
  'task-definition-arn'?: string;
  'deployment-id'?: string;
  /** The revision the service ran before this deploy: what a rollback of this wave goes back to. */
  'previous-task-definition-arn'?: string;
  status?: Status;
  /** The alarm found in ALARM during the bake (set only then). */
  alarm?: string;
  /** When the step started (ISO 8601): a wave's start, just after its approval. */
  'started-at'?: string;
  controller?: Controller;
  strategy?: string;
}

export interface Deps {
  ecs: Pick<ECSClient, 'send'>;
  codedeploy: Pick<CodeDeployClient, 'send'>;
  /** CloudWatch, for `alarms`. */
  cloudwatch?: Pick<CloudWatchClient, 'send'>;
  clock: Clock;
  log: (line: string) => void;
  warn: (line: string) => void;
  readFile: (path: string) => string;
  /** Outputs as soon as they are known (a failed step still reports the deployment id and status). */
  setOutputs: (outputs: DeployOutputs) => void;
  /** What the post step must stop if the job ends before this step settles; undefined: nothing. */
  saveInFlight: (inFlight: InFlight | undefined) => void;
  summary: (markdown: string) => Promise<void>;
  env: NodeJS.ProcessEnv;
  /** The run that deploys (CreateDeployment's description names it). */
  context: Pick<RunContext, 'runUrl'>;
  signal?: AbortSignal;
}

/** Deploys one service (or only registers the revision, `mode: register`). */
export async function run(inputs: DeployInputs, deps: Deps): Promise<DeployOutputs> {
  const timeline = new Timeline(deps.clock.now, (line) => deps.log(line));
  const outputs: DeployOutputs = {};
  const report = (more: DeployOutputs) => {
    Object.assign(outputs, more);
    deps.setOutputs(more);
  };
  const facts: [string, string][] = [];
  let failure: string | undefined;
  if (deploying(inputs)) report({ 'started-at': new Date(deps.clock.now()).toISOString() });
  try {
    await deploy(inputs, deps, timeline, report, facts);
    await watchBake(inputs, deps, timeline, outputs, report, facts);
    // A revert that finished puts the service back where it was: that is its success.
    if (inputs.mode === 'revert' && (outputs.status === 'succeeded' || outputs.status === 'traffic-shifted'))
      report({ status: 'rolled-back' });
  } catch (error) {
    failure = errorMessage(error);
    if (error instanceof AlarmError) {
      // watchBake reported the status (alarm, or rolled-back).
    } else if (deps.signal?.aborted) report({ status: 'cancelled' });
    else if (
      error instanceof WaitTimeoutError ||
      (error instanceof RolloutFailedError && error.ending !== 'failed')
    ) {
      report({ status: 'timed-out' });
    } else if (
      (error instanceof DeploymentFailedError ||
        error instanceof RolloutFailedError ||
        error instanceof NativeDeploymentFailedError) &&
      error.rolledBack
    ) {
      report({ status: 'rolled-back' });
    } else if (outputs.status !== undefined || outputs['deployment-id'] !== undefined)
      report({ status: 'failed' });
    throw error;
  } finally {
    if (
      deploying(inputs) ||
      inputs.mode === 'continue' ||
      inputs.mode === 'rollback' ||
      failure !== undefined
    ) {
      await deps.summary(summaryMarkdown(inputs, outputs, facts, timeline, failure));
    }
  }
  return outputs;
}

async function deploy(
  inputs: DeployInputs,
  deps: Deps,
  timeline: Timeline,
  report: (o: DeployOutputs) => void,
  facts: [string, string][],
): Promise<void> {
  if (inputs.mode === 'continue' || inputs.mode === 'rollback')
    return decide(inputs, deps, timeline, report, facts);
  const service = inputs.service ? await describeService(deps, inputs.cluster, inputs.service) : undefined;
  const controller: Controller = (service?.deploymentController?.type ?? 'ECS') as Controller;
  if (service && controller !== 'CODE_DEPLOY' && controller !== 'ECS') {
    throw new UserError(
      `Service ${inputs.service} uses the ${controller} deployment controller; this action deploys CODE_DEPLOY and ECS services.`,
    );
  }
  const strategy =
    controller === 'CODE_DEPLOY' ? 'BLUE_GREEN' : (service?.deploymentConfiguration?.strategy ?? 'ROLLING');
  if (service) report({ controller, strategy });

  let group: DeploymentGroupRef | undefined;
  if (deploying(inputs) && controller === 'CODE_DEPLOY') {
    group = await findDeploymentGroup(
      deps.codedeploy,
      inputs.cluster,
      inputs.service,
      inputs.codedeployApplication,
      inputs.codedeployDeploymentGroup,
    );
    facts.push(['CodeDeploy', `${group.applicationName} / ${group.deploymentGroupName}`]);
    // Refuse before registering anything: one active deployment per group.
    await assertGroupIdle(deps.codedeploy, group);
    const termination = terminationWaitMinutes(group.info);
    if (inputs.waitUntil === 'complete' && termination * 60_000 >= inputs.timeoutMs) {
      deps.warn(
        `Deployment group ${group.deploymentGroupName} keeps the original task set for ${termination} minutes after traffic shifted, longer than 'timeout' (${formatDuration(inputs.timeoutMs)}): 'wait-until: complete' would time out. Use 'wait-until: traffic-shifted' to return once production traffic is on the new revision.`,
      );
    }
    if (inputs.waitUntil === 'test-traffic' && !pausesAtTestTraffic(group.info)) {
      deps.warn(
        `Deployment group ${group.deploymentGroupName} does not wait for a traffic reroute (deploymentReadyOption.actionOnTimeout is not STOP_DEPLOYMENT): the deployment will move production traffic without pausing at test traffic. Configure the group to stop at 'Ready' for tests to run on the test listener.`,
      );
    }
  } else if (deploying(inputs) && controller === 'ECS' && strategy === 'ROLLING') {
    if (inputs.waitUntil === 'test-traffic' || inputs.waitUntil === 'traffic-shifted') {
      deps.warn(
        `Service ${inputs.service} uses rolling updates: there is no separate test or production traffic shift, so 'wait-until: ${inputs.waitUntil}' waits for the rollout to complete.`,
      );
    }
  }
  if (
    deploying(inputs) &&
    controller === 'ECS' &&
    strategy !== 'ROLLING' &&
    inputs.waitUntil === 'test-traffic'
  ) {
    deps.warn(
      `Service ${inputs.service} uses ECS-native ${strategy} deployments, which pause at test traffic only while a lifecycle hook (deploymentConfiguration.lifecycleHooks at POST_TEST_TRAFFIC_SHIFT) holds them: without one, production traffic follows right after this step returns.`,
    );
  }
  if (deploying(inputs) && inputs.waitUntil !== 'none') {
    const warning = sessionWarning(deps.env, deps.clock.now(), inputs.timeoutMs);
    if (warning) deps.warn(warning);
  }

  // A typo in an alarm name would make the bake watch nothing: refused before anything changes.
  if (inputs.alarms.length > 0) await checkAlarmsExist(cloudwatchOf(deps), inputs.alarms);
  if (service?.taskDefinition) report({ 'previous-task-definition-arn': service.taskDefinition });
  if (inputs.mode === 'revert' && service?.taskDefinition === inputs.taskDefinitionArn) {
    // Its own step already put it back (rollback-on-alarm, a circuit breaker), or the wave never changed it.
    facts.push(['Reverted', `nothing to do: the service already runs ${inputs.taskDefinitionArn}`]);
    report({ 'task-definition-arn': inputs.taskDefinitionArn, status: 'rolled-back' });
    return;
  }

  timeline.enter('Task definition');
  const prepared = await prepareTaskDefinition(inputs, service, { ecs: deps.ecs, readFile: deps.readFile });
  timeline.mark('Task definition', 'Succeeded');
  deps.log(
    prepared.registered
      ? `Registered ${prepared.arn}${prepared.changes.length ? ` (${prepared.changes.join('; ')})` : ''}`
      : `Using ${prepared.arn} as it is (nothing registered)`,
  );
  facts.push([
    'Task definition',
    `${prepared.arn} (${prepared.registered ? 'registered by this run' : 'promoted as it is'})`,
  ]);
  report({ 'task-definition-arn': prepared.arn });
  if (inputs.mode === 'register') {
    report({ status: 'registered' });
    return;
  }
  const svc = service!;
  const waitFor = inputs.waitUntil;

  if (controller === 'CODE_DEPLOY') {
    const spec: AppSpec = inputs.appspecFile
      ? appSpecFromFile(deps.readFile(inputs.appspecFile), inputs.appspecFile, prepared.arn, inputs.hooks)
      : generateAppSpec(svc, prepared.arn, inputs.hooks);
    if (deps.signal?.aborted)
      throw new UserError('Cancelled before the deployment was created: nothing to stop.');
    timeline.enter('CreateDeployment');
    const deploymentId = await createDeployment(
      deps.codedeploy,
      group!,
      spec,
      inputs.deploymentConfig,
      `GitHub Actions ${deps.context.runUrl ?? ''}`.trim(),
    );
    timeline.mark('CreateDeployment', 'Succeeded');
    deps.log(`Started CodeDeploy deployment ${deploymentId}`);
    report({ 'deployment-id': deploymentId, status: 'started' });
    if (inputs.stopOnCancel) {
      deps.saveInFlight({
        kind: 'codedeploy',
        deploymentId,
        applicationName: group!.applicationName,
        deploymentGroupName: group!.deploymentGroupName,
      });
    }
    if (waitFor === 'none') {
      deps.saveInFlight(undefined);
      return;
    }
    const result = await followDeployment(deps.codedeploy, {
      deploymentId,
      waitUntil: waitFor,
      intervalMs: inputs.intervalMs,
      timeoutMs: inputs.timeoutMs,
      clock: deps.clock,
      timeline,
      log: deps.log,
      ...(deps.signal ? { signal: deps.signal } : {}),
    }).catch(async (error: unknown) => {
      if (!(error instanceof DeploymentFailedError)) throw error;
      // A deployment that ended has nothing left to stop. What ECS saw adds to CodeDeploy's reasons: stopped
      // tasks with their exit codes, service events.
      deps.saveInFlight(undefined);
      const now = await describeService(deps, inputs.cluster, inputs.service).catch(() => undefined);
      const diagnosis = await diagnose(deps.ecs as ECSClient, inputs.cluster, inputs.service, now, undefined);
      throw new DeploymentFailedError(
        `${error.message}\nWhat ECS reports:\n${formatDiagnosis(diagnosis)
          .split('\n')
          // CODE_DEPLOY services have task sets, not deployments: the waiter's "Deployment: unknown" is noise.
          .filter((line) => line !== 'Deployment: unknown')
          .join('\n')}`,
        error.info,
        error.target,
        error.rolledBack,
      );
    });
    deps.saveInFlight(undefined);
    report({ status: result.status });
    if (result.status === 'test-traffic') {
      facts.push([
        'Left running',
        `Test traffic is on the replacement task set; continue with \`aws deploy continue-deployment --deployment-id ${deploymentId} --deployment-wait-type READY_WAIT\` or stop it.`,
      ]);
    }
    return;
  }

  const previousTaskDefinition = svc.taskDefinition;
  if (strategy === 'ROLLING') {
    const result = await deployRolling(deps.ecs, {
      cluster: inputs.cluster,
      service: inputs.service,
      taskDefinitionArn: prepared.arn,
      wait: waitFor !== 'none',
      intervalMs: inputs.intervalMs,
      timeoutMs: inputs.timeoutMs,
      clock: deps.clock,
      timeline,
      log: deps.log,
      ...(deps.signal ? { signal: deps.signal } : {}),
      onStarted: (deploymentId) => {
        report({ 'deployment-id': deploymentId, status: 'started' });
        if (inputs.stopOnCancel && previousTaskDefinition && waitFor !== 'none') {
          deps.saveInFlight({
            kind: 'rolling',
            cluster: inputs.cluster,
            service: inputs.service,
            previousTaskDefinition,
            taskDefinitionArn: prepared.arn,
          });
        }
      },
    }).catch((error: unknown) => {
      // A rollout that ended has nothing left to revert; one we only stopped waiting for stays in flight.
      if (error instanceof RolloutFailedError && error.ending === 'failed') deps.saveInFlight(undefined);
      throw error;
    });
    deps.saveInFlight(undefined);
    report({ status: result.status });
    return;
  }

  const result = await deployNative(deps.ecs, {
    cluster: inputs.cluster,
    service: inputs.service,
    taskDefinitionArn: prepared.arn,
    waitUntil: waitFor,
    intervalMs: inputs.intervalMs,
    timeoutMs: inputs.timeoutMs,
    clock: deps.clock,
    timeline,
    log: deps.log,
    ...(deps.signal ? { signal: deps.signal } : {}),
    onStarted: (arn) => {
      report({ 'deployment-id': arn, status: 'started' });
      if (inputs.stopOnCancel && arn && waitFor !== 'none') {
        deps.saveInFlight({
          kind: 'native',
          cluster: inputs.cluster,
          service: inputs.service,
          serviceDeploymentArn: arn,
        });
      }
    },
  }).catch((error: unknown) => {
    if (error instanceof NativeDeploymentFailedError) deps.saveInFlight(undefined);
    throw error;
  });
  deps.saveInFlight(undefined);
  report({ status: result.status });
}

/** Modes that change the service: a deploy, and a revert to the revision it ran before (deploy workflow rollback). */
function deploying(inputs: DeployInputs): boolean {
  return inputs.mode === 'deploy' || inputs.mode === 'revert';
}

function cloudwatchOf(deps: Deps): Pick<CloudWatchClient, 'send'> {
  if (!deps.cloudwatch) throw new Error('no CloudWatch client for alarms');
  return deps.cloudwatch;
}

/**
 * `bake` and `alarms`: once production runs the new revision, watch the alarms for the bake time. An alarm
 * stops the rollout (the step fails, so the next wave never starts); with `rollback-on-alarm` a rolling or
 * ECS-native service is put back on the revision it ran before. A CodeDeploy group rolls back on its own
 * alarm configuration (CodeDeploy's alarm-based rollback), which this step does not replace.
 */
async function watchBake(
  inputs: DeployInputs,
  deps: Deps,
  timeline: Timeline,
  outputs: DeployOutputs,
  report: (o: DeployOutputs) => void,
  facts: [string, string][],
): Promise<void> {
  if (inputs.bakeMs === 0 && inputs.alarms.length === 0) return;
  if (outputs.status !== 'succeeded' && outputs.status !== 'traffic-shifted') return;
  timeline.enter('Bake');
  const watched = inputs.alarms.length ? `alarms ${inputs.alarms.join(', ')}` : 'no alarms';
  try {
    await bake(inputs.alarms.length ? cloudwatchOf(deps) : undefined, {
      alarms: inputs.alarms,
      bakeMs: inputs.bakeMs,
      intervalMs: inputs.intervalMs,
      clock: deps.clock,
      log: deps.log,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    timeline.mark('Bake', 'Succeeded');
    facts.push(['Bake', `${formatDuration(inputs.bakeMs)}, ${watched}: none in ALARM`]);
  } catch (error) {
    if (!(error instanceof AlarmError)) throw error;
    timeline.mark('Bake', 'Failed');
    facts.push(['Bake', `${watched}: ${error.alarm} in ALARM`]);
    report({ alarm: error.alarm });
    const previous = outputs['previous-task-definition-arn'];
    if (inputs.rollbackOnAlarm && outputs.controller === 'ECS' && previous) {
      await revertRolling(deps.ecs, inputs.cluster, inputs.service, previous);
      facts.push(['Rolled back', `the service runs ${previous} again (rollback-on-alarm)`]);
      report({ status: 'rolled-back' });
    } else {
      if (inputs.rollbackOnAlarm) {
        facts.push([
          'Not rolled back',
          "CodeDeploy services roll back through their deployment group's alarm configuration",
        ]);
      }
      report({ status: 'alarm' });
    }
    throw error;
  }
}

async function describeService(deps: Deps, cluster: string, name: string): Promise<Service> {
  const { services, failures } = await deps.ecs.send(
    new DescribeServicesCommand({ cluster, services: [name] }),
  );
  const service = services?.[0];
  if (!service || service.status === 'INACTIVE') {
    throw new UserError(
      `Service ${name} was not found in cluster ${cluster}${failures?.[0]?.reason ? ` (${failures[0].reason})` : ''}${service?.status === 'INACTIVE' ? ' (it is INACTIVE: deleted)' : ''}. Check the 'cluster' and 'service' inputs.`,
    );
  }
  return service;
}

const ICON: Record<string, string> = {
  succeeded: '✅',
  'traffic-shifted': '✅',
  'test-traffic': '⏸️',
  started: '▶️',
  registered: '✅',
  failed: '❌',
  'rolled-back': '↩️',
  'timed-out': '⏱️',
  cancelled: '⏹️',
  alarm: '🚨',
};

function summaryMarkdown(
  inputs: DeployInputs,
  outputs: DeployOutputs,
  facts: [string, string][],
  timeline: Timeline,
  failure: string | undefined,
): string {
  const status = outputs.status ?? (failure ? 'failed' : 'started');
  const lines = [
    (inputs.deploymentId
      ? `### ${ICON[status] ?? ''} Deploy ${inputs.mode} \`${inputs.deploymentId}\` — ${status}`
      : `### ${ICON[status] ?? ''} Deploy \`${inputs.service || '(no service)'}\` — ${status}`
    ).replace('  ', ' '),
    '',
    table(
      ['Item', 'Value'],
      [
        ...(inputs.cluster ? [['Cluster', inputs.cluster] as [string, string]] : []),
        ['Controller', `${outputs.controller ?? '?'}${outputs.strategy ? ` (${outputs.strategy})` : ''}`],
        ...facts,
        ...(outputs['deployment-id'] ? [['Deployment', outputs['deployment-id']] as [string, string]] : []),
        ['Wait until', inputs.waitUntil],
      ],
    ),
    '',
    '#### Timeline',
    '',
    timeline.markdown(),
  ];
  if (status === 'timed-out' && inputs.stopOnCancel && outputs['deployment-id']) {
    lines.push(
      '',
      inputs.mode === 'rollback'
        ? 'The wait for the rollback timed out; the rollback itself goes on in CodeDeploy.'
        : 'The wait timed out with the deployment still running; the post step stops it with a rollback.',
    );
  }
  if (failure && status === 'cancelled') {
    lines.push(
      '',
      'The job was cancelled while waiting; the post step stops the deployment with a rollback.',
    );
  } else if (failure) {
    lines.push('', '#### Why it failed', '', '```text', failure.replace(/```/g, "'''"), '```');
  }
  return `${lines.join('\n')}\n`;
}
