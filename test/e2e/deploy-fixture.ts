// A CodeDeploy blue/green ECS service on top of the harness sandbox: a second ("green") target group, a
// production listener (:8080) and a test listener (:8081) forwarding to the blue target group, a service with
// the CODE_DEPLOY controller in moto, and the application + deployment group in the CodeDeploy simulator
// (created through the real SDK, so the setup itself goes over the simulated protocol).
import { type CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import { CreateServiceCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsClientConfig } from '../harness/aws/clients.js';
import type { Sandbox } from '../harness/aws/sandbox.js';

export interface BlueGreenService {
  serviceName: string;
  applicationName: string;
  deploymentGroupName: string;
  blueTargetGroupArn: string;
  greenTargetGroupArn: string;
  prodListenerArn: string;
  testListenerArn: string;
}

export interface BlueGreenOptions {
  /** Suffix making the names unique within a sandbox. */
  name: string;
  /** Pause with test traffic on green until ContinueDeployment (deploymentReadyOption STOP_DEPLOYMENT). */
  waitAtTestTraffic?: boolean;
  autoRollback?: boolean;
  terminationWaitMinutes?: number;
  /** The ALB of the listeners; default the sandbox's (a fresh one: see starting-points.ts). */
  loadBalancerArn?: string;
  /** Other teams' rules on the production listener, at these priorities (forwarding to their own group). */
  otherTeamsRules?: number[];
  /** The service's task definition and container; default the sandbox's. */
  taskDefinitionArn?: string;
  containerName?: string;
  containerPort?: number;
  /** A capacity-provider strategy instead of the FARGATE launch type. */
  capacityProviderStrategy?: { capacityProvider: string; weight: number; base?: number }[];
  /**
   * Where the service is created: moto directly (default), or the test proxy, which keeps what moto forgets
   * (the capacity-provider strategy) and reports it back in DescribeServices.
   */
  ecsEndpoint?: string;
}

let port = 8080;

export async function createBlueGreenService(
  motoEndpoint: string,
  codedeployEndpoint: string,
  sandbox: Sandbox,
  options: BlueGreenOptions,
): Promise<BlueGreenService> {
  const config = awsClientConfig(motoEndpoint, sandbox.region);
  const elbv2 = new ElasticLoadBalancingV2Client(config);
  const ecs = new ECSClient(awsClientConfig(options.ecsEndpoint ?? motoEndpoint, sandbox.region));
  const codedeploy = new CodeDeployClient(awsClientConfig(codedeployEndpoint, sandbox.region));
  try {
    const tg = async (colour: string) => {
      const out = await elbv2.send(
        new CreateTargetGroupCommand({
          Name: `${sandbox.name}-${options.name}-${colour}`.slice(0, 32),
          TargetType: 'ip',
          Protocol: 'HTTP',
          Port: 80,
          VpcId: sandbox.vpcId,
        }),
      );
      return out.TargetGroups![0]!;
    };
    const blue = await tg('b');
    const green = await tg('g');
    const listener = async () => {
      const out = await elbv2.send(
        new CreateListenerCommand({
          LoadBalancerArn: options.loadBalancerArn ?? sandbox.loadBalancerArn,
          Protocol: 'HTTP',
          Port: port++,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: blue.TargetGroupArn }],
        }),
      );
      return out.Listeners![0]!.ListenerArn!;
    };
    const prodListenerArn = await listener();
    const testListenerArn = await listener();
    if (options.otherTeamsRules?.length) {
      const theirs = await tg('o');
      for (const [i, priority] of options.otherTeamsRules.entries()) {
        await elbv2.send(
          new CreateRuleCommand({
            ListenerArn: prodListenerArn,
            Priority: priority,
            Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [`team-${i}.example.com`] } }],
            Actions: [{ Type: 'forward', TargetGroupArn: theirs.TargetGroupArn }],
          }),
        );
      }
    }
    const serviceName = `${sandbox.name}-${options.name}`;
    await ecs.send(
      new CreateServiceCommand({
        cluster: sandbox.clusterName,
        serviceName,
        taskDefinition: options.taskDefinitionArn ?? sandbox.taskDefinitionArn,
        desiredCount: 2,
        ...(options.capacityProviderStrategy
          ? { capacityProviderStrategy: options.capacityProviderStrategy }
          : { launchType: 'FARGATE' as const }),
        platformVersion: '1.4.0',
        deploymentController: { type: 'CODE_DEPLOY' },
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: sandbox.subnetIds,
            securityGroups: [sandbox.securityGroupId],
            assignPublicIp: 'DISABLED',
          },
        },
        loadBalancers: [
          {
            targetGroupArn: blue.TargetGroupArn,
            containerName: options.containerName ?? sandbox.containerName,
            containerPort: options.containerPort ?? 80,
          },
        ],
      }),
    );
    const applicationName = `${serviceName}-app`;
    const deploymentGroupName = `${serviceName}-dg`;
    await codedeploy.send(new CreateApplicationCommand({ applicationName, computePlatform: 'ECS' }));
    await codedeploy.send(
      new CreateDeploymentGroupCommand({
        applicationName,
        deploymentGroupName,
        serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy-ecs',
        deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        ecsServices: [{ clusterName: sandbox.clusterName, serviceName }],
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption: options.waitAtTestTraffic
            ? { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 }
            : { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
          terminateBlueInstancesOnDeploymentSuccess: {
            action: 'TERMINATE',
            terminationWaitTimeInMinutes: options.terminationWaitMinutes ?? 5,
          },
        },
        autoRollbackConfiguration: {
          enabled: options.autoRollback ?? true,
          events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'],
        },
        loadBalancerInfo: {
          targetGroupPairInfoList: [
            {
              targetGroups: [{ name: blue.TargetGroupName }, { name: green.TargetGroupName }],
              prodTrafficRoute: { listenerArns: [prodListenerArn] },
              testTrafficRoute: { listenerArns: [testListenerArn] },
            },
          ],
        },
      }),
    );
    return {
      serviceName,
      applicationName,
      deploymentGroupName,
      blueTargetGroupArn: blue.TargetGroupArn!,
      greenTargetGroupArn: green.TargetGroupArn!,
      prodListenerArn,
      testListenerArn,
    };
  } finally {
    elbv2.destroy();
    ecs.destroy();
    codedeploy.destroy();
  }
}

/** Target group ARN → weight of a listener's forward action, read from moto. */
export async function listenerWeights(
  motoEndpoint: string,
  region: string,
  listenerArn: string,
): Promise<Record<string, number>> {
  const elbv2 = new ElasticLoadBalancingV2Client(awsClientConfig(motoEndpoint, region));
  try {
    const { Listeners } = await elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
    const action = Listeners?.[0]?.DefaultActions?.[0];
    const weights: Record<string, number> = {};
    for (const t of action?.ForwardConfig?.TargetGroups ?? []) weights[t.TargetGroupArn!] = t.Weight ?? 1;
    if (Object.keys(weights).length === 0 && action?.TargetGroupArn) weights[action.TargetGroupArn] = 1;
    return weights;
  } finally {
    elbv2.destroy();
  }
}

/** A CloudWatch alarm on the ALB's target 5XX count, in OK until a test sets its state (SetAlarmState). */
export async function createFiveXxAlarm(cloudwatch: CloudWatchClient, name: string): Promise<void> {
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
}
