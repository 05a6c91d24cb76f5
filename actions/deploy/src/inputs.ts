import { checkImage } from '@ecs-actions/ecs/image';
import { type TaskDefinitionRef, taskDefinitionRef } from '@ecs-actions/ecs/taskdef-ref';
import { UserError } from '@ecs-actions/kit/errors';
import { type Inputs, splitList } from '@ecs-actions/kit/inputs';
import { HOOK_EVENTS, type HookEvent, INPUT } from './names.js';

export { HOOK_EVENTS, type HookEvent };

export const WAIT_UNTIL = ['complete', 'traffic-shifted', 'test-traffic', 'none'] as const;
export type WaitUntil = (typeof WAIT_UNTIL)[number];

export const MODES = ['deploy', 'register', 'plan', 'continue', 'rollback', 'revert', 'report'] as const;
export type Mode = (typeof MODES)[number];

/** Where the base task definition comes from when a new revision is rendered. */
export type TaskDefinitionSource = { kind: 'service' } | TaskDefinitionRef;

export interface Wave {
  /** The GitHub environment that gates the wave (its required reviewers approve it). */
  name: string;
  services: string[];
}

export interface DeployInputs {
  mode: Mode;
  /** `mode: continue` or `rollback`: the CodeDeploy deployment paused at test traffic (`d-…`). */
  deploymentId: string | undefined;
  cluster: string;
  service: string;
  /** Promote this revision as it is: nothing is rendered or registered. */
  taskDefinitionArn: string | undefined;
  source: TaskDefinitionSource;
  image: string | undefined;
  containerName: string | undefined;
  environmentVariables: Record<string, string>;
  codedeployApplication: string | undefined;
  codedeployDeploymentGroup: string | undefined;
  deploymentConfig: string | undefined;
  appspecFile: string | undefined;
  hooks: Partial<Record<HookEvent, string>>;
  waitUntil: WaitUntil;
  timeoutMs: number;
  intervalMs: number;
  stopOnCancel: boolean;
  /** Watch the stable deployment this long before the step succeeds (0: no bake). */
  bakeMs: number;
  /** CloudWatch alarms read during the bake; one in ALARM stops the rollout. */
  alarms: string[];
  /** On an alarm, put a rolling or ECS-native service back on the revision it ran before. */
  rollbackOnAlarm: boolean;
  region: string | undefined;
}

const DEFAULT_TIMEOUT = '30m';
const DEFAULT_INTERVAL = '15s';

