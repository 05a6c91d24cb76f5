// Following a task's CloudWatch Logs: the awslogs settings come from the container definition, the stream is
// `prefix/container/task-id` (the awslogs driver's naming), and each line is printed once, in order.
import {
  type CloudWatchLogsClient,
  GetLogEventsCommand,
  type GetLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { awsErrorCode } from '@ecs-actions/kit';

/** Where a container's awslogs driver writes a task's output. */
export interface LogLocation {
  group: string;
  region: string;
  stream: string;
}

/** The container's log stream for a task, when it logs with awslogs and a stream prefix. */
export function logLocation(
  container: ContainerDefinition,
  taskArn: string,
  defaultRegion: string,
): LogLocation | undefined {
  const config = container.logConfiguration;
  if (config?.logDriver !== 'awslogs') return undefined;
  const group = config.options?.['awslogs-group'];
  const prefix = config.options?.['awslogs-stream-prefix'];
  if (!group || !prefix) return undefined;
  const taskId = taskArn.split('/').pop() ?? taskArn;
  return {
    group,
    region: config.options?.['awslogs-region'] ?? defaultRegion,
    stream: `${prefix}/${container.name}/${taskId}`,
  };
}

/** The CloudWatch console page of a log stream. */
export function logUrl(location: LogLocation): string {
  // The console's own encoding: URL-encode, then `%` becomes `$25`.
  const encode = (text: string) => encodeURIComponent(encodeURIComponent(text)).replace(/%/g, '$');
  return `https://${location.region}.console.aws.amazon.com/cloudwatch/home?region=${location.region}#logsV2:log-groups/log-group/${encode(location.group)}/log-events/${encode(location.stream)}`;
}

/** How many of the last lines are kept for the summary and a failure's message. */
export const TAIL_LINES = 20;

/**
 * Reads a stream forward from its start: each call returns the lines written since the last one. A stream
 * that does not exist yet (the task has not started its container) has no lines.
 */
export class LogFollower {
  private token: string | undefined;
  readonly tail: string[] = [];

  constructor(
    private readonly logs: Pick<CloudWatchLogsClient, 'send'>,
    readonly location: LogLocation,
  ) {}

  async read(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      let page: GetLogEventsCommandOutput;
      try {
        page = await this.logs.send(
          new GetLogEventsCommand({
            logGroupName: this.location.group,
            logStreamName: this.location.stream,
            startFromHead: true,
            ...(this.token ? { nextToken: this.token } : {}),
          }),
        );
      } catch (error) {
        if (awsErrorCode(error) === 'ResourceNotFoundException') return lines;
        throw error;
      }
      for (const event of page.events ?? []) lines.push((event.message ?? '').replace(/\n$/, ''));
      // The forward token stays the same once the end of the stream is reached.
      const next = page.nextForwardToken;
      const done = !next || next === this.token || (page.events ?? []).length === 0;
      this.token = next ?? this.token;
      if (done) break;
    }
    this.tail.push(...lines);
    this.tail.splice(0, Math.max(0, this.tail.length - TAIL_LINES));
    return lines;
  }
}
