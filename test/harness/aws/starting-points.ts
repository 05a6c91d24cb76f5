// Starting points users really have, built in moto next to the harness sandbox (same VPC, subnets, security
// group and certificate): a fresh ALB made for previews, a listener shared with other teams, a crowded
// listener, task definitions with sidecars and secrets, services on capacity providers or EC2 with bridge
// networking, a template service in another cluster. Each returns what a test needs to point an action at it.
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  type Action,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsClientConfig } from './clients.js';
import type { Sandbox } from './sandbox.js';

function clients(endpoint: string, sandbox: Sandbox) {
  const config = awsClientConfig(endpoint, sandbox.region);
  return { elbv2: new ElasticLoadBalancingV2Client(config), ecs: new ECSClient(config) };
}

async function using<T>(
  endpoint: string,
  sandbox: Sandbox,
  body: (c: ReturnType<typeof clients>) => Promise<T>,
): Promise<T> {
  const c = clients(endpoint, sandbox);
  try {
    return await body(c);
  } finally {
    c.elbv2.destroy();
    c.ecs.destroy();
  }
}

const FIXED_404: Action[] = [
  {
    Type: 'fixed-response',
    FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'no preview here' },
  },
];

async function newAlb(elbv2: ElasticLoadBalancingV2Client, sandbox: Sandbox, tag: string) {
  const { LoadBalancers } = await elbv2.send(
    new CreateLoadBalancerCommand({
      Name: `${sandbox.name}-${tag}`.slice(0, 32),
      Type: 'application',
      Subnets: sandbox.subnetIds,
      SecurityGroups: [sandbox.securityGroupId],
    }),
  );
  return LoadBalancers![0]!.LoadBalancerArn!;
}

async function httpsListener(
  elbv2: ElasticLoadBalancingV2Client,
  sandbox: Sandbox,
  loadBalancerArn: string,
  defaultActions: Action[],
) {
  const { Listeners } = await elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: 'HTTPS',
      Port: 443,
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      Certificates: [{ CertificateArn: sandbox.certificateArn! }],
      DefaultActions: defaultActions,
    }),
  );
  return Listeners![0]!.ListenerArn!;
}

async function targetGroup(elbv2: ElasticLoadBalancingV2Client, sandbox: Sandbox, name: string, tags = {}) {
  const { TargetGroups } = await elbv2.send(
    new CreateTargetGroupCommand({
      Name: name,
      Protocol: 'HTTP',
      Port: 80,
      VpcId: sandbox.vpcId,
      TargetType: 'ip',
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value: String(Value) })),
    }),
  );
  return TargetGroups![0]!.TargetGroupArn!;
}

/** 1. A fresh ALB made for previews: an HTTPS listener only, default fixed-response, no target groups. */
export function freshAlb(endpoint: string, sandbox: Sandbox) {
  return using(endpoint, sandbox, async ({ elbv2 }) => {
    const loadBalancerArn = await newAlb(elbv2, sandbox, 'fresh');
    const listenerArn = await httpsListener(elbv2, sandbox, loadBalancerArn, FIXED_404);
    return { loadBalancerArn, listenerArn };
  });
}

/**
 * 2. A listener shared with other teams: its default action forwards to their production target group, their
 * rules sit at `occupied` priorities (inside the preview range), and one of their rules has 5 conditions.
 */
export function sharedListener(endpoint: string, sandbox: Sandbox, occupied: number[]) {
  return using(endpoint, sandbox, async ({ elbv2 }) => {
    const loadBalancerArn = await newAlb(elbv2, sandbox, 'shared');
    const productionTargetGroupArn = await targetGroup(elbv2, sandbox, `${sandbox.name}-prod`.slice(0, 32));
    const listenerArn = await httpsListener(elbv2, sandbox, loadBalancerArn, [
      { Type: 'forward', TargetGroupArn: productionTargetGroupArn },
    ]);
    const otherRuleArns: string[] = [];
    for (const [i, priority] of occupied.entries()) {
      const { Rules } = await elbv2.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: priority,
          Conditions:
            i === 0
              ? [
                  {
                    Field: 'host-header',
                    HostHeaderConfig: { Values: ['api.example.com', 'www.example.com'] },
                  },
                  { Field: 'path-pattern', PathPatternConfig: { Values: ['/v1/*', '/v2/*', '/v3/*'] } },
                ]
              : [{ Field: 'host-header', HostHeaderConfig: { Values: [`team-${i}.example.com`] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: productionTargetGroupArn }],
          Tags: [{ Key: 'team', Value: `team-${i}` }],
        }),
      );
      otherRuleArns.push(Rules![0]!.RuleArn!);
    }
    return { loadBalancerArn, listenerArn, productionTargetGroupArn, otherRuleArns };
  });
}

/**
 * 3. A listener with `count` other previews on it (target group + rule each, the suite's tags of another
 * repository), so that listing rules and target groups takes several pages.
 */
