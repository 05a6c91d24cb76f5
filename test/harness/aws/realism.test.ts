import {
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecs';
import {
  type Action,
  AddTagsCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from './clients.js';
import { type Moto, startMoto } from './moto.js';
import { type FaultProxy, startFaultProxy } from './proxy.js';
import { CHECKED_OPERATIONS, fromQuery } from './realism.js';
import { createSandbox, type Sandbox } from './sandbox.js';

// Every refusal of the realism layer, sent by the real SDK through the proxy to moto: refused with AWS's
// code, and the same request made valid passes (moto alone accepts both).
let moto: Moto;
let proxy: FaultProxy;
let sandbox: Sandbox;
let clients: ReturnType<typeof createClients>;
let direct: ReturnType<typeof createClients>;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy(moto.endpoint);
  sandbox = await createSandbox(moto.endpoint, { name: 'real' });
  clients = createClients(proxy.endpoint, sandbox.region, { maxAttempts: 1 });
  direct = createClients(moto.endpoint, sandbox.region, { maxAttempts: 1 });
});
afterAll(async () => {
  clients?.destroy();
  direct?.destroy();
  await proxy?.stop();
  await moto?.stop();
});

const container = { name: 'web', image: 'nginx:1', memoryReservation: 128 };
const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v' }));
const elbTags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
const lastCall = () => proxy.calls.at(-1)!;

async function refusedWith(send: () => Promise<unknown>, code: RegExp | string, message?: RegExp) {
  const error = await send().then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error, 'AWS refuses this; the realism layer must too').toBeDefined();
  expect(error!.name).toMatch(code);
  if (message) expect(error!.message).toMatch(message);
  expect(lastCall().outcome).toBe('refused');
}

