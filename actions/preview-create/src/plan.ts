import { readTaskDefinitionFile, type TaskDefinitionSpec } from '@ecs-actions/ecs';
import type { RunContext } from '@ecs-actions/kit';
import {
  eventBranch,
  keyTags,
  type PreviewKey,
  previewKeyOf,
  suiteTags,
  TAG,
  type Tags,
} from '@ecs-actions/kit';
import { type PreviewNames, previewNames } from '@ecs-actions/preview';
import { renderHost } from './host.js';
import type { CreateInputs } from './inputs.js';

/** What a run is about, resolved and validated before the first AWS call. */
export interface Plan {
  /** The PR or branch the preview is for. */
  key: PreviewKey;
  prefix: string;
  names: PreviewNames;
  host: string;
  url: string;
  /** The task definition from a file, when `task-definition` names one. */
  fileSpec: TaskDefinitionSpec | undefined;
  /** The suite's tags for everything this run creates (ownership, created-at, expires-at, host). */
  tags: Tags;
  /** Seeds the rule-priority choice: the same preview always starts at the same priority. */
  identity: string;
}

export function planPreview(inputs: CreateInputs, context: RunContext, now: Date): Plan {
  const key = previewKeyOf(inputs, context, 'refuse');
  const prefix = inputs.namePrefix ?? context.repo;
  const host = renderHost(inputs.hostTemplate, {
    key,
    branch: key.kind === 'branch' ? key.branch : eventBranch(context),
    repo: context.repo,
  });
  return {
    key,
    prefix,
    names: previewNames(prefix, key),
    host,
    url: `${inputs.urlScheme}://${host}`,
    fileSpec:
      inputs.taskDefinition.kind === 'file' ? readTaskDefinitionFile(inputs.taskDefinition.path) : undefined,
    tags: {
      ...suiteTags({
        repository: context.repository,
        keyTags: keyTags(key),
        namePrefix: prefix,
        now,
        ttlMs: inputs.ttlMs,
      }),
      [TAG.host]: host,
    },
    identity: key.kind === 'pr' ? `${context.repository}#${key.pr}` : `${context.repository}#${key.id}`,
  };
}
