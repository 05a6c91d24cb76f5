// The CodeDeploy simulator: a local HTTP server that speaks CodeDeploy's real wire protocol (awsJson1_1,
// `X-Amz-Target: CodeDeploy_20141006.<Operation>`, epoch-second timestamps, `__type` errors) to the real SDK
// client, and steps ECS blue/green deployments through their lifecycle. moto accepts CodeDeploy create calls
// but its reads break the JS SDK and its deployments never progress; this is what the deploy tests use instead.
//
// It is a simulator, not an emulator of every rule: it keeps applications, deployment groups and deployments in
// memory, enforces one active deployment per group (DeploymentLimitExceededException), and moves a deployment
// one step per tick through BeforeInstall … AfterAllowTraffic and the blue termination. A tick happens on each
// GetDeployment of that deployment (`advance: 'per-read'`, the default) or only when the test calls tick()
// (`advance: 'manual'`). Traffic is real: at AllowTestTraffic it points the test listener at the green target
// group and at AllowTraffic the production listener, through the real ELBv2 SDK against moto — forwarding to
// green at weight 1 and leaving blue in the forward action at weight 0, as CodeDeploy does. A rollback (failure
// with auto-rollback, or StopDeployment with autoRollbackEnabled) points both listeners back at blue.
// With `ecsEndpoint`, the ECS side is real too: Install creates the replacement task set (the AppSpec's task
// definition, network configuration, green target group), AllowTraffic makes it the primary one (moto then
// reports it as the service's task definition), success deletes the original task set, a rollback the new one.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  ECSClient,
  UpdateServiceCommand,
  UpdateServicePrimaryTaskSetCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { parse as parseYaml } from 'yaml';

/** The lifecycle events of an ECS blue/green deployment, in order. */
export const ECS_LIFECYCLE_EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;
export type LifecycleEventName = (typeof ECS_LIFECYCLE_EVENTS)[number];

/** How the next deployment of a group behaves. */
export interface Scenario {
  /** This event fails (status Failed, with the diagnostics), then the deployment fails. */
  failAt?: LifecycleEventName;
  diagnostics?: { errorCode?: string; scriptName?: string; message?: string; logTail?: string };
  /** The deployment's errorInformation on failure. Default HOOK_EXECUTION_FAILURE for hook events. */
  error?: { code: string; message: string };
  /** The deployment stays InProgress at this event (started, never finished) until stopped. */
  holdAt?: LifecycleEventName;
  /** Ticks spent waiting for the blue task set's termination after traffic shifted. Default 1. */
  terminationTicks?: number;
  /** Tasks per task set reported in the deployment target. Default 1. */
  desiredCount?: number;
  /**
   * Ticks until the deployment starts: it is `Created` through the first half of them and `Queued` through
   * the rest; meanwhile the target operations answer DeploymentNotStartedException, as CodeDeploy does.
   * Default 2 (one read shows Created or Queued, depending on when reads tick).
   */
  startTicks?: number;
}

export interface SimulatorOptions {
  /** Where ELBv2 is (moto, or the counting proxy in front of it): listeners are switched there. */
  elbv2Endpoint: string;
  /** Where ECS is (moto): when given, task sets are created, made primary and deleted there. */
  ecsEndpoint?: string;
  region?: string;
  advance?: 'per-read' | 'manual';
  /** The simulator's clock, in ms (timestamps of events and deployments). Default Date.now. */
  now?: () => number;
}

interface Group {
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  serviceRoleArn: string;
  deploymentConfigName: string;
  ecsServices: { serviceName: string; clusterName: string }[];
  loadBalancerInfo: {
    targetGroupPairInfoList: {
      targetGroups: { name: string }[];
      prodTrafficRoute: { listenerArns: string[] };
      testTrafficRoute?: { listenerArns: string[] };
    }[];
  };
  blueGreenDeploymentConfiguration: {
    deploymentReadyOption?: { actionOnTimeout?: string; waitTimeInMinutes?: number };
    terminateBlueInstancesOnDeploymentSuccess?: { action?: string; terminationWaitTimeInMinutes?: number };
  };
  autoRollbackConfiguration?: { enabled?: boolean; events?: string[] };
  deploymentStyle: { deploymentType: string; deploymentOption: string };
  computePlatform: 'ECS';
  scenario?: Scenario;
}

interface EventState {
  lifecycleEventName: LifecycleEventName;
  status: 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped';
  startTime?: number;
  endTime?: number;
  diagnostics?: Scenario['diagnostics'];
}

