import { checkImage } from '@ecs-actions/ecs/image';
import { type TaskDefinitionRef, taskDefinitionRef } from '@ecs-actions/ecs/taskdef-ref';
import { UserError } from '@ecs-actions/kit/errors';
import type { Inputs } from '@ecs-actions/kit/inputs';
import { parse } from 'shell-quote';
import { INPUT } from './names.js';

export interface RunTaskInputs {
  region: string | undefined;
  cluster: string;
  /** The service whose network, launch type or capacity providers, platform version and revision are copied. */
  service: string | undefined;
  taskDefinition: TaskDefinitionRef | undefined;
  /** The container's command; undefined keeps the task definition's. */
  command: string[] | undefined;
  containerName: string | undefined;
  environmentVariables: Record<string, string>;
  cpu: string | undefined;
  memory: string | undefined;
  image: string | undefined;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean | undefined;
  startedBy: string | undefined;
  wait: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
  logs: boolean;
  stopOnCancel: boolean;
}

/** RunTask's `startedBy`: up to 36 letters, digits, hyphens, slashes and underscores (ECS API reference). */
export const STARTED_BY = /^[A-Za-z0-9_/-]{1,36}$/;

/** One typed object from the step's inputs and the environments file; every error names its input. */
export function parseRunTaskInputs(inputs: Inputs): RunTaskInputs {
  const service = inputs.string(INPUT.service);
  const taskDefinitionText = inputs.string(INPUT.taskDefinition);
  if (service === undefined && taskDefinitionText === undefined) {
    throw new UserError(
      `Input '${INPUT.service}' or '${INPUT.taskDefinition}' is required: the task runs like a service (its network, launch type and revision) or from a task definition. Example: service: web.`,
    );
  }
  const image = inputs.string(INPUT.image);
  const cpu = inputs.string(INPUT.cpu);
  const memory = inputs.string(INPUT.memory);
  if (cpu !== undefined && !/^\d+$/.test(cpu))
    throw new UserError(`Input '${INPUT.cpu}': "${cpu}" must be CPU units, e.g. 256, 512, 1024.`);
  if (memory !== undefined && !/^\d+$/.test(memory))
    throw new UserError(`Input '${INPUT.memory}': "${memory}" must be MiB, e.g. 512, 1024.`);
  const startedBy = inputs.string(INPUT.startedBy);
  if (startedBy !== undefined && !STARTED_BY.test(startedBy)) {
    throw new UserError(
      `Input '${INPUT.startedBy}': "${startedBy}" must be 1-36 letters, digits, hyphens, slashes or underscores (ECS's limit).`,
    );
  }
  const assign = inputs.string(INPUT.assignPublicIp);
  return {
    region: inputs.string(INPUT.region),
    cluster: inputs.required(INPUT.cluster, 'e.g. shop-staging'),
    service,
    taskDefinition:
      taskDefinitionText === undefined
        ? undefined
        : taskDefinitionRef(taskDefinitionText, INPUT.taskDefinition),
    command: parseCommand(inputs.string(INPUT.command)),
    containerName: inputs.string(INPUT.containerName),
    environmentVariables: inputs.keyValues(INPUT.environmentVariables),
    cpu,
    memory,
    image: image === undefined ? undefined : checkImage(image, INPUT.image),
    subnets: inputs.list(INPUT.subnets),
    securityGroups: inputs.list(INPUT.securityGroups),
    assignPublicIp: assign === undefined ? undefined : inputs.boolean(INPUT.assignPublicIp, false),
    startedBy,
    wait: inputs.boolean(INPUT.wait, true),
    timeoutMs: inputs.duration(INPUT.timeout, '30m', { min: 1000, max: 6 * 3600_000 }),
    pollIntervalMs: inputs.duration(INPUT.pollInterval, '5s', { min: 100, max: 60_000 }),
    logs: inputs.boolean(INPUT.logs, true),
    stopOnCancel: inputs.boolean(INPUT.stopOnCancel, true),
  };
}

/**
 * The container command: a JSON array of strings (`["rake", "db:migrate"]`), or a shell-like line split
 * into words by a shell-words parser (`rake db:seed SIZE=small`, quotes respected). ECS runs the command
 * without a shell, so shell operators, redirections and globs are refused with the way to get one.
 */
export function parseCommand(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new UserError(
        `Input '${INPUT.command}': it starts with '[' but is not a JSON array (${(error as Error).message}). Example: ["bin/rails", "db:migrate"].`,
      );
    }
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) {
      throw new UserError(
        `Input '${INPUT.command}': a JSON command must be a non-empty array of strings. Example: ["bin/rails", "db:migrate"].`,
      );
    }
    return value as string[];
  }
  // `$NAME` stays as written: ECS passes the words to the container without a shell.
  const words = parse(trimmed, (name) => `$${name}`);
  const words2: string[] = [];
  for (const word of words) {
    if (typeof word === 'string') {
      words2.push(word);
      continue;
    }
    const what =
      'op' in word ? (word.op === 'glob' ? `the glob ${word.pattern}` : `'${word.op}'`) : 'a comment';
    throw new UserError(
      `Input '${INPUT.command}': ${what} needs a shell, and ECS runs the command without one. Wrap it: ["sh", "-c", ${JSON.stringify(trimmed)}].`,
    );
  }
  return words2;
}