describe('realism layer (what AWS refuses and moto accepts)', () => {
  it('ECS RegisterTaskDefinition: image with invalid characters, container and family names, tags', async () => {
    const register = (over: Record<string, unknown>) => () =>
      clients.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'web',
          containerDefinitions: [container],
          ...over,
        } as never),
      );
    await refusedWith(
      register({ containerDefinitions: [{ ...container, image: 'public.ecr.aws/acme/web: v2' }] }),
      'ClientException',
      /Container.image contains invalid characters/,
    );
    // moto alone accepts it (the reason this layer exists).
    await direct.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        containerDefinitions: [{ ...container, image: 'public.ecr.aws/acme/web: v2' }],
      }),
    );
    await refusedWith(
      register({ containerDefinitions: [{ ...container, name: 'web app' }] }),
      'ClientException',
      /Container.name/,
    );
    await refusedWith(register({ family: 'web.app' }), 'ClientException', /Family/);
    await refusedWith(register({ family: 'x'.repeat(256) }), 'ClientException', /Family/);
    await refusedWith(register({ tags: tags(51) }), 'InvalidParameterException', /Too many tags/);
    await refusedWith(
      register({ tags: [{ key: 'k'.repeat(129), value: 'v' }] }),
      'InvalidParameterException',
      /1-128/,
    );
    await refusedWith(
      register({ tags: [{ key: 'k', value: 'v'.repeat(257) }] }),
      'InvalidParameterException',
      /256/,
    );
    await register({ tags: tags(50) })();
    expect(lastCall().outcome).toBe('forwarded');
  });

  it('ECS CreateService and RunTask: awsvpc without subnets; TagResource: tag limits', async () => {
    await refusedWith(
      () =>
        clients.ecs.send(
          new CreateServiceCommand({
            cluster: sandbox.clusterName,
            serviceName: 'no-network',
            taskDefinition: sandbox.taskDefinitionArn,
            desiredCount: 1,
            launchType: 'FARGATE',
          }),
        ),
      'InvalidParameterException',
      /Network Configuration must be provided/,
    );
    await refusedWith(
      () =>
        clients.ecs.send(
          new RunTaskCommand({
            cluster: sandbox.clusterName,
            taskDefinition: sandbox.taskDefinitionArn,
            launchType: 'FARGATE',
            networkConfiguration: {
              awsvpcConfiguration: { subnets: [], securityGroups: [sandbox.securityGroupId] },
            },
          }),
        ),
      'InvalidParameterException',
      /subnets can not be empty/,
    );
    const run = (extra: Record<string, unknown>) => () =>
      clients.ecs.send(
        new RunTaskCommand({
          cluster: sandbox.clusterName,
          taskDefinition: sandbox.taskDefinitionArn,
          launchType: 'FARGATE',
          networkConfiguration: {
            awsvpcConfiguration: { subnets: sandbox.subnetIds, securityGroups: [sandbox.securityGroupId] },
          },
          ...extra,
        } as never),
      );
    await refusedWith(run({ startedBy: 'x'.repeat(37) }), 'InvalidParameterException', /startedBy/);
    await refusedWith(run({ startedBy: 'gha run 1' }), 'InvalidParameterException', /startedBy/);
    await refusedWith(
      run({ overrides: { containerOverrides: [{ name: 'web', command: ['echo', 'x'.repeat(8200)] }] } }),
      'InvalidParameterException',
      /8192/,
    );
    await refusedWith(
      () => clients.ecs.send(new TagResourceCommand({ resourceArn: sandbox.serviceArn, tags: tags(51) })),
      'InvalidParameterException',
    );
  });

  it('ELB target-group names: ≤ 32, letters, digits and hyphens, no hyphen at either end, no internal-', async () => {
    const create = (Name: string, Tags?: { Key: string; Value: string }[]) => () =>
      clients.elbv2.send(
        new CreateTargetGroupCommand({
          Name,
          Protocol: 'HTTP',
          Port: 80,
          VpcId: sandbox.vpcId,
          TargetType: 'ip',
          Tags,
        }),
      );
    await refusedWith(create('a'.repeat(33)), 'ValidationError', /longer than '32'/);
    await refusedWith(create('web_pr_1'), 'ValidationError', /alphanumeric/);
    await refusedWith(create('-web'), 'ValidationError', /begin or end/);
    await refusedWith(create('web-'), 'ValidationError', /begin or end/);
    await refusedWith(create('internal-web'), 'ValidationError', /internal-/);
    await refusedWith(create('web-ok', elbTags(51)), 'TooManyTags');
    await create('a'.repeat(32))();
    expect(lastCall().outcome).toBe('forwarded');
  });

  it('ELB rules: host-header ≤ 128, charset, labels ≤ 63, ≤ 5 values; priority 1–50000; tags', async () => {
    const rule =
      (values: string[], Priority = 4000, extra: Record<string, unknown> = {}) =>
      () =>
        clients.elbv2.send(
          new CreateRuleCommand({
            ListenerArn: sandbox.httpListenerArn,
            Priority,
            Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: values } }],
            Actions: [{ Type: 'forward', TargetGroupArn: sandbox.targetGroupArn }],
            ...extra,
          }),
        );
    await refusedWith(rule([`${'a'.repeat(60)}.${'b'.repeat(60)}.example.com`]), 'ValidationError', /128/);
    await refusedWith(rule(['pr 1.example.com']), 'ValidationError', /invalid characters/);
    await refusedWith(rule([`${'a'.repeat(64)}.example.com`]), 'ValidationError', /63/);
    await refusedWith(rule(['a.com', 'b.com', 'c.com', 'd.com', 'e.com', 'f.com']), 'TooManyConditionValues');
    await refusedWith(rule(['ok.example.com'], 50_001), 'ValidationError', /between 1 and 50000/);
    await refusedWith(rule(['ok.example.com'], 4001, { Tags: elbTags(51) }), 'TooManyTags');
    await refusedWith(
      () =>
        clients.elbv2.send(
          new ModifyRuleCommand({
            RuleArn: sandbox.listenerRuleArns[0]!,
            Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['bad host'] } }],
          }),
        ),
      'ValidationError',
    );
    await refusedWith(
      () =>
        clients.elbv2.send(
          new AddTagsCommand({
            ResourceArns: [sandbox.targetGroupArn],
            Tags: [{ Key: 'k'.repeat(129), Value: '' }],
          }),
        ),
      'ValidationError',
    );
    await rule(['a.com', 'b.com', 'c.com', 'd.com', 'e.com'], 4002)();
    expect(lastCall().outcome).toBe('forwarded');
  });

  it('ELB authenticate actions: HTTPS listener only, Order on every action, terminal last, OIDC secret write-only', async () => {
    const oidc = {
      Issuer: 'https://idp.example.com',
      AuthorizationEndpoint: 'https://idp.example.com/a',
      TokenEndpoint: 'https://idp.example.com/t',
      UserInfoEndpoint: 'https://idp.example.com/u',
      ClientId: 'alb',
    };
    const forward = { Type: 'forward' as const, TargetGroupArn: sandbox.targetGroupArn };
    const create = (ListenerArn: string, Priority: number, Actions: Action[]) => () =>
      clients.elbv2.send(
        new CreateRuleCommand({
          ListenerArn,
          Priority,
          Conditions: [
            { Field: 'host-header', HostHeaderConfig: { Values: [`auth-${Priority}.example.com`] } },
          ],
          Actions,
        }),
      );
    const https = sandbox.httpsListenerArn!;
    const login = (extra = {}): Action => ({
      Type: 'authenticate-oidc',
      Order: 1,
      AuthenticateOidcConfig: { ...oidc, ClientSecret: 's3cret', ...extra },
    });
    await refusedWith(
      create(sandbox.httpListenerArn, 4100, [login(), { ...forward, Order: 2 }]),
      'InvalidLoadBalancerAction',
      /only on HTTPS listeners/,
    );
    await refusedWith(create(https, 4101, [login(), forward]), 'ValidationError', /action order/);
    await refusedWith(
      create(https, 4102, [
        { ...login(), Order: 3 },
        { ...forward, Order: 2 },
      ]),
      'InvalidLoadBalancerAction',
    );
    await refusedWith(
      create(https, 4103, [login({ ClientSecret: undefined }), { ...forward, Order: 2 }]),
      'ValidationError',
      /client secret must be specified/,
    );
    await create(https, 4104, [login(), { ...forward, Order: 2 }])();
    expect(lastCall().outcome).toBe('forwarded');
    const { Rules = [] } = await clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: https }));
    const created = Rules.find((r) => r.Priority === '4104')!;
    expect(JSON.stringify(created)).not.toContain('s3cret');
    expect(proxy.oidcSecretOf(created.RuleArn!)).toBe('s3cret');
    // Kept across a change that says so; refused where the rule never had a secret.
    await clients.elbv2.send(
      new ModifyRuleCommand({
        RuleArn: created.RuleArn,
        Actions: [
          login({ ClientSecret: undefined, UseExistingClientSecret: true, Scope: 'openid email' }),
          { ...forward, Order: 2 },
        ],
      }),
    );
    expect(proxy.oidcSecretOf(created.RuleArn!)).toBe('s3cret');
    await refusedWith(
      () =>
        clients.elbv2.send(
          new ModifyRuleCommand({
            RuleArn: sandbox.listenerRuleArns[1]!,
            Actions: [
              login({ ClientSecret: undefined, UseExistingClientSecret: true }),
              { ...forward, Order: 2 },
            ],
          }),
        ),
      'ValidationError',
      /UseExistingClientSecret/,
    );
  });

  it('decodes awsQuery forms into the shapes the rules read', () => {
    const form = new URLSearchParams(
      'Action=CreateRule&Conditions.member.1.Field=host-header&Conditions.member.1.HostHeaderConfig.Values.member.1=a&Conditions.member.1.HostHeaderConfig.Values.member.2=b&Tags.member.1.Key=k&Tags.member.1.Value=v&Priority=7',
    );
    expect(fromQuery(form)).toEqual({
      Action: 'CreateRule',
      Priority: '7',
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['a', 'b'] } }],
      Tags: [{ Key: 'k', Value: 'v' }],
    });
    expect(CHECKED_OPERATIONS).toEqual(
      expect.arrayContaining([
        'ecs:RegisterTaskDefinition',
        'ecs:RunTask',
        'elasticloadbalancing:CreateRule',
      ]),
    );
  });
});
