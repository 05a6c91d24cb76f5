// A typed stand-in for the ECS and ELBv2 clients in unit tests: real client instances (the SDK's
// paginators check for them) whose `send` answers from an in-memory world. Unlike moto it enforces the
// batch limits (DescribeServices ≤ 10, DescribeTags ≤ 20), and it can fail chosen deletions.
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Tags } from '@ecs-actions/kit';

export const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb/1';
export const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/alb/1/2';

export interface FakeService {
  name: string;
  status: string;
  tags: Tags;
  taskDefinition?: string;
}

export interface FakeWorld {
  services: FakeService[];
  /** Each group has one rule forwarding to it until `rule` is false. */
  groups: { name: string; tags: Tags; rule?: boolean; targets?: number }[];
  families: { name: string; tags: Tags }[];
  /** Deletions that fail: `DeleteTargetGroup:shop-pr-3`. */
  failing?: Set<string>;
}

export function fakeAws(world: FakeWorld) {
  const calls: string[] = [];
  const fail = (op: string, id: string) => {
    if (world.failing?.has(`${op}:${id}`))
      throw Object.assign(new Error(`${op} refused`), { name: 'ValidationError' });
  };
  const revisionArn = (family: string) => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:1`;
  const ecs = new ECSClient({ region: 'us-east-1' });
  const elb = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
  const arnOf = (name: string) => `arn:aws:ecs:us-east-1:123456789012:service/previews/${name}`;
  const groupArn = (name: string) =>
    `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/abc`;
  const ruleArn = (name: string) => `${LISTENER.replace(':listener/', ':listener-rule/')}/${name}`;
  const tagList = (tags: Tags) => Object.entries(tags).map(([key, value]) => ({ key, value }));
  const elbTags = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  // biome-ignore lint/suspicious/noExplicitAny: a fake of the SDK's send, dispatched on the command's name.
  (ecs as any).send = async (command: { constructor: { name: string }; input: any }) => {
    const op = command.constructor.name.replace(/Command$/, '');
    calls.push(op);
    const input = command.input;
    switch (op) {
      case 'ListServices': {
        const start = Number(input.nextToken ?? 0);
        const page = world.services.slice(start, start + (input.maxResults ?? 10));
        const next = start + page.length;
        return {
          serviceArns: page.map((s) => arnOf(s.name)),
          nextToken: next < world.services.length ? String(next) : undefined,
        };
      }
      case 'DescribeServices': {
        if (input.services.length > 10)
          throw Object.assign(new Error('too many'), { name: 'InvalidParameterException' });
        // By ARN or by name, as ECS takes them; unknown ones are failures, as ECS answers them.
        const found = input.services.map((ref: string) =>
          world.services.find((x) => arnOf(x.name) === ref || x.name === ref),
        );
        return {
          services: found.filter(Boolean).map((s: FakeService) => ({
            serviceArn: arnOf(s.name),
            serviceName: s.name,
            status: s.status,
            taskDefinition: s.taskDefinition,
            tags: tagList(s.tags),
          })),
          failures: input.services
            .filter((_: string, i: number) => !found[i])
            .map((arn: string) => ({ arn, reason: 'MISSING' })),
        };
      }
      case 'ListTaskDefinitionFamilies':
        return {
          families: world.families.map((f) => f.name).filter((n) => n.startsWith(input.familyPrefix)),
        };
      case 'ListTaskDefinitions':
        return {
          taskDefinitionArns: world.families
            .filter((f) => f.name === input.familyPrefix)
            .map((f) => revisionArn(f.name)),
        };
      case 'DeleteService': {
        fail(op, input.service);
        const s = world.services.find((x) => x.name === input.service && x.status === 'ACTIVE');
        if (!s) throw Object.assign(new Error('gone'), { name: 'ServiceNotFoundException' });
        s.status = 'INACTIVE';
        return {};
      }
      case 'DeregisterTaskDefinition':
        return {};
      case 'DeleteTaskDefinitions': {
        world.families = world.families.filter((f) => !input.taskDefinitions.includes(revisionArn(f.name)));
        return { failures: [] };
      }
      case 'DescribeTaskDefinition': {
        const f = world.families.find(
          (x) => x.name === input.taskDefinition || revisionArn(x.name) === input.taskDefinition,
        );
        if (!f)
          throw Object.assign(new Error('Unable to describe task definition.'), { name: 'ClientException' });
        return { taskDefinition: { family: f.name }, tags: tagList(f.tags) };
      }
      default:
        throw new Error(`unexpected ${op}`);
    }
  };
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  (elb as any).send = async (command: { constructor: { name: string }; input: any }) => {
    const op = command.constructor.name.replace(/Command$/, '');
    calls.push(op);
    const input = command.input;
    switch (op) {
      case 'DescribeTargetGroups': {
        const groups = input.Names ? world.groups.filter((g) => input.Names.includes(g.name)) : world.groups;
        if (input.Names && groups.length < input.Names.length)
          throw Object.assign(new Error('One or more target groups not found'), {
            name: 'TargetGroupNotFoundException',
          });
        return {
          TargetGroups: groups.map((g) => ({
            TargetGroupArn: groupArn(g.name),
            TargetGroupName: g.name,
            LoadBalancerArns: [LB],
          })),
        };
      }
      case 'DescribeListeners':
        return { Listeners: [{ ListenerArn: LISTENER }] };
      case 'DescribeRules':
        return {
          Rules: [
            { RuleArn: `${LISTENER}/default`, IsDefault: true, Actions: [] },
            ...world.groups
              .filter((g) => g.rule !== false)
              .map((g, i) => ({
                RuleArn: ruleArn(g.name),
                Priority: String(10_000 + i),
                IsDefault: false,
                Actions: [{ Type: 'forward', TargetGroupArn: groupArn(g.name) }],
                Conditions: [
                  { Field: 'host-header', HostHeaderConfig: { Values: [`${g.name}.example.com`] } },
                ],
              })),
          ],
        };
      case 'DeleteRule': {
        const g = world.groups.find((x) => ruleArn(x.name) === input.RuleArn);
        fail(op, g?.name ?? '');
        if (g) g.rule = false;
        return {};
      }
      case 'DeleteTargetGroup': {
        const g = world.groups.find((x) => groupArn(x.name) === input.TargetGroupArn);
        fail(op, g?.name ?? '');
        world.groups = world.groups.filter((x) => x !== g);
        return {};
      }
      case 'DescribeTargetHealth': {
        const g = world.groups.find((x) => groupArn(x.name) === input.TargetGroupArn);
        return {
          TargetHealthDescriptions: Array.from({ length: g?.targets ?? 0 }, (_, i) => ({
            Target: { Id: `10.0.0.${i}` },
            TargetHealth: { State: 'healthy' },
          })),
        };
      }
      case 'DescribeTags': {
        if (input.ResourceArns.length > 20)
          throw Object.assign(new Error('too many'), { name: 'ValidationError' });
        return {
          TagDescriptions: input.ResourceArns.map((arn: string) => {
            const g = world.groups.find((x) => arn === groupArn(x.name) || arn === ruleArn(x.name))!;
            return { ResourceArn: arn, Tags: elbTags(g.tags) };
          }),
        };
      }
      default:
        throw new Error(`unexpected ${op}`);
    }
  };
  return { ecs, elb, calls };
}
