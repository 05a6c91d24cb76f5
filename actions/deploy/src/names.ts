/** Input names of action.yml, in one place. */
export const INPUT = {
  cluster: 'cluster',
  service: 'service',
  image: 'image',
  containerName: 'container-name',
  taskDefinition: 'task-definition',
  taskDefinitionArn: 'task-definition-arn',
  environmentVariables: 'environment-variables',
  codedeployApplication: 'codedeploy-application',
  codedeployDeploymentGroup: 'codedeploy-deployment-group',
  deploymentConfig: 'deployment-config',
  appspec: 'appspec',
  hooks: 'hooks',
  waitUntil: 'wait-until',
  timeout: 'timeout',
  interval: 'interval',
  stopOnCancel: 'stop-on-cancel',
  mode: 'mode',
  deploymentId: 'deployment-id',
  bake: 'bake',
  alarms: 'alarms',
  rollbackOnAlarm: 'rollback-on-alarm',
  waves: 'waves',
  approval: 'approval',
  approvers: 'approvers',
  allowSelfApproval: 'allow-self-approval',
  githubToken: 'github-token',
  previous: 'previous',
  results: 'results',
  region: 'region',
  config: 'config',
  environment: 'environment',
} as const;

/** Output names of action.yml. */
export const OUTPUT = {
  taskDefinitionArn: 'task-definition-arn',
  deploymentId: 'deployment-id',
  previousTaskDefinitionArn: 'previous-task-definition-arn',
  status: 'status',
  controller: 'controller',
  strategy: 'strategy',
  waves: 'waves',
  previous: 'previous',
  rollbackOnAlarm: 'rollback-on-alarm',
  alarm: 'alarm',
  startedAt: 'started-at',
} as const;

/** What the main step leaves for the post step. */
export const STATE = {
  /** JSON of InFlight: what to stop if the job ends before main says it is done. */
  inFlight: 'in-flight',
  /** 'true' once main no longer wants the post step to stop anything. */
  settled: 'settled',
  region: 'region',
} as const;

/** The AppSpec hooks CodeDeploy accepts for ECS (Install/AllowTestTraffic/AllowTraffic are its own). */
export const HOOK_EVENTS = [
  'BeforeInstall',
  'AfterInstall',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];