/** One simulated deployment, readable by tests. */
export interface SimulatedDeployment {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentConfigName: string;
  status: 'Created' | 'Queued' | 'InProgress' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped';
  /** Every status the deployment has had, in order (Created first). */
  history: string[];
  /** The AppSpec as sent (text) and parsed. */
  appSpecContent: string;
  appSpec: AppSpec;
  events: EventState[];
  createTime: number;
  startTime?: number;
  completeTime?: number;
  errorInformation?: { code: string; message: string };
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackMessage?: string };
  /** True once the test listener forwards to green, and once production does. */
  testTrafficShifted: boolean;
  trafficShifted: boolean;
  /** Set when StopDeployment was called (and whether it asked for a rollback). */
  stopRequested?: { autoRollbackEnabled: boolean };
  blueTargetGroupArn?: string;
  greenTargetGroupArn?: string;
  /** With `ecsEndpoint`: the service's task definition before, its primary task set, the replacement one. */
  originalTaskDefinition?: string;
  blueTaskSetArn?: string;
  greenTaskSetArn?: string;
  readonly scenario: Scenario;
  terminationTicksLeft: number;
  startTicksLeft: number;
  readyContinued: boolean;
  description?: string;
}

export interface AppSpec {
  version?: number | string;
  Resources?: {
    TargetService?: {
      Type?: string;
      Properties?: {
        TaskDefinition?: string;
        LoadBalancerInfo?: { ContainerName?: string; ContainerPort?: number };
        PlatformVersion?: string;
        NetworkConfiguration?: unknown;
        CapacityProviderStrategy?: unknown;
      };
    };
  }[];
  Hooks?: Record<string, string>[];
}

