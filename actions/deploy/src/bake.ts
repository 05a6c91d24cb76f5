// Bake time: after the deployment is stable, the service is watched for `bake` while its CloudWatch alarms
// (`alarms`) are read at the step's interval; any alarm in ALARM stops the rollout, and with
// `rollback-on-alarm` a rolling or ECS-native service goes back to the revision it ran before.
import { type CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { type Clock, formatDuration, UserError } from '@ecs-actions/kit';

type CloudWatch = Pick<CloudWatchClient, 'send'>;

/** DescribeAlarms takes at most 100 alarm names per call. */
const NAMES_PER_CALL = 100;

/** An alarm went to ALARM during the bake: the rollout stops. */
export class AlarmError extends UserError {
  override name = 'AlarmError';
  constructor(
    message: string,
    readonly alarm: string,
  ) {
    super(message);
  }
}

async function describe(cloudwatch: CloudWatch, names: string[]): Promise<MetricAlarm[]> {
  const out: MetricAlarm[] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    const { MetricAlarms = [] } = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + NAMES_PER_CALL) }),
    );
    out.push(...MetricAlarms);
  }
  return out;
}

/** Before anything changes: every alarm named must exist (a typo would make the bake watch nothing). */
export async function checkAlarmsExist(cloudwatch: CloudWatch, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const found = new Set((await describe(cloudwatch, names)).map((a) => a.AlarmName));
  const missing = names.filter((n) => !found.has(n));
  if (missing.length > 0) {
    throw new UserError(
      `Input 'alarms': no CloudWatch alarm named ${missing.map((m) => `'${m}'`).join(', ')} in this account and region. Nothing was deployed.`,
    );
  }
}

/**
 * Watches the alarms for `bakeMs` (at least one look), at `intervalMs`. Throws AlarmError naming the first
 * alarm found in ALARM, with its reason; returns how many looks it took.
 */
export async function bake(
  cloudwatch: CloudWatch | undefined,
  options: {
    alarms: string[];
    bakeMs: number;
    intervalMs: number;
    clock: Clock;
    log: (line: string) => void;
    signal?: AbortSignal;
  },
): Promise<number> {
  const start = options.clock.now();
  for (let look = 1; ; look++) {
    const alarms = options.alarms.length && cloudwatch ? await describe(cloudwatch, options.alarms) : [];
    const firing = alarms.find((a) => a.StateValue === 'ALARM');
    const elapsed = options.clock.now() - start;
    if (firing) {
      throw new AlarmError(
        `Alarm '${firing.AlarmName}' went to ALARM ${formatDuration(elapsed)} into the bake${firing.StateReason ? ` (${firing.StateReason})` : ''}: the rollout stops here.`,
        firing.AlarmName ?? '',
      );
    }
    if (elapsed >= options.bakeMs) return look;
    if (look === 1 || look % 10 === 0) {
      options.log(
        `Baking: ${formatDuration(elapsed)} of ${formatDuration(options.bakeMs)}${options.alarms.length ? `, ${options.alarms.length} alarm(s) OK` : ''}`,
      );
    }
    await options.clock.sleep(Math.min(options.intervalMs, options.bakeMs - elapsed), options.signal);
  }
}
