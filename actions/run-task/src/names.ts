/** Input names of action.yml, in one place. */
export const INPUT = {
  cluster: 'cluster',
  service: 'service',
  taskDefinition: 'task-definition',
  command: 'command',
  containerName: 'container-name',
  environmentVariables: 'environment-variables',
  cpu: 'cpu',
  memory: 'memory',
  image: 'image',
  subnets: 'subnets',
  securityGroups: 'security-groups',
  assignPublicIp: 'assign-public-ip',
  startedBy: 'started-by',
  wait: 'wait',
  timeout: 'timeout',
  pollInterval: 'poll-interval',
  logs: 'logs',
  stopOnCancel: 'stop-on-cancel',
  region: 'region',
} as const;

/** Output names of action.yml. */
export const OUTPUT = {
  taskArn: 'task-arn',
  exitCode: 'exit-code',
  stoppedReason: 'stopped-reason',
  logUrl: 'log-url',
  taskDefinitionArn: 'task-definition-arn',
} as const;

/** State the main step saves for the post step. */
export const STATE = {
  /** JSON `{ cluster, taskArn, region }` while the task runs and this step has not seen it stop. */
  inFlight: 'in-flight',
  stopOnCancel: 'stop-on-cancel',
} as const;
