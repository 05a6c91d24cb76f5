import { join } from 'node:path';
// Sleep and wake through the bundles against moto: the sweep puts previews to sleep by schedule and by
// idleness (CloudWatch request counts put into moto), wakes schedule-slept ones, and a deployment
// (preview-create) wakes any. What is checked is what AWS holds afterwards: the service's desired count and
// tags, and the rule's actions (the sleep page, the login kept, the forward back).
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecs';
import { type Action, DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { awsClientConfig, createClients } from '../harness/aws/clients.js';
import { createSandbox } from '../harness/aws/sandbox.js';
import { freshAlb } from '../harness/aws/starting-points.js';
import { fargateProduct, startPricingSimulator } from '../harness/pricing/simulator.js';
import { repoRoot, runAction } from '../harness/runner.js';
import { tableOf } from './pr-comment-helpers.js';
import {
  awsEnv,
  CREATE,
  createInputs,
  oidcInputs,
  type PreviewWorld,
  REPOSITORY,
  runForPr,
  TOKEN,
  taggedFor,
  usePreviewWorld,
} from './preview-env.js';
import { SWEEP, sweepIn } from './sweep-env.js';

const world = usePreviewWorld();
const PR_COMMENT = join(repoRoot, 'actions', 'pr-comment');
const HOUR = 3_600_000;
const NEVER = '0 0 29 2 1'; // 29 February on a Monday: years away, never "recently"
const ALWAYS = '* * * * *';

function sweep(inputs: Record<string, string>) {
  return sweepIn(world(), { 'closed-prs': 'false', 'wake-timeout': '20s', ...inputs });
}

async function serviceOf(w: PreviewWorld, arn: string) {
  const { services = [] } = await w.clients.ecs.send(
    new DescribeServicesCommand({ cluster: w.sandbox.clusterName, services: [arn], include: ['TAGS'] }),
  );
  const s = services[0]!;
  return {
    desiredCount: s.desiredCount,
    tags: Object.fromEntries((s.tags ?? []).map((t) => [t.key, t.value])),
  };
}

/** The rule as AWS returns it: through the proxy, which keeps OIDC secrets write-only. */
async function actionsOf(w: PreviewWorld, ruleArn: string): Promise<Action[]> {
  const viaProxy = createClients(w.proxy.endpoint, w.sandbox.region);
  const { Rules = [] } = await viaProxy.elbv2.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
  viaProxy.destroy();
  return [...(Rules[0]?.Actions ?? [])].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0));
}

/** Moves a preview's history back: it was created (or woke, or fell asleep) `ms` ago. */
async function backdate(w: PreviewWorld, serviceArn: string, key: string, ms: number) {
  const value = `${new Date(Date.now() - ms).toISOString().slice(0, 19)}Z`;
  await w.clients.ecs.send(new TagResourceCommand({ resourceArn: serviceArn, tags: [{ key, value }] }));
}

const listed = (text: string | undefined) =>
  (JSON.parse(text ?? '[]') as { pr?: number; reason: string; healthy?: boolean }[]).map((e) => [
    e.pr,
    e.reason,
  ]);