/** One typed object from the step's inputs and the environments file; every error names its input. */
export function parseInputs(inputs: Inputs): DeployInputs {
  const mode = inputs.oneOf(INPUT.mode, MODES, 'deploy');
  // Decisions on a deployment another run started: only its id (and the region) matter.
  const deciding = mode === 'continue' || mode === 'rollback';
  const deploymentId = inputs.string(INPUT.deploymentId);
  if (deciding) {
    if (deploymentId === undefined) {
      throw new UserError(
        `Input 'deployment-id' is required with mode: ${mode}: the id the paused deploy output (its 'deployment-id'), e.g. d-A1B2C3D4E.`,
      );
    }
    if (!/^d-[A-Z0-9]{9}$/.test(deploymentId)) {
      throw new UserError(
        `Input 'deployment-id': ${JSON.stringify(deploymentId)} is not a CodeDeploy deployment id. Accepted: d-A1B2C3D4E.`,
      );
    }
  } else if (deploymentId !== undefined) {
    throw new UserError(
      `Input 'deployment-id' is for mode: continue or rollback (a deployment paused at test traffic); with mode: ${mode} it is not used. Remove it.`,
    );
  }
  const taskDefinitionArn = inputs.string(INPUT.taskDefinitionArn);
  const imageInput = inputs.string(INPUT.image);
  const image = imageInput === undefined ? undefined : checkImage(imageInput, INPUT.image);
  const taskDefinition = inputs.string(INPUT.taskDefinition);
  const environmentVariables = inputs.keyValues(INPUT.environmentVariables);
  if (taskDefinitionArn !== undefined) {
    if (!/^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+$/.test(taskDefinitionArn)) {
      throw new UserError(
        `Input 'task-definition-arn': ${JSON.stringify(taskDefinitionArn)} is not a task definition revision ARN. Accepted: arn:aws:ecs:us-east-1:123456789012:task-definition/web:42.`,
      );
    }
    const clashing = [
      image !== undefined && INPUT.image,
      taskDefinition !== undefined && INPUT.taskDefinition,
      Object.keys(environmentVariables).length > 0 && INPUT.environmentVariables,
    ].filter(Boolean);
    if (clashing.length) {
      throw new UserError(
        `Input 'task-definition-arn' promotes an existing revision as it is; it cannot be combined with ${clashing.map((c) => `'${c}'`).join(', ')}. Remove those, or drop 'task-definition-arn' to render a new revision.`,
      );
    }
  }
  const services = inputs.list(INPUT.service);
  let service = services[0] ?? '';
  if (mode === 'revert' && taskDefinitionArn === undefined) {
    throw new UserError(
      "Input 'task-definition-arn' is required with mode: revert: the revision the service goes back to (the plan's `previous` for it).",
    );
  }
  if (mode !== 'plan' && mode !== 'report') {
    if (services.length > 1) {
      throw new UserError(
        `Input 'service' names ${services.length} services (${services.join(', ')}); a deploy step deploys one. Use one step per service, or the deploy workflow, which fans out over the environment's services.`,
      );
    }
    if (!deciding && (mode === 'deploy' || mode === 'revert' || taskDefinition === undefined)) {
      service = inputs.required(INPUT.service, 'the ECS service to deploy, e.g. web');
    }
  }
  const hooks: Partial<Record<HookEvent, string>> = {};
  for (const [event, target] of Object.entries(inputs.keyValues(INPUT.hooks))) {
    if (!(HOOK_EVENTS as readonly string[]).includes(event)) {
      throw new UserError(
        `Input 'hooks': '${event}' is not an ECS lifecycle hook. Accepted: ${HOOK_EVENTS.join(', ')} (e.g. AfterAllowTestTraffic=arn:aws:lambda:us-east-1:123456789012:function:smoke-test).`,
      );
    }
    hooks[event as HookEvent] = target;
  }
  const asked = inputs.oneOf(INPUT.waitUntil, WAIT_UNTIL, 'complete');
  // A revert puts a service back for good: it waits for the old revision to take production traffic.
  const waitUntil = mode === 'revert' && (asked === 'test-traffic' || asked === 'none') ? 'complete' : asked;
  if (mode === 'continue' && waitUntil === 'test-traffic') {
    throw new UserError(
      "Input 'wait-until': test-traffic is where a paused deployment already is; with mode: continue use complete, traffic-shifted or none.",
    );
  }
  return {
    mode,
    deploymentId,
    cluster:
      mode === 'plan' || mode === 'report' || deciding
        ? (inputs.string(INPUT.cluster) ?? '')
        : inputs.required(INPUT.cluster, 'e.g. shop-production'),
    service,
    taskDefinitionArn,
    source: taskDefinitionSource(taskDefinition),
    image,
    containerName: inputs.string(INPUT.containerName),
    environmentVariables,
    codedeployApplication: inputs.string(INPUT.codedeployApplication),
    codedeployDeploymentGroup: inputs.string(INPUT.codedeployDeploymentGroup),
    deploymentConfig: inputs.string(INPUT.deploymentConfig),
    appspecFile: inputs.string(INPUT.appspec),
    hooks,
    waitUntil,
    timeoutMs: inputs.duration(INPUT.timeout, DEFAULT_TIMEOUT, { min: 1000, max: 6 * 3600_000 }),
    intervalMs: inputs.duration(INPUT.interval, DEFAULT_INTERVAL, { min: 100, max: 300_000 }),
    // A revert is a rollback: stopping it on cancel would put the revision it rolls back from in place again.
    stopOnCancel: mode === 'revert' ? false : inputs.boolean(INPUT.stopOnCancel, true),
    ...bakeSettings(inputs, mode, waitUntil),
    region: inputs.string(INPUT.region),
  };
}

/** The service's current revision, or a file, family, family:revision or ARN (read by the shared module). */
function taskDefinitionSource(value: string | undefined): TaskDefinitionSource {
  return value === undefined ? { kind: 'service' } : taskDefinitionRef(value, INPUT.taskDefinition);
}

