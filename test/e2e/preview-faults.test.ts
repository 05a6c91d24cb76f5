import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createSandbox } from '../harness/aws/sandbox.js';
import {
  CREATE,
  callTotals,
  createInputs,
  DESTROY,
  runForPr,
  taggedFor,
  usePreviewWorld,
} from './preview-env.js';

const world = usePreviewWorld();

async function expectOneEnvironment(pr: number) {
  const env = await taggedFor(world(), pr);
  expect(env.services.map((s) => s.name)).toEqual([`shop-pr-${pr}`]);
  expect(env.targetGroups).toHaveLength(1);
  expect(env.rules).toHaveLength(1);
  expect(env.rules[0]?.Actions?.[0]?.TargetGroupArn).toBe(env.targetGroups[0]?.TargetGroupArn);
  // One revision, except when RegisterTaskDefinition itself was retried after AWS had done it: ECS has no
  // idempotency token for it, so each retry is another revision, all tagged in the PR's family (and
  // removed with the environment).
  expect(env.taskDefinitions.length).toBeGreaterThanOrEqual(1);
  expect(env.taskDefinitions.every((arn) => arn.includes(`:task-definition/shop-pr-${pr}:`))).toBe(true);
  expect(env.taskDefinitions).toContain(env.services[0]?.taskDefinition);
}

describe('preview-create converges after a failure at any mutating AWS call', () => {
  const mutations = [
    'CreateTargetGroup',
    'CreateRule',
    'RegisterTaskDefinition',
    'ModifyTargetGroupAttributes',
    'CreateService',
  ];
  for (const [index, operation] of mutations.entries()) {
    for (const fault of ['server-error', 'drop-after'] as const) {
      it(`${operation} fails (${fault}, every retry) → the step fails; a re-run finishes with one environment`, async () => {
        const pr = 100 + index * 2 + (fault === 'drop-after' ? 1 : 0);
        world().proxy.inject({ operation, fault, times: Number.POSITIVE_INFINITY });
        const failed = await runForPr(world(), CREATE, pr, createInputs(world()));
        expect(failed.exitCode).toBe(1);
        world().proxy.clearFaults();
        const rerun = await runForPr(world(), CREATE, pr, createInputs(world()));
        expect(rerun.errors).toEqual([]);
        expect(rerun.exitCode).toBe(0);
        await expectOneEnvironment(pr);
        if (operation !== 'RegisterTaskDefinition')
          expect((await taggedFor(world(), pr)).taskDefinitions).toHaveLength(1);
        const destroyed = await runForPr(world(), DESTROY, pr, { cluster: world().sandbox.clusterName });
        expect(destroyed.exitCode).toBe(0);
        expect(await taggedFor(world(), pr)).toEqual({
          services: [],
          targetGroups: [],
          rules: [],
          taskDefinitions: [],
        });
      });
    }
  }

  it('a half-created environment is destroyed completely', async () => {
    world().proxy.inject({
      operation: 'CreateService',
      fault: 'server-error',
      times: Number.POSITIVE_INFINITY,
    });
    expect((await runForPr(world(), CREATE, 150, createInputs(world()))).exitCode).toBe(1);
    world().proxy.clearFaults();
    const destroyed = await runForPr(world(), DESTROY, 150, { cluster: world().sandbox.clusterName });
    expect(destroyed.errors).toEqual([]);
    expect(
      JSON.parse(destroyed.outputs.resources!)
        .map((r: { kind: string }) => r.kind)
        .sort(),
    ).toEqual(['listener-rule', 'target-group', 'task-definition']);
    expect(await taggedFor(world(), 150)).toEqual({
      services: [],
      targetGroups: [],
      rules: [],
      taskDefinitions: [],
    });
  });
});