describe('sleep and wake through the bundles', () => {
  it('the schedule puts a preview to sleep (count 0, the page instead of the forward), keeps it asleep, and wakes it', async () => {
    const w = world();
    const created = await runForPr(w, CREATE, 61, createInputs(w));
    expect(created.errors).toEqual([]);
    const { 'service-arn': serviceArn, 'rule-arn': ruleArn, 'target-group-arn': groupArn } = created.outputs;
    // The cost estimate: the task's size at the default (us-east-1 list) rates, per day awake, one task.
    const { taskDefinition } = await w.clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: created.outputs['task-definition-arn'] }),
    );
    const perDay =
      ((Number(taskDefinition?.cpu) / 1024) * 0.04048 + (Number(taskDefinition?.memory) / 1024) * 0.004445) *
      24;
    expect(created.outputs['cost-per-day']).toBe(perDay.toFixed(2));
    expect(created.summary).toContain('per day awake');
    await backdate(w, serviceArn!, 'ecs-actions:created-at', HOUR);
    // The PR's workflow keeps its sticky comment with the pr-comment bundle.
    const commented = await runForPr(w, PR_COMMENT, 61, { status: 'ready', url: created.outputs.url! });
    expect(commented.errors).toEqual([]);
    const row = () => tableOf(w.gh.state.comments(61)[0]!.body).find((r) => r.environment === 'preview');

    const slept = await sweep({
      'sleep-schedule': ALWAYS,
      'wake-schedule': NEVER,
      'time-zone': 'Europe/Berlin',
    });
    expect(slept.errors).toEqual([]);
    expect(listed(slept.outputs.slept)).toContainEqual([61, 'schedule']);
    expect(slept.summary).toMatch(/\| #61 \| 💤 asleep \| schedule \| sleep-schedule fired at /);
    const asleep = await serviceOf(w, serviceArn!);
    expect(asleep.desiredCount).toBe(0);
    expect(asleep.tags).toMatchObject({
      'ecs-actions:asleep-by': 'schedule',
      'ecs-actions:awake-count': '1',
    });
    const [page] = await actionsOf(w, ruleArn!);
    expect(page?.Type).toBe('fixed-response');
    expect(page?.FixedResponseConfig).toMatchObject({ StatusCode: '503', ContentType: 'text/html' });
    expect(page?.FixedResponseConfig?.MessageBody).toContain('This preview is asleep');
    expect(page?.FixedResponseConfig?.MessageBody).toContain('PR #61');
    expect(page?.FixedResponseConfig?.MessageBody?.length).toBeLessThanOrEqual(1024);
    expect(row()).toMatchObject({ status: '💤 Asleep' });
    expect(slept.summary).toMatch(/#### Estimated cost: \$\d+\.\d\d so far for \d+ preview\(s\)/);
    expect(slept.summary).toMatch(/\| #61 \| \$\d+\.\d\d \| \$\d+\.\d\d \| 💤 asleep \|/);
    expect(row()?.url).toContain('pr-61.preview.example.com');
    expect(w.gh.state.comments(61)[0]!.body).toContain(
      'A push (or a `/preview wake` comment, where the commands workflow is installed) wakes it.',
    );
    expect(w.gh.state.comments(61)[0]!.body).toMatch(
      /estimated cost so far (\$\d+\.\d\d|<\$0\.01), \$\d+\.\d\d per day awake/,
    );

    // Asleep is asleep: the next run changes nothing.
    const again = await sweep({ 'sleep-schedule': ALWAYS, 'wake-schedule': NEVER });
    expect(listed(again.outputs.slept).filter(([pr]) => pr === 61)).toEqual([]);
    expect(listed(again.outputs.kept)).toContainEqual([61, 'fresh']);

    // It slept an hour; the wake time has come since.
    await backdate(w, serviceArn!, 'ecs-actions:asleep-since', HOUR);
    const woke = await sweep({ 'sleep-schedule': NEVER, 'wake-schedule': ALWAYS });
    expect(woke.errors).toEqual([]);
    expect(listed(woke.outputs.woke)).toContainEqual([61, 'schedule']);
    expect(row()).toMatchObject({ status: '✅ Ready' });
    const awake = await serviceOf(w, serviceArn!);
    expect(awake.desiredCount).toBe(1);
    expect(awake.tags['ecs-actions:asleep-since']).toBeUndefined();
    expect(awake.tags['ecs-actions:woke-at']).toBeDefined();
    expect(Number(awake.tags['ecs-actions:slept-seconds'])).toBeGreaterThanOrEqual(3590);
    const actions = await actionsOf(w, ruleArn!);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ Type: 'forward', TargetGroupArn: groupArn });
    expect(JSON.parse(woke.outputs.woke ?? '[]')).toContainEqual(
      expect.objectContaining({ pr: 61, healthy: true }),
    );
  });

  it('idle-after puts to sleep only the preview without requests (CloudWatch), and a deployment wakes it', async () => {
    const w = world();
    const quiet = await runForPr(w, CREATE, 62, createInputs(w));
    const busy = await runForPr(w, CREATE, 63, createInputs(w));
    expect([quiet.errors, busy.errors]).toEqual([[], []]);
    for (const run of [quiet, busy])
      await backdate(w, run.outputs['service-arn']!, 'ecs-actions:created-at', 3 * HOUR);
    // PR 63 served requests ten minutes ago; PR 62 none.
    const cloudwatch = new CloudWatchClient(awsClientConfig(w.moto.endpoint, w.sandbox.region));
    const lb = w.sandbox.loadBalancerArn
      .split(':')
      .slice(5)
      .join(':')
      .replace(/^loadbalancer\//, '');
    const tg = busy.outputs['target-group-arn']!.split(':').slice(5).join(':');
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [
          {
            MetricName: 'RequestCount',
            Dimensions: [
              { Name: 'LoadBalancer', Value: lb },
              { Name: 'TargetGroup', Value: tg },
            ],
            Value: 12,
            Unit: 'Count',
            Timestamp: new Date(Date.now() - 10 * 60_000),
          },
        ],
      }),
    );
    cloudwatch.destroy();

    const run = await sweep({ 'idle-after': '1h' });
    expect(run.errors).toEqual([]);
    expect(
      run.annotations.filter((a) => a.level === 'warning'),
      run.stdout,
    ).toEqual([]);
    const slept = listed(run.outputs.slept);
    expect(slept).toContainEqual([62, 'idle']);
    expect(slept.filter(([pr]) => pr === 63)).toEqual([]);
    expect((await serviceOf(w, quiet.outputs['service-arn']!)).desiredCount).toBe(0);
    expect((await serviceOf(w, busy.outputs['service-arn']!)).desiredCount).toBe(1);
    expect(w.proxy.history.some((c) => c.operation === 'GetMetricData')).toBe(true);

    // A push deploys PR 62 again: preview-create finds the sleeping rule as the preview's and wakes it.
    const pushed = await runForPr(w, CREATE, 62, createInputs(w, { image: `${createInputs(w).image}-2` }));
    expect(pushed.errors).toEqual([]);
    expect(pushed.summary).toContain('woke the preview');
    expect(pushed.outputs['rule-arn']).toBe(quiet.outputs['rule-arn']);
    const woken = await serviceOf(w, quiet.outputs['service-arn']!);
    expect(woken.desiredCount).toBe(1);
    expect(woken.tags['ecs-actions:asleep-since']).toBeUndefined();
    const [forward] = await actionsOf(w, quiet.outputs['rule-arn']!);
    expect(forward).toMatchObject({ Type: 'forward', TargetGroupArn: quiet.outputs['target-group-arn'] });
  });

  it('a preview behind an OIDC login keeps its login (and stored secret) while asleep and after waking', async () => {
    const w = world();
    const { listenerArn } = await freshAlb(w.moto.endpoint, w.sandbox);
    const secret = 'sleep-test-oidc-secret-Q4v8';
    const created = await runForPr(
      w,
      CREATE,
      64,
      createInputs(w, {
        'listener-arn': listenerArn,
        ...oidcInputs(secret),
      }),
    );
    expect(created.errors).toEqual([]);
    const ruleArn = created.outputs['rule-arn']!;
    await backdate(w, created.outputs['service-arn']!, 'ecs-actions:created-at', HOUR);
    const slept = await sweep({ 'sleep-schedule': ALWAYS, 'wake-schedule': NEVER });
    expect(slept.errors).toEqual([]);
    const asleep = await actionsOf(w, ruleArn);
    expect(asleep.map((a) => [a.Type, a.Order])).toEqual([
      ['authenticate-oidc', 1],
      ['fixed-response', 2],
    ]);
    expect(w.proxy.oidcSecretOf(ruleArn)).toBe(secret);
    await backdate(w, created.outputs['service-arn']!, 'ecs-actions:asleep-since', HOUR);
    const woke = await sweep({ 'sleep-schedule': NEVER, 'wake-schedule': ALWAYS });
    expect(woke.errors).toEqual([]);
    expect((await actionsOf(w, ruleArn)).map((a) => a.Type)).toEqual(['authenticate-oidc', 'forward']);
    expect(w.proxy.oidcSecretOf(ruleArn)).toBe(secret);
    for (const run of [slept, woke]) expect(`${run.stdout}${run.stderr}${run.summary}`).not.toContain(secret);
  });

  it('a preview that expires within a day gets a warning on its PR row, once per expiry', async () => {
    const w = world();
    const created = await runForPr(w, CREATE, 65, createInputs(w));
    expect(created.errors).toEqual([]);
    const serviceArn = created.outputs['service-arn']!;
    await backdate(w, serviceArn, 'ecs-actions:expires-at', -10 * HOUR); // expires in 10 hours
    expect(
      (await runForPr(w, PR_COMMENT, 65, { status: 'ready', url: created.outputs.url! })).errors,
    ).toEqual([]);
    const first = await sweep({});
    expect(first.errors).toEqual([]);
    expect(first.summary).toMatch(/Expiring within a day: [^\n]*#65/);
    const body = () => w.gh.state.comments(65)[0]!.body;
    expect(body()).toMatch(
      /Expires in 10 h \(.* UTC\), then preview-sweep removes it: push a commit, or comment `\/preview extend` \(where the commands workflow is installed\), to keep it\./,
    );
    expect(tableOf(body()).find((r) => r.environment === 'preview')).toMatchObject({ status: '✅ Ready' });
    expect((await serviceOf(w, serviceArn)).tags['ecs-actions:expiry-warned']).toBeDefined();
    // The next run says nothing more: no comment write for PR 65.
    w.gh.requests.length = 0;
    const second = await sweep({});
    expect(second.errors).toEqual([]);
    expect(w.gh.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });

  it('the budget cap refuses a new preview before anything is created, naming the cap; existing previews still update', async () => {
    const w = world();
    // At least one preview runs (this test's own, whatever ran before it).
    const existing = await runForPr(w, CREATE, 67, createInputs(w));
    expect(existing.errors).toEqual([]);
    const before = w.gh.state.deployments().length;
    const capped = await runForPr(w, CREATE, 66, createInputs(w, { 'max-previews': '1' }));
    expect(capped.exitCode).toBe(1);
    expect(capped.outputs.refused).toMatch(
      /^PR #66's preview was not created: max-previews is 1 and \d+ previews of octo-org\/shop already run/,
    );
    expect(capped.errors.join('\n')).toContain('max-previews is 1');
    const costly = await runForPr(w, CREATE, 66, createInputs(w, { 'max-monthly-cost': '0.01' }));
    expect(costly.outputs.refused).toMatch(
      /max-monthly-cost is \$0\.01 and the \d+ awake previews are estimated at \$\d+\.\d\d a month; this one would add \$\d+\.\d\d/,
    );
    expect(await taggedFor(w, 66)).toMatchObject({
      services: [],
      targetGroups: [],
      rules: [],
      taskDefinitions: [],
    });
    expect(w.gh.state.deployments()).toHaveLength(before);
    // PR 67's preview exists: the cap never stops its update.
    const update = await runForPr(
      w,
      CREATE,
      67,
      createInputs(w, { 'max-previews': '1', image: `${createInputs(w).image}-3` }),
    );
    expect(update.errors).toEqual([]);
  });

  it('a preview in a region outside the rates table is priced from the AWS Price List API; without pricing:GetProducts the estimate says so', async () => {
    const w = world();
    const euw = await createSandbox(w.moto.endpoint, { name: 'euw', region: 'eu-west-1' });
    const sim = await startPricingSimulator();
    try {
      // Fixture prices, not AWS's: what matters is that these, and not us-east-1's, are used.
      sim.addProducts([
        fargateProduct('eu-west-1', 'EUW1', 'Fargate-vCPU-Hours:perCPU', 0.05),
        fargateProduct('eu-west-1', 'EUW1', 'Fargate-GB-Hours', 0.006),
        fargateProduct('eu-west-1', 'EUW1', 'Fargate-ARM-vCPU-Hours:perCPU', 0.04),
        fargateProduct('eu-west-1', 'EUW1', 'Fargate-ARM-GB-Hours', 0.005),
      ]);
      const env = { ...awsEnv(w), AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_PRICING: sim.endpoint };
      const inputs = {
        ...createInputs(w),
        cluster: euw.clusterName,
        'listener-arn': euw.httpsListenerArn ?? euw.httpListenerArn,
        'template-service': euw.serviceName,
      };
      const created = await runForPr(w, CREATE, 68, inputs, { env });
      expect(created.errors).toEqual([]);
      const { taskDefinition } = await createClients(w.moto.endpoint, 'eu-west-1').ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: created.outputs['task-definition-arn'] }),
      );
      const perDay =
        ((Number(taskDefinition?.cpu) / 1024) * 0.05 + (Number(taskDefinition?.memory) / 1024) * 0.006) * 24;
      expect(created.outputs['cost-per-day']).toBe(perDay.toFixed(2));
      expect(created.summary).toMatch(
        /from AWS Price List API for eu-west-1, Linux, on-demand \(read \d{4}-\d\d-\d\d\)/,
      );
      // The API is asked in us-east-1 (its endpoint) for eu-west-1's products.
      expect(sim.requests.map((r) => [r.region, r.body.Filters])).toContainEqual([
        'us-east-1',
        [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-1' }],
      ]);

      // The same in the scheduled sweep's totals; then a role without pricing:GetProducts.
      const sweepEu = (extra: Record<string, string> = {}) =>
        runAction({
          action: SWEEP,
          inputs: { cluster: euw.clusterName, 'closed-prs': 'false', ...extra },
          env,
          token: TOKEN,
          apiUrl: w.gh.url,
          repository: REPOSITORY,
          event: { name: 'schedule', payload: { schedule: '17 * * * *' } },
        });
      const listedSweep = await sweepEu();
      expect(listedSweep.errors).toEqual([]);
      expect(listedSweep.summary).toContain('from AWS Price List API for eu-west-1');
      sim.deny = true;
      const denied = await sweepEu();
      expect(denied.errors).toEqual([]);
      expect(denied.summary).toContain(
        "eu-west-1 is not in the table (the AWS Price List API refused: allow 'pricing:GetProducts' to price this region): set fargate-rates for exact figures",
      );
    } finally {
      await sim.stop();
    }
  });

  it('refuses half a schedule and a bad cron before any AWS call, naming the input', async () => {
    world().proxy.resetCounts();
    const half = await sweep({ 'sleep-schedule': '0 20 * * 1-5' });
    expect(half.exitCode).toBe(1);
    expect(half.errors.join('\n')).toMatch(/'sleep-schedule' and 'wake-schedule' go together/);
    const bad = await sweep({ 'sleep-schedule': '0 25 * * *', 'wake-schedule': '0 7 * * *' });
    expect(bad.errors.join('\n')).toMatch(/Input 'sleep-schedule': "0 25 \* \* \*" is not a cron expression/);
    expect(world().proxy.calls).toEqual([]);
  });
});
