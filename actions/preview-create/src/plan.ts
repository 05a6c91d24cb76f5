import { readTaskDefinitionFile, type TaskDefinitionSpec } from '@ecs-actions/ecs';
import type { RunContext } from '@ecs-actions/kit';
import { eventBranch, eventPullRequest, suiteTags, TAG, type Tags, UserError } from '@ecs-actions/kit';
import { type PreviewNames, previewNames } from '@ecs-actions/preview';
import { renderHost } from './host.js';
import type { CreateInputs } from './inputs.js';

/** What a run is about, resolved and validated before the first AWS call. */
export interface Plan {
  pr: number;
  prefix: string;
  names: PreviewNames;
  host: string;
  url: string;
  /** The task definition from a file, when `task-definition` names one. */
  fileSpec: TaskDefinitionSpec | undefined;
  /** The suite's tags for everything this run creates (ownership, created-at, expires-at, host). */
  tags: Tags;
  /** Seeds the rule-priority choice: the same PR always starts at the same priority. */
  identity: string;
}

export function planPreview(inputs: CreateInputs, context: RunContext, now: Date): Plan {
  const pr = inputs.prNumber ?? eventPullRequest(context);
  if (pr === undefined) {
    throw new UserError(
      `Input 'pr-number' is required: this ${context.eventName || 'run'} event has no pull request.`,
    );
  }
  const prefix = inputs.namePrefix ?? context.repo;
  const host = renderHost(inputs.hostTemplate, { pr, branch: eventBranch(context), repo: context.repo });
  return {
    pr,
    prefix,
    names: previewNames(prefix, pr),
    host,
    url: `${inputs.urlScheme}://${host}`,
    fileSpec:
      inputs.taskDefinition.kind === 'file' ? readTaskDefinitionFile(inputs.taskDefinition.path) : undefined,
    tags: {
      ...suiteTags({ repository: context.repository, pr, namePrefix: prefix, now, ttlMs: inputs.ttlMs }),
      [TAG.host]: host,
    },
    identity: `${context.repository}#${pr}`,
  };
}
