import { readFileSync } from 'node:fs';
import {
  type ContainerDefinition,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { awsErrorCode, errorMessage, UserError } from '@ecs-actions/kit/errors';
import { shortHash } from '@ecs-actions/kit/naming';
import { fromTags, isOwned, TAG, type Tags, toEcsTags } from '@ecs-actions/kit/tags';
import { parse } from 'yaml';

/** What RegisterTaskDefinition takes, without tags (the suite writes its own). */
export type TaskDefinitionSpec = Omit<RegisterTaskDefinitionCommandInput, 'tags'>;

export { type TaskDefinitionRef, taskDefinitionRef } from './taskdef-ref.js';

// Fields DescribeTaskDefinition returns that RegisterTaskDefinition refuses.
const READ_ONLY = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
  'tags',
] as const;

/** A registered revision (or a file's content) as input for a new registration: read-only fields dropped. */
export function toSpec(taskDefinition: TaskDefinition | TaskDefinitionSpec): TaskDefinitionSpec {
  const copy: Record<string, unknown> = structuredClone(taskDefinition) as Record<string, unknown>;
  for (const field of READ_ONLY) delete copy[field];
  return copy as TaskDefinitionSpec;
}

/**
 * A task definition from the text of a JSON or YAML file: the shape `aws ecs register-task-definition
 * --cli-input-json` takes, or `aws ecs describe-task-definition` output (`{"taskDefinition": …}`).
 */
export function parseTaskDefinition(
  text: string,
  path: string,
  input = 'task-definition',
): TaskDefinitionSpec {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new UserError(
      `Input '${input}': ${path} is not valid JSON or YAML: ${errorMessage(error).split('\n')[0]}`,
    );
  }
  const spec = (data as { taskDefinition?: unknown } | null)?.taskDefinition ?? data;
  if (
    typeof spec !== 'object' ||
    spec === null ||
    !Array.isArray((spec as TaskDefinitionSpec).containerDefinitions)
  ) {
    throw new UserError(
      `Input '${input}': ${path} has no 'containerDefinitions' list; it is not a task definition.`,
    );
  }
  const containers = (spec as TaskDefinitionSpec).containerDefinitions ?? [];
  if (containers.length === 0 || containers.some((c) => typeof c?.name !== 'string')) {
    throw new UserError(`Input '${input}': ${path} must define at least one container, each with a 'name'.`);
  }
  return toSpec(spec as TaskDefinitionSpec);
}

/** Reads a task-definition file (JSON or YAML, plain or as describe-task-definition prints it). */
export function readTaskDefinitionFile(
  path: string,
  input = 'task-definition',
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): TaskDefinitionSpec {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new UserError(`Input '${input}': cannot read '${path}': ${errorMessage(error)}`);
  }
  return parseTaskDefinition(text, path, input);
}

/** A registered revision by family, family:revision or ARN; an unknown one is the user's error, naming `what`. */
export async function describeTaskDefinition(
  ecs: Pick<ECSClient, 'send'>,
  reference: string,
  what: string,
): Promise<TaskDefinition> {
  try {
    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: reference }),
    );
    if (!taskDefinition) throw new UserError(`${what}: task definition ${reference} was not found.`);
    return taskDefinition;
  } catch (error) {
    if (awsErrorCode(error) === 'ClientException') {
      throw new UserError(
        `${what}: ${reference} is not a registered task definition (${errorMessage(error)}).`,
      );
    }
    throw error;
  }
}

/**
 * The container a one-container change targets: the named one, else the one the service's load balancer
 * reaches, else the only container (or, with `preferPort`, the first with a port mapping).
 */
export function chooseContainer(
  containers: ContainerDefinition[],
  options: { name?: string | undefined; loadBalanced?: string | undefined; input?: string; family?: string },
): ContainerDefinition {
  const input = options.input ?? 'container-name';
  const list = containers.map((c) => c.name).join(', ');
  const name = options.name ?? options.loadBalanced;
  if (name !== undefined) {
    const found = containers.find((c) => c.name === name);
    if (!found) {
      throw new UserError(
        `Input '${input}': the task definition${options.family ? ` ${options.family}` : ''} has no container '${name}'. Its containers: ${list}.`,
      );
    }
    return found;
  }
  if (containers.length === 1) return containers[0]!;
  const essential = containers.filter((c) => c.essential !== false);
  if (essential.length === 1) return essential[0]!;
  throw new UserError(
    `Input '${input}' is required: the task definition has ${containers.length} containers (${list}) and nothing says which one.`,
  );
}

/** JSON with object keys sorted and undefined dropped, so equal specs hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A stable hash of a spec: equal hashes mean there is nothing to register. */
export function specHash(spec: TaskDefinitionSpec): string {
  return shortHash(canonicalJson(spec), 16);
}

/** Sets environment variables on a container, keeping the others; returns the `container: KEY=value` changes. */
export function setEnvironment(
  container: ContainerDefinition,
  variables: Record<string, string>,
  options: { sort?: boolean } = {},
): string[] {
  const changes: string[] = [];
  const environment = [...(container.environment ?? [])].map((e) => ({ ...e }));
  for (const [key, value] of Object.entries(variables)) {
    const existing = environment.find((e) => e.name === key);
    if (existing?.value === value) continue;
    changes.push(`${container.name}: ${key}=${value}`);
    if (existing) existing.value = value;
    else environment.push({ name: key, value });
  }
  if (options.sort) environment.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  if (environment.length) container.environment = environment;
  return changes;
}

/**
 * Registers a spec unless the family's latest revision already is it (same spec hash in its `spec` tag and
 * the suite's tags for this repository): a re-run after a crash, or a one-off task with an unchanged image,
 * registers nothing. The new revision carries `tags` and the spec hash.
 */
export async function registerOnce(
  ecs: Pick<ECSClient, 'send'>,
  spec: TaskDefinitionSpec,
  tags: Tags,
): Promise<{ arn: string; revision: number | undefined; registered: boolean }> {
  const hash = specHash(spec);
  try {
    const latest = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: spec.family, include: ['TAGS'] }),
    );
    const latestTags = fromTags(latest.tags);
    const arn = latest.taskDefinition?.taskDefinitionArn;
    if (latestTags[TAG.spec] === hash && isOwned(latestTags, tags[TAG.repository] ?? '') && arn) {
      return { arn, revision: latest.taskDefinition?.revision, registered: false };
    }
  } catch (error) {
    if (awsErrorCode(error) !== 'ClientException') throw error; // the family has no revision yet
  }
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({ ...spec, tags: toEcsTags({ ...tags, [TAG.spec]: hash }) }),
  );
  if (!taskDefinition?.taskDefinitionArn) throw new Error('RegisterTaskDefinition returned no ARN');
  return { arn: taskDefinition.taskDefinitionArn, revision: taskDefinition.revision, registered: true };
}