describe('AWS refusals', () => {
  for (const [operation, iam] of [
    ['CreateRule', 'elasticloadbalancing:CreateRule'],
    ['CreateService', 'ecs:CreateService'],
  ] as const) {
    it(`AccessDenied on ${operation} names the IAM action to allow`, async () => {
      world().proxy.resetCounts();
      world().proxy.inject({ operation, fault: 'access-denied', times: Number.POSITIVE_INFINITY });
      const result = await runForPr(world(), CREATE, 160 + operation.length, createInputs(world()));
      expect(result.exitCode).toBe(1);
      expect(result.errors[0]).toMatch(
        new RegExp(`^AWS refused ${iam} \\(AccessDenied(Exception)?\\)\\. Allow '${iam}' in the IAM policy`),
      );
      // Refusals are not retried: one attempt reached AWS.
      expect(world().proxy.calls.filter((c) => c.operation === operation)).toHaveLength(1);
    });
  }
});

describe('concurrency', () => {
  it('10 PRs created at once on one listener → 10 environments with distinct priorities', async () => {
    const prs = Array.from({ length: 10 }, (_, i) => 200 + i);
    const results = await Promise.all(prs.map((pr) => runForPr(world(), CREATE, pr, createInputs(world()))));
    expect(results.map((r) => r.exitCode)).toEqual(prs.map(() => 0));
    const priorities = new Set<string>();
    for (const pr of prs) {
      await expectOneEnvironment(pr);
      priorities.add((await taggedFor(world(), pr)).rules[0]!.Priority!);
    }
    expect(priorities.size).toBe(10);
  });

  it('a PriorityInUse collision is retried with another priority', async () => {
    // Take the priority PR 300 would pick first, as if a concurrent run had just won it.
    const listener = world().sandbox.httpsListenerArn!;
    const { createHash } = await import('node:crypto');
    const seed = createHash('sha256').update('octo-org/shop#300#0').digest().readUInt32BE(0);
    const taken = 10000 + (seed % 40000);
    const { TargetGroups } = await world().clients.elbv2.send(
      new CreateTargetGroupCommand({
        Name: 'squatter',
        Protocol: 'HTTP',
        Port: 80,
        VpcId: world().sandbox.vpcId,
        TargetType: 'ip',
      }),
    );
    await world().clients.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: listener,
        Priority: taken,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['squatter.example.com'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: TargetGroups![0]!.TargetGroupArn }],
      }),
    );
    const result = await runForPr(world(), CREATE, 300, createInputs(world()));
    expect(result.exitCode).toBe(0);
    const rule = (await taggedFor(world(), 300)).rules[0]!;
    expect(rule.Priority).not.toBe(String(taken));
  });

  it('concurrent runs for the same PR end in one environment', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() => runForPr(world(), CREATE, 310, createInputs(world()))),
    );
    expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0]);
    const env = await taggedFor(world(), 310);
    expect(env.services).toHaveLength(1);
    expect(env.targetGroups).toHaveLength(1);
    expect(env.rules).toHaveLength(1);
  });
});

