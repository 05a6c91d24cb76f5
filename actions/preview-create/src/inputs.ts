import { checkImage } from '@ecs-actions/ecs/image';
import { type TaskDefinitionRef, taskDefinitionRef } from '@ecs-actions/ecs/taskdef-ref';
import { UserError } from '@ecs-actions/kit/errors';
import type { Inputs } from '@ecs-actions/kit/inputs';
import { type AuthSettings, parseAuth } from '@ecs-actions/preview/auth-settings';

const LISTENER_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/app\/[^/]+\/[^/]+\/[^/]+$/;

/** Where the task definition comes from, decided from the inputs alone. */
export type TaskDefinitionSource = TaskDefinitionRef | { kind: 'template' } | { kind: 'current' };

export interface CreateInputs {
  region: string | undefined;
  cluster: string;
  listenerArns: string[];
  hostTemplate: string;
  image: string;
  containerName: string | undefined;
  containerPort: number | undefined;
  taskDefinition: TaskDefinitionSource;
  templateService: string | undefined;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean | undefined;
  environmentVariables: Record<string, string>;
  desiredCount: number;
  cpu: string | undefined;
  memory: string | undefined;
  healthCheckPath: string;
  healthCheckIntervalSeconds: number;
  deregistrationDelaySeconds: number;
  prNumber: number | undefined;
  /** A branch preview's branch (instead of a PR). */
  branch: string | undefined;
  namePrefix: string | undefined;
  ttlMs: number;
  wait: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
  priorityRange: [number, number];
  maxRulesPerAlb: number;
  urlScheme: 'https' | 'http';
  githubDeployments: boolean;
  deploymentEnvironment: string;
  githubToken: string | undefined;
  /** Overrides of the Fargate rates of the cost estimate (`vcpu_hour=0.035`, …). */
  fargateRates: Record<string, string>;
  /** At most this many working previews of the repository and prefix; a new one beyond is refused. */
  maxPreviews: number | undefined;
  /** USD a month the awake previews may cost (estimate); a new one beyond is refused. */
  maxMonthlyCost: number | undefined;
  /** Who may open the preview: nobody checked (none), or a login in front of the forward. */
  auth: AuthSettings;
}

/** Reads and validates every input before anything touches AWS. */
export function parseCreateInputs(inputs: Inputs): CreateInputs {
  const listenerArns = inputs.list('listener-arn');
  if (listenerArns.length === 0) {
    inputs.required(
      'listener-arn',
      'the HTTPS listener of the shared ALB (several, comma- or newline-separated, form a pool)',
    );
  }
  for (const arn of listenerArns) {
    if (!LISTENER_ARN.test(arn)) {
      throw new UserError(
        `Input 'listener-arn': "${arn}" is not an Application Load Balancer listener ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/ID/ID).`,
      );
    }
  }
  const image = checkImage(
    inputs.required(
      'image',
      'the image to run, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:<commit SHA>',
    ),
  );
  const taskDefinitionInput = inputs.string('task-definition');
  const templateService = inputs.string('template-service');
  const taskDefinition: TaskDefinitionSource = taskDefinitionInput
    ? taskDefinitionRef(taskDefinitionInput)
    : templateService
      ? { kind: 'template' }
      : { kind: 'current' };
  const range = inputs.string('rule-priorities', '10000-49999');
  const match = /^(\d+)\s*-\s*(\d+)$/.exec(range);
  const low = Number(match?.[1]);
  const high = Number(match?.[2]);
  if (!match || low < 1 || high > 50_000 || low > high) {
    throw new UserError(
      `Input 'rule-priorities': "${range}" is not a range within 1-50000. Example: 10000-49999.`,
    );
  }
  const healthCheckPath = inputs.string('health-check-path', '/');
  if (!healthCheckPath.startsWith('/') || healthCheckPath.length > 1024) {
    throw new UserError(
      `Input 'health-check-path': "${healthCheckPath}" must start with / (at most 1024 characters).`,
    );
  }
  const cpu = inputs.string('cpu');
  const memory = inputs.string('memory');
  if (cpu !== undefined && !/^\d+$/.test(cpu))
    throw new UserError(`Input 'cpu': "${cpu}" must be CPU units, e.g. 256, 512, 1024.`);
  if (memory !== undefined && !/^\d+$/.test(memory))
    throw new UserError(`Input 'memory': "${memory}" must be MiB, e.g. 512, 1024.`);
  const assign = inputs.string('assign-public-ip');
  return {
    region: inputs.string('region'),
    cluster: inputs.required('cluster'),
    listenerArns,
    hostTemplate: inputs.required('host', 'a host-name template, e.g. pr-{pr}.preview.example.com'),
    image,
    containerName: inputs.string('container-name'),
    containerPort: inputs.integer('container-port', { min: 1, max: 65535 }),
    taskDefinition,
    templateService,
    subnets: inputs.list('subnets'),
    securityGroups: inputs.list('security-groups'),
    assignPublicIp: assign === undefined ? undefined : inputs.boolean('assign-public-ip', false),
    environmentVariables: inputs.keyValues('environment-variables'),
    desiredCount: inputs.integer('desired-count', { fallback: 1, min: 0, max: 100 }) ?? 1,
    cpu,
    memory,
    healthCheckPath,
    healthCheckIntervalSeconds: Math.round(
      inputs.duration('health-check-interval', '10s', { min: 5_000, max: 300_000 }) / 1000,
    ),
    deregistrationDelaySeconds: Math.round(
      inputs.duration('deregistration-delay', '10s', { max: 3_600_000 }) / 1000,
    ),
    prNumber: inputs.integer('pr-number', { min: 1 }),
    branch: inputs.string('branch'),
    namePrefix: inputs.string('name-prefix'),
    ttlMs: inputs.duration('ttl', '7d', { min: 60_000 }),
    wait: inputs.boolean('wait', true),
    timeoutMs: inputs.duration('timeout', '10m', { min: 1_000 }),
    pollIntervalMs: inputs.duration('poll-interval', '5s', { min: 100, max: 60_000 }),
    priorityRange: [low, high],
    maxRulesPerAlb: inputs.integer('max-rules-per-alb', { fallback: 100, min: 1 }) ?? 100,
    urlScheme: inputs.oneOf('url-scheme', ['https', 'http'] as const, 'https'),
    githubDeployments: inputs.boolean('github-deployments', true),
    deploymentEnvironment: inputs.string('deployment-environment', 'preview'),
    githubToken: inputs.string('github-token'),
    fargateRates: inputs.keyValues('fargate-rates'),
    maxPreviews: inputs.integer('max-previews', { min: 1 }),
    maxMonthlyCost: monthlyCost(inputs.string('max-monthly-cost')),
    auth: parseAuth(inputs),
  };
}

/** `max-monthly-cost`: USD, e.g. `500` or `$1,200.50`. */
function monthlyCost(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text.replace(/^\$/, '').replace(/,/g, ''));
  if (!Number.isFinite(value) || value <= 0) {
    throw new UserError(`Input 'max-monthly-cost': "${text}" is not an amount in USD, e.g. 500.`);
  }
  return value;
}