export interface CodeDeploySimulator {
  /** `http://127.0.0.1:PORT`: set AWS_ENDPOINT_URL_CODEDEPLOY to it. */
  readonly endpoint: string;
  readonly deployments: ReadonlyMap<string, SimulatedDeployment>;
  /** Calls per operation, e.g. `{ CreateDeployment: 1, GetDeployment: 7 }`. */
  counts(): Record<string, number>;
  resetCounts(): void;
  /** How the next deployment created in this group behaves (kept until replaced). */
  setScenario(applicationName: string, deploymentGroupName: string, scenario: Scenario): void;
  /** Advances a deployment one step (manual mode, or to push it along in tests). */
  tick(deploymentId: string): Promise<void>;
  stop(): Promise<void>;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const ACTIVE = new Set(['Created', 'Queued', 'InProgress', 'Ready', 'Baking']);
const DEFAULT_START_TICKS = 2;

function setStatus(d: SimulatedDeployment, status: SimulatedDeployment['status']): void {
  d.status = status;
  if (d.history.at(-1) !== status) d.history.push(status);
}

/** The target operations refuse a deployment that has not started (Created or Queued). */
function assertStarted(d: SimulatedDeployment): void {
  if (d.status === 'Created' || d.status === 'Queued') {
    throw new ServiceError(
      'DeploymentNotStartedException',
      `The deployment ${d.deploymentId} has not started.`,
    );
  }
}
const epoch = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

export async function startCodeDeploySimulator(options: SimulatorOptions): Promise<CodeDeploySimulator> {
  const now = options.now ?? Date.now;
  const advance = options.advance ?? 'per-read';
  const elbv2 = new ElasticLoadBalancingV2Client({
    endpoint: options.elbv2Endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const ecs = options.ecsEndpoint
    ? new ECSClient({
        endpoint: options.ecsEndpoint,
        region: options.region ?? 'us-east-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      })
    : undefined;
  const applications = new Map<
    string,
    { applicationId: string; createTime: number; computePlatform: string }
  >();
  const groups = new Map<string, Group>();
  const deployments = new Map<string, SimulatedDeployment>();
  const calls: Record<string, number> = {};
  const groupKey = (app: string, group: string) => `${app}\u0000${group}`;

  const getApp = (name: unknown) => {
    const app = applications.get(String(name));
    if (!app)
      throw new ServiceError('ApplicationDoesNotExistException', `No application found for name: ${name}`);
    return app;
  };
  const getGroup = (app: unknown, name: unknown): Group => {
    getApp(app);
    const group = groups.get(groupKey(String(app), String(name)));
    if (!group) {
      throw new ServiceError(
        'DeploymentGroupDoesNotExistException',
        `No Deployment Group found for name: ${name}`,
      );
    }
    return group;
  };
  const getDeployment = (id: unknown): SimulatedDeployment => {
    if (typeof id !== 'string' || !/^d-[A-Z0-9]{9}$/.test(id)) {
      throw new ServiceError(
        'InvalidDeploymentIdException',
        `Specified DeploymentId is not in the valid format: ${id}`,
      );
    }
    const d = deployments.get(id);
    if (!d)
      throw new ServiceError('DeploymentDoesNotExistException', `The deployment ${id} could not be found.`);
    return d;
  };
  const groupOf = (d: SimulatedDeployment) => groups.get(groupKey(d.applicationName, d.deploymentGroupName))!;

  /** Forward action of a listener: green at weight 1, blue kept at weight 0 (what CodeDeploy leaves). */
  const pointListeners = async (listenerArns: string[], to: string, other: string | undefined) => {
    for (const ListenerArn of listenerArns) {
      const TargetGroups = [{ TargetGroupArn: to, Weight: 1 }];
      if (other) TargetGroups.push({ TargetGroupArn: other, Weight: 0 });
      await elbv2.send(
        new ModifyListenerCommand({
          ListenerArn,
          DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups } }],
        }),
      );
    }
  };

  /** Which target group of the pair production forwards to now (blue), and the other one (green). */
  const resolveColours = async (d: SimulatedDeployment) => {
    const pair = groupOf(d).loadBalancerInfo.targetGroupPairInfoList[0]!;
    const { TargetGroups } = await elbv2.send(
      new DescribeTargetGroupsCommand({ Names: pair.targetGroups.map((t) => t.name) }),
    );
    const arns = (TargetGroups ?? []).map((t) => t.TargetGroupArn!);
    const prod = pair.prodTrafficRoute.listenerArns[0]!;
    const { Listeners } = await elbv2.send(new DescribeListenersCommand({ ListenerArns: [prod] }));
    const action = Listeners?.[0]?.DefaultActions?.[0];
    const weighted = action?.ForwardConfig?.TargetGroups ?? [];
    const live =
      weighted.find((t) => (t.Weight ?? 1) > 0 && arns.includes(t.TargetGroupArn!))?.TargetGroupArn ??
      (action?.TargetGroupArn && arns.includes(action.TargetGroupArn) ? action.TargetGroupArn : undefined);
    if (!live) {
      throw new Error(`CodeDeploy simulator: listener ${prod} forwards to neither target group of the pair`);
    }
    d.blueTargetGroupArn = live;
    d.greenTargetGroupArn = arns.find((a) => a !== live);
  };

  const serviceOf = (d: SimulatedDeployment) => groupOf(d).ecsServices[0]!;

  /** The service's task definition and primary task set before the deployment (ECS side). */
  const readService = async (d: SimulatedDeployment) => {
    if (!ecs) return;
    const svc = serviceOf(d);
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: svc.clusterName, services: [svc.serviceName] }),
    );
    d.originalTaskDefinition = services?.[0]?.taskDefinition;
    d.blueTaskSetArn = services?.[0]?.taskSets?.find((t) => t.status === 'PRIMARY')?.taskSetArn;
  };

  /** Install: the replacement task set, as the AppSpec describes it, behind the green target group. */
  const createGreenTaskSet = async (d: SimulatedDeployment) => {
    if (!ecs) return;
    const svc = serviceOf(d);
    const props = d.appSpec.Resources?.[0]?.TargetService?.Properties;
    const vpc = (props?.NetworkConfiguration as { AwsvpcConfiguration?: Record<string, unknown> } | undefined)
      ?.AwsvpcConfiguration;
    const { taskSet } = await ecs.send(
      new CreateTaskSetCommand({
        cluster: svc.clusterName,
        service: svc.serviceName,
        taskDefinition: props?.TaskDefinition,
        externalId: d.deploymentId,
        // moto 5.2.5 answers 500 to CreateTaskSet with a capacityProviderStrategy (and defaults to EC2 without
        // a launch type): the green task set is created on FARGATE, and the strategy CodeDeploy was asked for
        // stays readable in the deployment's AppSpec.
        launchType: 'FARGATE',
        ...(props?.PlatformVersion ? { platformVersion: props.PlatformVersion } : {}),
        ...(vpc
          ? {
              networkConfiguration: {
                awsvpcConfiguration: {
                  subnets: vpc.Subnets as string[],
                  securityGroups: vpc.SecurityGroups as string[] | undefined,
                  assignPublicIp: vpc.AssignPublicIp as 'ENABLED' | 'DISABLED' | undefined,
                },
              },
            }
          : {}),
        loadBalancers: [
          {
            targetGroupArn: d.greenTargetGroupArn,
            containerName: props?.LoadBalancerInfo?.ContainerName,
            containerPort: props?.LoadBalancerInfo?.ContainerPort,
          },
        ],
        scale: { unit: 'PERCENT', value: 100 },
      }),
    );
    d.greenTaskSetArn = taskSet?.taskSetArn;
  };

  const makePrimary = async (d: SimulatedDeployment, taskSet: string) => {
    const svc = serviceOf(d);
    await ecs!.send(
      new UpdateServicePrimaryTaskSetCommand({
        cluster: svc.clusterName,
        service: svc.serviceName,
        primaryTaskSet: taskSet,
      }),
    );
  };

  const deleteTaskSet = async (d: SimulatedDeployment, taskSet: string) => {
    const svc = serviceOf(d);
    await ecs!.send(
      new DeleteTaskSetCommand({ cluster: svc.clusterName, service: svc.serviceName, taskSet, force: true }),
    );
  };

  /** ECS side of a rollback: the original task set (or task definition) serves again; the replacement goes. */
  const rollBackTaskSets = async (d: SimulatedDeployment) => {
    if (!ecs || !d.greenTaskSetArn) return;
    if (d.trafficShifted) {
      if (d.blueTaskSetArn) await makePrimary(d, d.blueTaskSetArn);
      else if (d.originalTaskDefinition) {
        // A service created without task sets has no original one to make primary again: restore its revision.
        const svc = serviceOf(d);
        await ecs.send(
          new UpdateServiceCommand({
            cluster: svc.clusterName,
            service: svc.serviceName,
            taskDefinition: d.originalTaskDefinition,
          }),
        );
      }
    }
    await deleteTaskSet(d, d.greenTaskSetArn);
    d.greenTaskSetArn = undefined;
  };

  const rollBack = async (d: SimulatedDeployment, message: string) => {
    await rollBackTaskSets(d);
    const pair = groupOf(d).loadBalancerInfo.targetGroupPairInfoList[0]!;
    if (d.blueTargetGroupArn && (d.testTrafficShifted || d.trafficShifted)) {
      await pointListeners(
        [...pair.prodTrafficRoute.listenerArns, ...(pair.testTrafficRoute?.listenerArns ?? [])],
        d.blueTargetGroupArn,
        d.greenTargetGroupArn,
      );
    }
    d.trafficShifted = false;
    d.testTrafficShifted = false;
    const rollbackId = newDeploymentId();
    d.rollbackInfo = { rollbackDeploymentId: rollbackId, rollbackMessage: message };
    const at = now();
    deployments.set(rollbackId, {
      ...d,
      deploymentId: rollbackId,
      status: 'Succeeded',
      events: d.events.map((e) => ({ ...e, status: 'Succeeded', startTime: at, endTime: at })),
      createTime: at,
      startTime: at,
      completeTime: at,
      errorInformation: undefined,
      rollbackInfo: { rollbackMessage: `Rollback of ${d.deploymentId}` },
      stopRequested: undefined,
    });
  };

  /** The event at `index` fails; later ones are skipped; auto-rollback when the group asks for it. */
  const fail = async (
    d: SimulatedDeployment,
    index: number,
    at: number,
    diagnostics: Scenario['diagnostics'],
    error: Scenario['error'],
  ) => {
    const event = d.events[index]!;
    event.status = 'Failed';
    event.endTime = at;
    event.diagnostics = {
      errorCode: 'ScriptFailed',
      scriptName: '',
      message: `The lifecycle event ${event.lifecycleEventName} failed.`,
      logTail: '',
      ...diagnostics,
    };
    for (const later of d.events.slice(index + 1)) later.status = 'Skipped';
    setStatus(d, 'Failed');
    d.completeTime = at;
    d.errorInformation = error ?? {
      code: 'HOOK_EXECUTION_FAILURE',
      message: `The deployment failed because one or more of the lifecycle event validation functions failed or timed out. Lifecycle event ${event.lifecycleEventName} failed.`,
    };
    const rollback = groupOf(d).autoRollbackConfiguration;
    if (rollback?.enabled && (rollback.events ?? []).includes('DEPLOYMENT_FAILURE')) {
      await rollBack(d, `Automatic rollback of ${d.deploymentId}: the deployment failed.`);
    }
  };

  const tick = async (d: SimulatedDeployment) => {
    if (!ACTIVE.has(d.status) || d.status === 'Ready') return;
    const at = now();
    if ((d.status === 'Created' || d.status === 'Queued') && d.startTicksLeft > 0) {
      const total = d.scenario.startTicks ?? DEFAULT_START_TICKS;
      d.startTicksLeft--;
      // Created for the first half of the ticks, then Queued; the last one starts it.
      if (d.startTicksLeft > 0) {
        if (d.startTicksLeft <= total / 2) setStatus(d, 'Queued');
        return;
      }
    }
    if (d.status === 'Created' || d.status === 'Queued') {
      await resolveColours(d);
      await readService(d);
      setStatus(d, 'InProgress');
      d.startTime = at;
      d.events[0]!.status = 'InProgress';
      d.events[0]!.startTime = at;
      return;
    }
    const index = d.events.findIndex((e) => e.status === 'InProgress');
    if (index < 0) {
      // Every event succeeded: waiting out the blue termination.
      if (d.terminationTicksLeft > 0) {
        d.terminationTicksLeft--;
        return;
      }
      if (ecs && d.blueTaskSetArn) await deleteTaskSet(d, d.blueTaskSetArn);
      setStatus(d, 'Succeeded');
      d.completeTime = at;
      return;
    }
    const event = d.events[index]!;
    const { scenario } = d;
    if (scenario.holdAt === event.lifecycleEventName) return;
    if (scenario.failAt === event.lifecycleEventName) {
      await fail(d, index, at, scenario.diagnostics, scenario.error);
      return;
    }
    const pair = groupOf(d).loadBalancerInfo.targetGroupPairInfoList[0]!;
    if (event.lifecycleEventName === 'Install') {
      try {
        await createGreenTaskSet(d);
      } catch (error) {
        // What CodeDeploy does when ECS refuses the replacement task set: the deployment fails at Install.
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        await fail(
          d,
          index,
          at,
          { errorCode: 'UnknownError', message },
          { code: 'ECS_UPDATE_ERROR', message },
        );
        return;
      }
    }
    if (event.lifecycleEventName === 'AllowTraffic' && ecs && d.greenTaskSetArn)
      await makePrimary(d, d.greenTaskSetArn);
    if (event.lifecycleEventName === 'AllowTestTraffic' && pair.testTrafficRoute?.listenerArns.length) {
      await pointListeners(pair.testTrafficRoute.listenerArns, d.greenTargetGroupArn!, d.blueTargetGroupArn);
      d.testTrafficShifted = true;
    }
    if (event.lifecycleEventName === 'AllowTraffic') {
      await pointListeners(pair.prodTrafficRoute.listenerArns, d.greenTargetGroupArn!, d.blueTargetGroupArn);
      d.trafficShifted = true;
    }
    event.status = 'Succeeded';
    event.endTime = at;
    const next = d.events[index + 1];
    const ready = groupOf(d).blueGreenDeploymentConfiguration.deploymentReadyOption;
    if (
      event.lifecycleEventName === 'AfterAllowTestTraffic' &&
      ready?.actionOnTimeout === 'STOP_DEPLOYMENT' &&
      !d.readyContinued
    ) {
      // Waits for ContinueDeployment(READY_WAIT) with test traffic on green.
      setStatus(d, 'Ready');
      return;
    }
    if (next) {
      next.status = 'InProgress';
      next.startTime = at;
    }
  };

  const deploymentInfo = (d: SimulatedDeployment) => {
    const group = groupOf(d);
    return {
      applicationName: d.applicationName,
      deploymentGroupName: d.deploymentGroupName,
      deploymentConfigName: d.deploymentConfigName,
      deploymentId: d.deploymentId,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: d.appSpecContent } },
      status: d.status,
      ...(d.errorInformation ? { errorInformation: d.errorInformation } : {}),
      createTime: epoch(d.createTime),
      ...(d.startTime !== undefined ? { startTime: epoch(d.startTime) } : {}),
      ...(d.completeTime !== undefined ? { completeTime: epoch(d.completeTime) } : {}),
      creator: 'user',
      ...(d.description ? { description: d.description } : {}),
      ...(d.rollbackInfo ? { rollbackInfo: d.rollbackInfo } : {}),
      autoRollbackConfiguration: group.autoRollbackConfiguration ?? { enabled: false },
      deploymentStyle: group.deploymentStyle,
      blueGreenDeploymentConfiguration: group.blueGreenDeploymentConfiguration,
      loadBalancerInfo: group.loadBalancerInfo,
      instanceTerminationWaitTimeStarted:
        d.events.every((e) => e.status === 'Succeeded') && d.status === 'InProgress',
      deploymentStatusMessages: [],
      computePlatform: 'ECS',
    };
  };

  const ecsTarget = (d: SimulatedDeployment) => {
    const group = groupOf(d);
    const svc = group.ecsServices[0]!;
    const desired = d.scenario.desiredCount ?? 1;
    const installed = d.events.find((e) => e.lifecycleEventName === 'Install')?.status === 'Succeeded';
    const targetId = `${svc.clusterName}:${svc.serviceName}`;
    const lastUpdated = Math.max(d.createTime, ...d.events.map((e) => e.endTime ?? e.startTime ?? 0));
    return {
      deploymentTargetType: 'ECSTarget',
      ecsTarget: {
        deploymentId: d.deploymentId,
        targetId,
        targetArn: `arn:aws:ecs:${options.region ?? 'us-east-1'}:123456789012:service/${svc.clusterName}/${svc.serviceName}`,
        lastUpdatedAt: epoch(lastUpdated),
        lifecycleEvents: d.events.map((e) => ({
          lifecycleEventName: e.lifecycleEventName,
          status: e.status,
          ...(e.startTime !== undefined ? { startTime: epoch(e.startTime) } : {}),
          ...(e.endTime !== undefined ? { endTime: epoch(e.endTime) } : {}),
          ...(e.diagnostics ? { diagnostics: e.diagnostics } : {}),
        })),
        status: d.status === 'Created' ? 'Pending' : d.status === 'Ready' ? 'Ready' : d.status,
        taskSetsInfo: [
          {
            identifer: `ecs-svc/${d.deploymentId}-blue`,
            desiredCount: desired,
            pendingCount: 0,
            runningCount: d.status === 'Succeeded' && !d.rollbackInfo ? 0 : desired,
            status: d.trafficShifted ? 'ACTIVE' : 'PRIMARY',
            trafficWeight: d.trafficShifted ? 0 : 100,
            targetGroup: { name: nameOf(group, d.blueTargetGroupArn, 0) },
            taskSetLabel: 'Blue',
          },
          {
            identifer: `ecs-svc/${d.deploymentId}-green`,
            desiredCount: desired,
            pendingCount: installed ? 0 : desired,
            runningCount: installed && !d.rollbackInfo ? desired : 0,
            status: d.trafficShifted ? 'PRIMARY' : 'ACTIVE',
            trafficWeight: d.trafficShifted ? 100 : 0,
            targetGroup: { name: nameOf(group, d.greenTargetGroupArn, 1) },
            taskSetLabel: 'Green',
          },
        ],
      },
    };
  };

  const operations: Record<string, (input: Record<string, unknown>) => Promise<unknown> | unknown> = {
    CreateApplication(input) {
      const name = String(input.applicationName);
      if (applications.has(name)) {
        throw new ServiceError(
          'ApplicationAlreadyExistsException',
          `The application ${name} already exists.`,
        );
      }
      const applicationId = randomUUID();
      applications.set(name, {
        applicationId,
        createTime: now(),
        computePlatform: String(input.computePlatform ?? 'Server'),
      });
      return { applicationId };
    },
    GetApplication(input) {
      const app = getApp(input.applicationName);
      return {
        application: {
          applicationId: app.applicationId,
          applicationName: input.applicationName,
          createTime: epoch(app.createTime),
          linkedToGitHub: false,
          computePlatform: app.computePlatform,
        },
      };
    },
    ListApplications() {
      return { applications: [...applications.keys()].sort() };
    },
    CreateDeploymentGroup(input) {
      const app = String(input.applicationName);
      getApp(app);
      const name = String(input.deploymentGroupName);
      if (groups.has(groupKey(app, name))) {
        throw new ServiceError(
          'DeploymentGroupAlreadyExistsException',
          `A deployment group named ${name} already exists.`,
        );
      }
      const group: Group = {
        applicationName: app,
        deploymentGroupName: name,
        deploymentGroupId: randomUUID(),
        serviceRoleArn: String(input.serviceRoleArn),
        deploymentConfigName: String(input.deploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce'),
        ecsServices: (input.ecsServices as Group['ecsServices']) ?? [],
        loadBalancerInfo: input.loadBalancerInfo as Group['loadBalancerInfo'],
        blueGreenDeploymentConfiguration: (input.blueGreenDeploymentConfiguration ??
          {}) as Group['blueGreenDeploymentConfiguration'],
        autoRollbackConfiguration: input.autoRollbackConfiguration as Group['autoRollbackConfiguration'],
        deploymentStyle: (input.deploymentStyle as Group['deploymentStyle']) ?? {
          deploymentType: 'BLUE_GREEN',
          deploymentOption: 'WITH_TRAFFIC_CONTROL',
        },
        computePlatform: 'ECS',
      };
      if (!group.loadBalancerInfo?.targetGroupPairInfoList?.[0]?.targetGroups?.length) {
        throw new ServiceError(
          'InvalidTargetGroupPairException',
          'An ECS deployment group needs a target group pair.',
        );
      }
      groups.set(groupKey(app, name), group);
      return { deploymentGroupId: group.deploymentGroupId };
    },
    ListDeploymentGroups(input) {
      getApp(input.applicationName);
      return {
        applicationName: input.applicationName,
        deploymentGroups: [...groups.values()]
          .filter((g) => g.applicationName === input.applicationName)
          .map((g) => g.deploymentGroupName)
          .sort(),
      };
    },
    GetDeploymentGroup(input) {
      return { deploymentGroupInfo: groupInfo(getGroup(input.applicationName, input.deploymentGroupName)) };
    },
    BatchGetDeploymentGroups(input) {
      getApp(input.applicationName);
      const names = (input.deploymentGroupNames as string[]) ?? [];
      const found = names.flatMap((n) => {
        const g = groups.get(groupKey(String(input.applicationName), n));
        return g ? [groupInfo(g)] : [];
      });
      const missing = names.filter((n) => !groups.has(groupKey(String(input.applicationName), n)));
      return {
        deploymentGroupsInfo: found,
        ...(missing.length ? { errorMessage: `Deployment groups not found: ${missing.join(', ')}` } : {}),
      };
    },
    CreateDeployment(input) {
      const group = getGroup(input.applicationName, input.deploymentGroupName);
      const active = [...deployments.values()].find(
        (d) =>
          d.applicationName === group.applicationName &&
          d.deploymentGroupName === group.deploymentGroupName &&
          ACTIVE.has(d.status),
      );
      if (active) {
        throw new ServiceError(
          'DeploymentLimitExceededException',
          `The Deployment Group '${group.deploymentGroupName}' already has an active Deployment '${active.deploymentId}'`,
        );
      }
      const revision = input.revision as
        | { revisionType?: string; appSpecContent?: { content?: string } }
        | undefined;
      if (
        revision?.revisionType !== 'AppSpecContent' ||
        typeof revision.appSpecContent?.content !== 'string'
      ) {
        throw new ServiceError(
          'InvalidRevisionException',
          'An ECS deployment needs an AppSpecContent revision.',
        );
      }
      const appSpec = validateAppSpec(revision.appSpecContent.content);
      const id = newDeploymentId();
      const d: SimulatedDeployment = {
        deploymentId: id,
        applicationName: group.applicationName,
        deploymentGroupName: group.deploymentGroupName,
        deploymentConfigName: String(input.deploymentConfigName ?? group.deploymentConfigName),
        status: 'Created',
        history: ['Created'],
        appSpecContent: revision.appSpecContent.content,
        appSpec,
        events: ECS_LIFECYCLE_EVENTS.map((lifecycleEventName) => ({ lifecycleEventName, status: 'Pending' })),
        createTime: now(),
        testTrafficShifted: false,
        trafficShifted: false,
        scenario: { ...group.scenario },
        terminationTicksLeft: group.scenario?.terminationTicks ?? 1,
        startTicksLeft: group.scenario?.startTicks ?? DEFAULT_START_TICKS,
        readyContinued: false,
        ...(typeof input.description === 'string' ? { description: input.description } : {}),
      };
      deployments.set(id, d);
      return { deploymentId: id };
    },
    async GetDeployment(input) {
      const d = getDeployment(input.deploymentId);
      if (advance === 'per-read') await tick(d);
      return { deploymentInfo: deploymentInfo(d) };
    },
    BatchGetDeployments(input) {
      const ids = (input.deploymentIds as string[]) ?? [];
      return {
        deploymentsInfo: ids
          .filter((id) => deployments.has(id))
          .map((id) => deploymentInfo(deployments.get(id)!)),
      };
    },
    ListDeployments(input) {
      const statuses = input.includeOnlyStatuses as string[] | undefined;
      return {
        deployments: [...deployments.values()]
          .filter(
            (d) =>
              (input.applicationName === undefined || d.applicationName === input.applicationName) &&
              (input.deploymentGroupName === undefined ||
                d.deploymentGroupName === input.deploymentGroupName) &&
              (!statuses?.length || statuses.includes(d.status)),
          )
          .sort((a, b) => b.createTime - a.createTime)
          .map((d) => d.deploymentId),
      };
    },
    ListDeploymentTargets(input) {
      const d = getDeployment(input.deploymentId);
      assertStarted(d);
      const svc = groupOf(d).ecsServices[0]!;
      return { targetIds: [`${svc.clusterName}:${svc.serviceName}`] };
    },
    GetDeploymentTarget(input) {
      const d = getDeployment(input.deploymentId);
      assertStarted(d);
      const target = ecsTarget(d);
      if (input.targetId !== target.ecsTarget.targetId) {
        throw new ServiceError(
          'DeploymentTargetDoesNotExistException',
          `Target ${input.targetId} does not exist.`,
        );
      }
      return { deploymentTarget: target };
    },
    BatchGetDeploymentTargets(input) {
      const d = getDeployment(input.deploymentId);
      assertStarted(d);
      const target = ecsTarget(d);
      const ids = (input.targetIds as string[]) ?? [];
      return { deploymentTargets: ids.includes(target.ecsTarget.targetId) ? [target] : [] };
    },
    async StopDeployment(input) {
      const d = getDeployment(input.deploymentId);
      if (!ACTIVE.has(d.status)) {
        throw new ServiceError(
          'DeploymentAlreadyCompletedException',
          `The deployment ${d.deploymentId} is already completed.`,
        );
      }
      const autoRollbackEnabled = input.autoRollbackEnabled !== false;
      d.stopRequested = { autoRollbackEnabled };
      for (const e of d.events) if (e.status === 'InProgress' || e.status === 'Pending') e.status = 'Skipped';
      setStatus(d, 'Stopped');
      d.completeTime = now();
      d.errorInformation = { code: 'MANUAL_STOP', message: 'The deployment was stopped by a user.' };
      if (autoRollbackEnabled)
        await rollBack(d, `Rollback of ${d.deploymentId}: the deployment was stopped.`);
      return { status: 'Succeeded', statusMessage: `Deployment ${d.deploymentId} stopped.` };
    },
    async ContinueDeployment(input) {
      const d = getDeployment(input.deploymentId);
      const waitType = String(input.deploymentWaitType ?? 'READY_WAIT');
      if (waitType === 'READY_WAIT') {
        if (d.status !== 'Ready') {
          throw new ServiceError(
            'DeploymentIsNotInReadyStateException',
            `The deployment ${d.deploymentId} is not in a ready state.`,
          );
        }
        d.readyContinued = true;
        setStatus(d, 'InProgress');
        const next = d.events.find((e) => e.status === 'Pending');
        if (next) {
          next.status = 'InProgress';
          next.startTime = now();
        }
      } else {
        d.terminationTicksLeft = 0;
      }
      return {};
    },
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { __type: 'InternalFailure', message: String(error) });
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const prefix = 'CodeDeploy_20141006.';
    if (req.method !== 'POST' || !target.startsWith(prefix)) {
      send(res, 400, {
        __type: 'UnknownOperationException',
        message: `Unsupported request ${req.method} ${target}`,
      });
      return;
    }
    const operation = target.slice(prefix.length);
    calls[operation] = (calls[operation] ?? 0) + 1;
    const impl = operations[operation];
    if (!impl) {
      send(res, 400, {
        __type: 'UnknownOperationException',
        message: `The CodeDeploy simulator does not implement ${operation}`,
      });
      return;
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      send(res, 400, { __type: 'SerializationException', message: 'Body is not JSON' });
      return;
    }
    try {
      send(res, 200, (await impl(input)) ?? {});
    } catch (error) {
      if (error instanceof ServiceError)
        send(res, error.status, { __type: error.type, message: error.message });
      else throw error;
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // The server must not keep a test process alive on its own.
  server.unref();
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    deployments,
    counts: () => ({ ...calls }),
    resetCounts: () => {
      for (const key of Object.keys(calls)) delete calls[key];
    },
    setScenario(app, group, scenario) {
      getGroup(app, group).scenario = scenario;
    },
    tick: (id) => tick(getDeployment(id)),
    stop: () =>
      new Promise<void>((resolve) => {
        elbv2.destroy();
        ecs?.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': String(Buffer.byteLength(text)),
    'x-amzn-requestid': randomUUID(),
  };
  if (status >= 400) headers['x-amzn-errortype'] = (body as { __type: string }).__type;
  res.writeHead(status, headers);
  res.end(text);
}

function groupInfo(g: Group) {
  const { scenario: _scenario, ...info } = g;
  return info;
}

function nameOf(group: Group, arn: string | undefined, fallbackIndex: number): string {
  const pair = group.loadBalancerInfo.targetGroupPairInfoList[0]!;
  // Target group ARNs end in `targetgroup/<name>/<id>`.
  const name = arn?.split(':targetgroup/')[1]?.split('/')[0];
  return name ?? pair.targetGroups[fallbackIndex]?.name ?? '';
}

function newDeploymentId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return `d-${[...randomBytes(9)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** What CodeDeploy checks of an ECS AppSpec before accepting the deployment. */
export function validateAppSpec(content: string): AppSpec {
  let spec: AppSpec;
  try {
    spec = parseYaml(content) as AppSpec;
  } catch (error) {
    throw new ServiceError(
      'InvalidRevisionException',
      `The AppSpec is not valid YAML or JSON: ${String(error)}`,
    );
  }
  const target = spec?.Resources?.[0]?.TargetService;
  const props = target?.Properties;
  const problems: string[] = [];
  if (target?.Type !== 'AWS::ECS::Service')
    problems.push('Resources[0].TargetService.Type must be AWS::ECS::Service');
  if (!props?.TaskDefinition) problems.push('TaskDefinition is missing');
  if (!props?.LoadBalancerInfo?.ContainerName) problems.push('LoadBalancerInfo.ContainerName is missing');
  if (typeof props?.LoadBalancerInfo?.ContainerPort !== 'number')
    problems.push('LoadBalancerInfo.ContainerPort must be a number');
  const allowedHooks = new Set([
    'BeforeInstall',
    'AfterInstall',
    'AfterAllowTestTraffic',
    'BeforeAllowTraffic',
    'AfterAllowTraffic',
  ]);
  for (const hook of spec?.Hooks ?? []) {
    for (const name of Object.keys(hook)) if (!allowedHooks.has(name)) problems.push(`unknown hook ${name}`);
  }
  if (problems.length) {
    throw new ServiceError('InvalidRevisionException', `The AppSpec is not valid: ${problems.join('; ')}`);
  }
  return spec;
}
