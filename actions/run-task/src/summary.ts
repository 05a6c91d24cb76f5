import { formatDuration, table } from '@ecs-actions/kit';
import { OUTPUT } from './names.js';
import type { RunTaskResult } from './run.js';

const ICON: Record<RunTaskResult['status'], string> = {
  succeeded: '✅',
  failed: '❌',
  started: '🚀',
  'timed-out': '⏱️',
  cancelled: '⏹️',
};

/** The step's outputs (names as in action.yml). */
export function runTaskOutputs(result: RunTaskResult) {
  return {
    [OUTPUT.taskArn]: result.taskArn,
    [OUTPUT.taskDefinitionArn]: result.taskDefinitionArn,
    [OUTPUT.exitCode]: result.exitCode,
    [OUTPUT.stoppedReason]: result.stoppedReason,
    [OUTPUT.logUrl]: result.logUrl,
  };
}

/** The job summary: command, task, duration, exit code and the last lines of its log. */
export function runTaskSummary(result: RunTaskResult): string {
  const rows = [
    ['Command', result.command ? `\`${result.command.join(' ')}\`` : '(the task definition’s)'],
    ['Container', result.container],
    ['Task', result.taskArn],
    ['Duration', result.status === 'started' ? 'not waited for' : formatDuration(result.durationMs)],
    ['Exit code', result.exitCode === undefined ? '—' : String(result.exitCode)],
    ...(result.stoppedReason ? [['Stopped reason', result.stoppedReason]] : []),
    ...(result.logUrl ? [['Logs', `[CloudWatch Logs](${result.logUrl})`]] : []),
  ];
  return [
    `### ${ICON[result.status]} One-off task ${result.status}`,
    '',
    table(['', ''], rows),
    ...(result.tail.length
      ? ['', '<details><summary>Last log lines</summary>', '', '```', ...result.tail, '```', '</details>']
      : []),
    '',
  ].join('\n');
}
