// The `task-definition` input's kinds, apart from taskdef.ts so that parsing inputs loads no AWS SDK.
import { existsSync } from 'node:fs';
import { UserError } from '@ecs-actions/kit/errors';

/** Where a `task-definition` input points: a file in the workspace, or a registered revision. */
export type TaskDefinitionRef = { kind: 'file'; path: string } | { kind: 'registered'; ref: string };

const ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/;
const FAMILY = /^[A-Za-z0-9_-]{1,255}(:\d+)?$/;

/**
 * Classifies a `task-definition` input: an ARN, a family or family:revision, or else a path to a JSON or
 * YAML file (an extension, a slash, or an existing file decides). Errors name the input.
 */
export function taskDefinitionRef(
  value: string,
  input = 'task-definition',
  exists: (path: string) => boolean = existsSync,
): TaskDefinitionRef {
  if (value.startsWith('arn:')) {
    if (!ARN.test(value)) {
      throw new UserError(
        `Input '${input}': ${JSON.stringify(value)} is not a task-definition revision ARN. Accepted: arn:aws:ecs:us-east-1:123456789012:task-definition/web:42.`,
      );
    }
    return { kind: 'registered', ref: value };
  }
  if (/\.(json|ya?ml)$/i.test(value) || value.includes('/') || exists(value)) {
    if (!exists(value)) {
      throw new UserError(
        `Input '${input}': the file '${value}' does not exist (paths are relative to the workspace).`,
      );
    }
    return { kind: 'file', path: value };
  }
  if (!FAMILY.test(value)) {
    throw new UserError(
      `Input '${input}': ${JSON.stringify(value)} is neither a file (.json/.yml) nor a family, family:revision or task-definition ARN.`,
    );
  }
  return { kind: 'registered', ref: value };
}
