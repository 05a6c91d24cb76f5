import { formatDuration, keyLabel, table } from '@ecs-actions/kit';
import { usd } from '@ecs-actions/preview/cost';
import type { CreateResult } from './run.js';

/** The step's outputs (names as in action.yml). */
export function createOutputs(result: CreateResult) {
  return {
    url: result.url,
    'service-arn': result.serviceArn,
    'task-definition-arn': result.taskDefinitionArn,
    'target-group-arn': result.targetGroupArn,
    'rule-arn': result.ruleArn,
    created: result.created,
    'cost-per-day': result.cost ? result.cost.perDay.toFixed(2) : '',
  };
}

/** The job summary: where the preview is, what this run did, and how long each phase took. */
export function createSummary(result: CreateResult): string {
  const what = result.changes.length
    ? result.changes.map((c) => `- ${c}`).join('\n')
    : '- nothing: the preview was already up to date';
  return [
    `### Preview of ${keyLabel(result.key)} ${result.created ? 'created' : 'updated'}`,
    '',
    `**URL:** ${result.url} (${result.login})`,
    '',
    ...(result.cost
      ? [
          `**Estimated cost:** ${usd(result.cost.perDay)} per day awake (Fargate vCPU and memory of its tasks, from ${result.cost.source}; without the ALB's LCUs, data transfer and logs).`,
          '',
        ]
      : []),
    what,
    '',
    table(
      ['phase', 'time'],
      result.phases.map((p) => [p.name, formatDuration(p.ms)]),
    ),
    '',
    table(
      ['resource', 'id'],
      [
        ['service', result.serviceArn],
        ['task definition', result.taskDefinitionArn],
        ['target group', result.targetGroupArn],
        ['listener rule', result.ruleArn],
      ],
    ),
  ].join('\n');
}