export function crowdedListener(endpoint: string, sandbox: Sandbox, count: number, repository: string) {
  return using(endpoint, sandbox, async ({ elbv2 }) => {
    const loadBalancerArn = await newAlb(elbv2, sandbox, 'crowded');
    const listenerArn = await httpsListener(elbv2, sandbox, loadBalancerArn, FIXED_404);
    for (let i = 0; i < count; i++) {
      const pr = 5000 + i;
      const tags = {
        'ecs-actions:managed-by': 'ecs-actions',
        'ecs-actions:repository': repository,
        'ecs-actions:pr': String(pr),
      };
      const tg = await targetGroup(elbv2, sandbox, `other-${sandbox.name}-${pr}`.slice(0, 32), tags);
      await elbv2.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 100 + i,
          Conditions: [
            { Field: 'host-header', HostHeaderConfig: { Values: [`pr-${pr}.other.example.com`] } },
          ],
          Actions: [{ Type: 'forward', TargetGroupArn: tg }],
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    }
    return { loadBalancerArn, listenerArn };
  });
}

/**
 * 6. A task definition with a sidecar (two containers, only `web` with a port mapping), secrets from SSM and
 * Secrets Manager, awslogs options, and an ARM64 runtime platform.
 */
export function sidecarTaskDefinition(endpoint: string, sandbox: Sandbox) {
  return using(endpoint, sandbox, async ({ ecs }) => {
    const logs = (prefix: string) => ({
      logDriver: 'awslogs' as const,
      options: {
        'awslogs-group': `/ecs/${sandbox.name}`,
        'awslogs-region': sandbox.region,
        'awslogs-stream-prefix': prefix,
      },
    });
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `${sandbox.name}-sidecar`,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '512',
        memory: '1024',
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' },
        executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
        containerDefinitions: [
          {
            name: 'web',
            image: 'public.ecr.aws/nginx/nginx:1.27',
            essential: true,
            memoryReservation: 256,
            portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
            environment: [{ name: 'LOG_LEVEL', value: 'info' }],
            secrets: [
              { name: 'DATABASE_URL', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/shop/db-url' },
              {
                name: 'API_KEY',
                valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/api-key-AbCdEf',
              },
            ],
            logConfiguration: logs('web'),
          },
          {
            name: 'log-router',
            image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable',
            essential: false,
            memoryReservation: 64,
            firelensConfiguration: { type: 'fluentbit' },
            logConfiguration: logs('firelens'),
          },
        ],
      }),
    );
    return taskDefinition!;
  });
}

/** A Fargate service to copy settings from, in `cluster` (created when missing), on capacity providers or not. */
export function templateService(
  endpoint: string,
  sandbox: Sandbox,
  options: {
    name: string;
    cluster?: string;
    taskDefinition?: string;
    capacityProviderStrategy?: { capacityProvider: string; weight: number; base?: number }[];
    platformVersion?: string;
  },
) {
  return using(endpoint, sandbox, async ({ ecs }) => {
    const cluster = options.cluster ?? sandbox.clusterName;
    if (cluster !== sandbox.clusterName) await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    if (options.capacityProviderStrategy) {
      await ecs.send(
        new PutClusterCapacityProvidersCommand({
          cluster,
          capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
          defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
        }),
      );
    }
    const serviceName = `${sandbox.name}-${options.name}`;
    const { service } = await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName,
        taskDefinition: options.taskDefinition ?? sandbox.taskDefinitionArn,
        desiredCount: 1,
        ...(options.capacityProviderStrategy
          ? { capacityProviderStrategy: options.capacityProviderStrategy }
          : { launchType: 'FARGATE' }),
        ...(options.platformVersion ? { platformVersion: options.platformVersion } : {}),
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: sandbox.subnetIds,
            securityGroups: [sandbox.securityGroupId],
            assignPublicIp: 'DISABLED',
          },
        },
      }),
    );
    await ecs.send(new UpdateServiceCommand({ cluster, service: serviceName, desiredCount: 1 }));
    return { cluster, serviceName, serviceArn: service!.serviceArn! };
  });
}

/** 7. An EC2 service with `bridge` networking (dynamic host ports; its target group type is `instance`). */
export function bridgeService(endpoint: string, sandbox: Sandbox) {
  return using(endpoint, sandbox, async ({ ecs }) => {
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `${sandbox.name}-bridge`,
        networkMode: 'bridge',
        requiresCompatibilities: ['EC2'],
        memory: '256',
        containerDefinitions: [
          {
            name: 'web',
            image: 'public.ecr.aws/nginx/nginx:1.27',
            essential: true,
            memoryReservation: 128,
            portMappings: [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }],
          },
        ],
      }),
    );
    const serviceName = `${sandbox.name}-bridge`;
    await ecs.send(
      new CreateServiceCommand({
        cluster: sandbox.clusterName,
        serviceName,
        taskDefinition: taskDefinition!.taskDefinitionArn!,
        desiredCount: 1,
        launchType: 'EC2',
      }),
    );
    return { serviceName, taskDefinitionArn: taskDefinition!.taskDefinitionArn! };
  });
}