/**
 * The ordered waves of an environment: `waves` lines `name=service, service` (in file order), or one wave
 * named after the environment holding every `service`.
 */
export function parseWaves(inputs: Inputs, environment: string | undefined): Wave[] {
  const text = inputs.string(INPUT.waves);
  if (text === undefined) {
    const services = inputs.list(INPUT.service);
    if (services.length === 0) {
      throw new UserError(
        "Neither 'waves' nor 'service' is set for this environment: add `waves:` (GitHub environment: services) or `service:` to the environments file.",
      );
    }
    return [{ name: environment ?? 'default', services }];
  }
  // The plan's own output, handed on by the deploy workflow (mode: report).
  if (text.trimStart().startsWith('[')) return wavesFromJson(text);
  const waves: Wave[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z0-9][A-Za-z0-9._ -]*?)\s*[=:]\s*(.+)$/.exec(line);
    const services = match ? splitList(match[2]!) : [];
    if (!match || services.length === 0) {
      throw new UserError(
        `Input 'waves'${inputs.origin(INPUT.waves) === 'input' ? '' : ` (from ${inputs.origin(INPUT.waves)})`}: ${JSON.stringify(line)} is not 'environment=service, service'. Accepted: production-red=web-red, worker-red.`,
      );
    }
    waves.push({ name: match[1]!, services });
  }
  return waves;
}

/**
 * `bake`, `alarms`, `rollback-on-alarm`: they watch a deployment that finished, so they need one waited for. The
 * modes that watch nothing (plan, register, report, and revert, which puts a service back whatever the alarms
 * say) ignore them when they come from the environments file, and refuse them as the step's own inputs.
 */
function bakeSettings(inputs: Inputs, mode: Mode, waitUntil: WaitUntil) {
  const none = { bakeMs: 0, alarms: [] as string[], rollbackOnAlarm: false };
  if (mode !== 'deploy' && mode !== 'continue') {
    // The plan reads `rollback-on-alarm` for the workflow's rollback job: it may be the plan step's own input.
    const given = [INPUT.bake, INPUT.alarms, ...(mode === 'plan' ? [] : [INPUT.rollbackOnAlarm])].filter(
      (n) => inputs.origin(n) === 'input',
    );
    if (given.length > 0) {
      throw new UserError(
        `Input${given.length > 1 ? 's' : ''} ${given.map((g) => `'${g}'`).join(', ')} watch a deployment; with mode: ${mode} there is none to watch.`,
      );
    }
    return none;
  }
  const bakeMs = inputs.duration(INPUT.bake, '0s', { max: 6 * 3600_000 });
  const alarms = inputs.list(INPUT.alarms);
  const rollbackOnAlarm = inputs.boolean(INPUT.rollbackOnAlarm, false);
  const watching = bakeMs > 0 || alarms.length > 0;
  if (watching && (waitUntil === 'none' || waitUntil === 'test-traffic')) {
    throw new UserError(
      `Inputs 'bake' and 'alarms' watch the deployment once production runs it; 'wait-until: ${waitUntil}' returns before that. Use complete or traffic-shifted.`,
    );
  }
  if (rollbackOnAlarm && alarms.length === 0) {
    throw new UserError(
      "Input 'rollback-on-alarm' needs 'alarms': the CloudWatch alarms whose ALARM state rolls back.",
    );
  }
  return { bakeMs, alarms, rollbackOnAlarm };
}

/** Waves as the plan output them (JSON), checked: a workflow hands them on, a person may write them. */
function wavesFromJson(text: string): Wave[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const ok =
    Array.isArray(parsed) &&
    parsed.every(
      (w: { name?: unknown; services?: unknown }) =>
        typeof w?.name === 'string' &&
        Array.isArray(w.services) &&
        w.services.every((s) => typeof s === 'string'),
    );
  if (!ok) {
    throw new UserError(
      `Input 'waves' is not the plan's JSON output ([{"name": "production-red", "services": ["web-red"]}, …]).`,
    );
  }
  return (parsed as Wave[]).map((w) => ({ name: w.name, services: w.services }));
}
