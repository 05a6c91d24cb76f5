// step: apply — the AWS part of a /preview command, in the job that holds the AWS role: extend moves the
// preview's expiry, wake wakes it, seed finds the service and revision the seed task runs like.
// (destroy is preview-destroy's, in the same job.)
import { TagResourceCommand } from '@aws-sdk/client-ecs';
import { reportRow, runIdentity } from '@ecs-actions/comment';
import {
  type Clock,
  formatDuration,
  type Inputs,
  info,
  isoSeconds,
  keyLabel,
  prKey,
  TAG,
  toEcsTags,
  UserError,
} from '@ecs-actions/kit';
import { findPreview, isAsleep, type PreviewClients, wakePreview } from '@ecs-actions/preview';
import type { CommandsGitHub, CommentEvent } from './github.js';
import type { CommandInputs } from './inputs.js';
import { parseComment } from './parse.js';

export interface ApplyOutputs {
  outcome: 'done' | 'refused';
  detail: string;
  serviceArn?: string;
  taskDefinitionArn?: string;
}

export async function runApply(
  inputs: CommandInputs,
  settings: Inputs,
  event: CommentEvent,
  github: CommandsGitHub,
  deps: PreviewClients & { clock: Clock },
): Promise<ApplyOutputs> {
  const parsed = parseComment(event.body);
  if (parsed.type !== 'command' || parsed.command.kind !== 'preview' || parsed.command.verb === 'redeploy') {
    throw new UserError(
      "Step 'apply' carries out /preview destroy, extend, seed and wake after step 'start' allowed them; this comment is none of those.",
    );
  }
  const command = parsed.command;
  const cluster = settings.required('cluster', 'the cluster of the previews');
  // Checked before the first AWS call.
  const ttlMs = settings.duration('ttl', '7d', { min: 60_000 });
  const maxAgeMs = settings.duration('max-age', '7d', { min: 60_000 });
  const wakeTimeoutMs = settings.duration('wake-timeout', '10m', { min: 0 });
  const key = prKey(event.issueNumber);
  const found = await findPreview(deps, {
    cluster,
    repository: github.context.repository,
    prefix: settings.string('name-prefix') ?? github.context.repo,
    key,
    ...(settings.list('listener-arn').length ? { listenerArns: settings.list('listener-arn') } : {}),
  });
  const service = found.service;
  if (service?.status !== 'ACTIVE') {
    return { outcome: 'refused', detail: `${keyLabel(key)} has no preview in cluster ${cluster}.` };
  }
  const now = deps.clock.now();
  switch (command.verb) {
    case 'extend': {
      const current = Date.parse(service.tags[TAG.expiresAt] ?? '') || now;
      const created = Date.parse(service.tags[TAG.createdAt] ?? '');
      const wanted = Math.max(current, now) + (command.extendMs ?? ttlMs);
      const limit = Number.isFinite(created) ? created + maxAgeMs : Number.POSITIVE_INFINITY;
      const next = Math.min(wanted, limit);
      const when = (t: number) => `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
      if (next <= current) {
        return {
          outcome: 'refused',
          detail: `it already expires at ${when(current)}, the latest max-age allows (${formatDuration(maxAgeMs)} from its creation at ${when(created)}): raise max-age in the environments file to keep it longer.`,
        };
      }
      await deps.ecs.send(
        new TagResourceCommand({
          resourceArn: service.arn,
          tags: toEcsTags({ [TAG.expiresAt]: isoSeconds(new Date(next)) }),
        }),
      );
      const capped = next < wanted ? ` (the most max-age ${formatDuration(maxAgeMs)} allows)` : '';
      return { outcome: 'done', detail: `expires ${when(next)}${capped}` };
    }
    case 'wake': {
      if (!isAsleep(service.tags)) return { outcome: 'done', detail: 'it was awake already' };
      const { healthy } = await wakePreview(deps, found, {
        cluster,
        clock: deps.clock,
        timeoutMs: wakeTimeoutMs,
        intervalMs: 5_000,
      });
      const detail = healthy ? 'awake and healthy' : 'awake; not healthy yet (its tasks are still starting)';
      info(`${keyLabel(key)}: ${detail}.`);
      await reportRow(
        github.octokit,
        {
          owner: github.context.owner,
          repo: github.context.repo,
          pr: event.issueNumber,
          ...runIdentity(github.context),
        },
        {
          environment: inputs.environment,
          status: 'ready',
          message: `Woken by @${event.login} (\`/preview wake\`).`,
        },
      );
      return { outcome: 'done', detail };
    }
    case 'seed': {
      if (!service.taskDefinition)
        return { outcome: 'refused', detail: 'the preview has no task definition to seed with.' };
      return {
        outcome: 'done',
        detail: '',
        serviceArn: service.arn,
        taskDefinitionArn: service.taskDefinition,
      };
    }
    default:
      // destroy: preview-destroy's step in the same job.
      return { outcome: 'done', detail: '' };
  }
}
