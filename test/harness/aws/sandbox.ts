// A realistic ECS-behind-an-ALB environment, built in moto through the real AWS SDK v3 clients:
// VPC (DNS support + hostnames), internet gateway, two subnets in two AZs, a security group, an internet-facing
// ALB with an HTTP :80 listener (default: fixed 404) and an HTTPS :443 listener (ACM cert for
// *.preview.example.com), an ECS cluster, a Fargate task definition, a target group forwarded to by a
// host-header rule on both listeners, and a Fargate service registered with that target group.
import { randomBytes } from 'node:crypto';
import { ACMClient, RequestCertificateCommand } from '@aws-sdk/client-acm';
import {
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
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
import { awsClientConfig, DEFAULT_REGION } from './clients.js';

export interface Sandbox {
  /** The unique base name: `<name>-<random suffix>`; resource names derive from it. */
  name: string;
  region: string;
  vpcId: string;
  /** Two subnets, in two different availability zones. */
  subnetIds: [string, string];
  availabilityZones: [string, string];
  securityGroupId: string;
  internetGatewayId: string;
  loadBalancerArn: string;
  loadBalancerName: string;
  loadBalancerDnsName: string;
  /** HTTP :80, default action fixed-response 404; a host-header rule forwards to the target group. */
  httpListenerArn: string;
  /** HTTPS :443 with the ACM certificate; same default action and rule as HTTP. */
  httpsListenerArn?: string;
  certificateArn?: string;
  /** `<name>.preview.example.com`: the host-header condition of the listener rules. */
  hostName: string;
  /** The listener rules forwarding `hostName` to the target group (HTTP first, then HTTPS). */
  listenerRuleArns: string[];
  clusterName: string;
  clusterArn: string;
  taskDefinitionArn: string;
  /** `<name>-web`. */
  taskDefinitionFamily: string;
  /** The container the load balancer targets: `web`, port 80. */
  containerName: string;
  containerPort: number;
  targetGroupArn: string;
  targetGroupName: string;
  /** `<name>-web`. */
  serviceName: string;
  serviceArn: string;
}

export interface SandboxOptions {
  region?: string;
  /** Prefix of every resource name; a random suffix is appended. Default `sbx`. */
  name?: string;
  /**
   * moto creates services with runningCount 0 (unless MOTO_ECS_SERVICE_RUNNING is set), so they never look
   * stable; UpdateService(desiredCount) sets runningCount = desiredCount. Default true: the base service is
   * "settled" that way, so that it reads as a stable, running service like in a real account.
   */
  settleService?: boolean;
}

/** The image of the base task definition. */
export const SANDBOX_IMAGE = 'public.ecr.aws/nginx/nginx:1.27';

export async function createSandbox(endpoint: string, opts: SandboxOptions = {}): Promise<Sandbox> {
  const region = opts.region ?? DEFAULT_REGION;
  // ALB and target group names are at most 32 characters: keep `<prefix>-<6 hex>-alb` within that.
  const prefix = (opts.name ?? 'sbx').replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 20);
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const config = awsClientConfig(endpoint, region);
  const ec2 = new EC2Client(config);
  const elbv2 = new ElasticLoadBalancingV2Client(config);
  const ecs = new ECSClient(config);
  const acm = new ACMClient(config);
  try {
    const tags = [{ Key: 'Name', Value: name }];

    // --- network
    const vpc = await ec2.send(
      new CreateVpcCommand({
        CidrBlock: '10.0.0.0/16',
        TagSpecifications: [{ ResourceType: 'vpc', Tags: tags }],
      }),
    );
    const vpcId = must(vpc.Vpc?.VpcId, 'CreateVpc: VpcId');
    // ModifyVpcAttribute takes one attribute per call.
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } }));
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));

    const igw = await ec2.send(new CreateInternetGatewayCommand({}));
    const internetGatewayId = must(igw.InternetGateway?.InternetGatewayId, 'CreateInternetGateway');
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: internetGatewayId, VpcId: vpcId }));
    const routeTables = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'association.main', Values: ['true'] },
        ],
      }),
    );
    const mainRouteTableId = must(routeTables.RouteTables?.[0]?.RouteTableId, 'main route table');
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: mainRouteTableId,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: internetGatewayId,
      }),
    );

    const zones = await ec2.send(
      new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] }),
    );
    const zoneNames = (zones.AvailabilityZones ?? []).flatMap((z) => (z.ZoneName ? [z.ZoneName] : [])).sort();
    if (zoneNames.length < 2) throw new Error(`region ${region} has fewer than two availability zones`);
    const availabilityZones: [string, string] = [zoneNames[0]!, zoneNames[1]!];
    const subnetIds = [] as unknown as [string, string];
    for (const [i, az] of availabilityZones.entries()) {
      const subnet = await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: `10.0.${i}.0/24`,
          AvailabilityZone: az,
          TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Name', Value: `${name}-${az}` }] }],
        }),
      );
      subnetIds[i] = must(subnet.Subnet?.SubnetId, 'CreateSubnet');
    }

    const sg = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `${name}-web`,
        Description: `${name}: HTTP and HTTPS from anywhere`,
        VpcId: vpcId,
      }),
    );
    const securityGroupId = must(sg.GroupId, 'CreateSecurityGroup');
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: securityGroupId,
        IpPermissions: [80, 443].map((port) => ({
          IpProtocol: 'tcp',
          FromPort: port,
          ToPort: port,
          IpRanges: [{ CidrIp: '0.0.0.0/0' }],
        })),
      }),
    );

    // --- load balancer
    const loadBalancerName = `${name}-alb`;
    const lb = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: loadBalancerName,
        Type: 'application',
        Scheme: 'internet-facing',
        IpAddressType: 'ipv4',
        Subnets: subnetIds,
        SecurityGroups: [securityGroupId],
      }),
    );
    const loadBalancer = lb.LoadBalancers?.[0];
    const loadBalancerArn = must(loadBalancer?.LoadBalancerArn, 'CreateLoadBalancer: arn');
    const loadBalancerDnsName = must(loadBalancer?.DNSName, 'CreateLoadBalancer: DNSName');

    const targetGroupName = `${name}-tg`;
    const tg = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: targetGroupName,
        TargetType: 'ip',
        Protocol: 'HTTP',
        Port: 80,
        VpcId: vpcId,
        HealthCheckProtocol: 'HTTP',
        HealthCheckPath: '/',
        Matcher: { HttpCode: '200-399' },
      }),
    );
    const targetGroupArn = must(tg.TargetGroups?.[0]?.TargetGroupArn, 'CreateTargetGroup');

    const notFound: Action[] = [
      {
        Type: 'fixed-response',
        FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not Found' },
      },
    ];
    const http = await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: notFound,
      }),
    );
    const httpListenerArn = must(http.Listeners?.[0]?.ListenerArn, 'CreateListener HTTP');

    // moto's ACM issues a (self-signed) certificate for RequestCertificate, and ELBv2 CreateListener only
    // checks that the ARN exists in ACM (or IAM), so HTTPS works. The certificate starts PENDING_VALIDATION
    // and turns ISSUED once MOTO_ACM_VALIDATION_WAIT seconds have passed (startMoto sets 0).
    const cert = await acm.send(
      new RequestCertificateCommand({
        DomainName: '*.preview.example.com',
        ValidationMethod: 'DNS',
        IdempotencyToken: name.replace(/-/g, '').slice(0, 32),
      }),
    );
    const certificateArn = must(cert.CertificateArn, 'RequestCertificate');
    const https = await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTPS',
        Port: 443,
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        Certificates: [{ CertificateArn: certificateArn }],
        DefaultActions: notFound,
      }),
    );
    const httpsListenerArn = must(https.Listeners?.[0]?.ListenerArn, 'CreateListener HTTPS');

    // ECS only accepts a target group that is associated with a load balancer: forward to it from a rule.
    const hostName = `${name}.preview.example.com`;
    const listenerRuleArns: string[] = [];
    for (const listenerArn of [httpListenerArn, httpsListenerArn]) {
      const rule = await elbv2.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 1,
          Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [hostName] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
        }),
      );
      listenerRuleArns.push(must(rule.Rules?.[0]?.RuleArn, 'CreateRule'));
    }

    // --- ECS
    const clusterName = `${name}-cluster`;
    const cluster = await ecs.send(
      new CreateClusterCommand({
        clusterName,
        capacityProviders: ['FARGATE'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      }),
    );
    const clusterArn = must(cluster.cluster?.clusterArn, 'CreateCluster');

    const taskDefinitionFamily = `${name}-web`;
    const containerName = 'web';
    const containerPort = 80;
    const taskDef = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: taskDefinitionFamily,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
        containerDefinitions: [
          {
            name: containerName,
            image: SANDBOX_IMAGE,
            essential: true,
            // moto's Fargate needs memoryReservation on every container (RunTask answers 500 otherwise).
            memoryReservation: 256,
            portMappings: [{ containerPort, hostPort: containerPort, protocol: 'tcp' }],
          },
        ],
      }),
    );
    const taskDefinitionArn = must(taskDef.taskDefinition?.taskDefinitionArn, 'RegisterTaskDefinition');

    const serviceName = `${name}-web`;
    const service = await ecs.send(
      new CreateServiceCommand({
        cluster: clusterName,
        serviceName,
        taskDefinition: taskDefinitionArn,
        desiredCount: 1,
        launchType: 'FARGATE',
        platformVersion: 'LATEST',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: subnetIds,
            securityGroups: [securityGroupId],
            assignPublicIp: 'ENABLED',
          },
        },
        loadBalancers: [{ targetGroupArn, containerName, containerPort }],
        deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
      }),
    );
    const serviceArn = must(service.service?.serviceArn, 'CreateService');
    if (opts.settleService ?? true) {
      await ecs.send(
        new UpdateServiceCommand({ cluster: clusterName, service: serviceName, desiredCount: 1 }),
      );
    }

    return {
      name,
      region,
      vpcId,
      subnetIds,
      availabilityZones,
      securityGroupId,
      internetGatewayId,
      loadBalancerArn,
      loadBalancerName,
      loadBalancerDnsName,
      httpListenerArn,
      httpsListenerArn,
      certificateArn,
      hostName,
      listenerRuleArns,
      clusterName,
      clusterArn,
      taskDefinitionArn,
      taskDefinitionFamily,
      containerName,
      containerPort,
      targetGroupArn,
      targetGroupName,
      serviceName,
      serviceArn,
    };
  } finally {
    for (const client of [ec2, elbv2, ecs, acm]) client.destroy();
  }
}

function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`sandbox: ${what} missing from the response`);
  return value;
}