describe('capacity guard', () => {
  it('uses the next ALB of the pool when one is full, and fails naming the limits when all are', async () => {
    const other = await createSandbox(world().moto.endpoint, { name: 'pool' });
    const { Rules = [] } = await world().clients.elbv2.send(
      new DescribeRulesCommand({ ListenerArn: world().sandbox.httpsListenerArn! }),
    );
    const used = Rules.filter((r) => !r.IsDefault).length;
    const pool = `${world().sandbox.httpsListenerArn}\n${other.httpsListenerArn}`;
    const next = await runForPr(
      world(),
      CREATE,
      400,
      createInputs(world(), { 'listener-arn': pool, 'max-rules-per-alb': String(used) }),
    );
    expect(next.exitCode).toBe(0);
    expect((await taggedFor(world(), 400)).rules).toHaveLength(0); // not on the first ALB's listener…
    const { Rules: otherRules = [] } = await world().clients.elbv2.send(
      new DescribeRulesCommand({ ListenerArn: other.httpsListenerArn! }),
    );
    expect(otherRules.some((r) => r.RuleArn === next.outputs['rule-arn'])).toBe(true); // …but on the second's

    world().proxy.resetCounts();
    const full = await runForPr(
      world(),
      CREATE,
      401,
      createInputs(world(), { 'listener-arn': pool, 'max-rules-per-alb': '1' }),
    );
    expect(full.exitCode).toBe(1);
    expect(full.errors[0]).toMatch(/Every load balancer in the 'listener-arn' pool is full/);
    expect(full.errors[0]).toMatch(
      /\d+\/100 target groups \(hard limit\), \d+\/1 rules \(max-rules-per-alb\)/,
    );
    expect(callTotals(world()).mutating).toEqual([]);
    expect(await taggedFor(world(), 401)).toEqual({
      services: [],
      targetGroups: [],
      rules: [],
      taskDefinitions: [],
    });
  });

  it('stops at the hard limit of 100 target groups per ALB', async () => {
    const alb = await createSandbox(world().moto.endpoint, { name: 'full' });
    const { Rules = [] } = await world().clients.elbv2.send(
      new DescribeRulesCommand({ ListenerArn: alb.httpsListenerArn! }),
    );
    const attached = new Set(
      Rules.flatMap((r) => r.Actions?.flatMap((a) => (a.TargetGroupArn ? [a.TargetGroupArn] : [])) ?? []),
    );
    for (let i = attached.size; i < 100; i++) {
      const { TargetGroups } = await world().clients.elbv2.send(
        new CreateTargetGroupCommand({
          Name: `filler-${i}`,
          Protocol: 'HTTP',
          Port: 80,
          VpcId: alb.vpcId,
          TargetType: 'ip',
        }),
      );
      await world().clients.elbv2.send(
        new CreateRuleCommand({
          ListenerArn: alb.httpListenerArn,
          Priority: 100 + i,
          Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [`filler-${i}.example.com`] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: TargetGroups![0]!.TargetGroupArn }],
        }),
      );
    }
    world().proxy.resetCounts();
    const result = await runForPr(
      world(),
      CREATE,
      402,
      createInputs(world(), { 'listener-arn': alb.httpsListenerArn! }),
    );
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toMatch(/100\/100 target groups \(hard limit\)/);
    expect(callTotals(world()).mutating).toEqual([]);
  });
});

describe('bad input fails before any AWS change, naming the input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'td-'));
  writeFileSync(join(dir, 'broken.json'), '{ "family": "x", ');
  writeFileSync(join(dir, 'nocontainers.yml'), 'family: x\n');
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      'unknown placeholder',
      { host: 'pr-{number}.preview.example.com' },
      /^Input 'host': unknown placeholder \{number\}/,
    ],
    [
      'no PR placeholder',
      { host: 'preview.example.com' },
      /^Input 'host': .* has none of \{pr\}, \{branch\} or \{key\}/,
    ],
    [
      'not an image',
      { image: 'docker run nginx' },
      /^Input 'image': "docker run nginx" is not an image reference/,
    ],
    [
      'malformed task-definition file',
      { 'task-definition': join(dir, 'broken.json') },
      /^Input 'task-definition': .*broken\.json is not valid JSON or YAML/,
    ],
    [
      'task definition without containers',
      { 'task-definition': join(dir, 'nocontainers.yml') },
      /^Input 'task-definition': .* has no 'containerDefinitions'/,
    ],
    [
      'bad listener ARN',
      { 'listener-arn': 'arn:aws:elasticloadbalancing:us-east-1:123:loadbalancer/app/x/y' },
      /^Input 'listener-arn': .* is not an Application Load Balancer listener ARN/,
    ],
    ['bad duration', { timeout: 'ten minutes' }, /^Input 'timeout': "ten minutes" is not a duration/],
  ];
  for (const [name, inputs, message] of cases) {
    it(name, async () => {
      world().proxy.resetCounts();
      const result = await runForPr(world(), CREATE, 500, createInputs(world(), inputs));
      expect(result.exitCode).toBe(1);
      expect(result.errors[0]).toMatch(message);
      expect(callTotals(world()).mutating).toEqual([]);
    });
  }

  it('a PR number or branch is required outside pull_request and push events', async () => {
    world().proxy.resetCounts();
    const result = await runForPr(world(), CREATE, 501, createInputs(world()), {
      event: { name: 'workflow_dispatch', payload: {} },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toMatch(
      /^Input 'pr-number' or 'branch' is required: this workflow_dispatch event has neither a pull request nor a pushed or deleted branch/,
    );
    expect(world().proxy.calls).toEqual([]);
  });
});
