import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetGroupAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import {
  CREATE,
  callTotals,
  createInputs,
  DESTROY,
  IMAGE,
  runForPr,
  taggedFor,
  usePreviewWorld,
} from './preview-env.js';

const world = usePreviewWorld();

describe('preview-create and preview-destroy through their bundles', () => {
  it('creates, leaves alone when nothing changed, updates on a new image, and destroys to nothing', async () => {
    world().proxy.resetCounts();
    const first = await runForPr(world(), CREATE, 1, createInputs(world()));
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({ url: 'https://pr-1.preview.example.com', created: 'true' });
    const created = callTotals(world());
    expect(created.total).toBeLessThanOrEqual(15);
    expect(created.mutating.sort()).toEqual(
      [
        'CreateRule',
        'CreateService',
        'CreateTargetGroup',
        'ModifyTargetGroupAttributes',
        'RegisterTaskDefinition',
      ].sort(),
    );

    const env = await taggedFor(world(), 1);
    expect(env.services).toEqual([
      { name: 'shop-pr-1', status: 'ACTIVE', taskDefinition: first.outputs['task-definition-arn'] },
    ]);
    expect(env.targetGroups.map((g) => g.TargetGroupArn)).toEqual([first.outputs['target-group-arn']]);
    expect(env.targetGroups[0]).toMatchObject({
      TargetGroupName: 'shop-pr-1',
      HealthCheckPath: '/',
      HealthCheckIntervalSeconds: 10,
      TargetType: 'ip',
    });
    const { Attributes = [] } = await world().clients.elbv2.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: first.outputs['target-group-arn'] }),
    );
    expect(Attributes.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value).toBe('10');
    expect(env.rules).toHaveLength(1);
    expect(env.rules[0]?.RuleArn).toBe(first.outputs['rule-arn']);
    expect(env.rules[0]?.Conditions?.[0]?.HostHeaderConfig?.Values).toEqual(['pr-1.preview.example.com']);
    const { taskDefinition } = await world().clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: first.outputs['task-definition-arn'] }),
    );
    const web = taskDefinition?.containerDefinitions?.find((c) => c.name === world().sandbox.containerName);
    expect(web?.image).toBe(IMAGE);
    expect(web?.environment).toEqual(
      expect.arrayContaining([
        { name: 'PREVIEW_URL', value: 'https://pr-1.preview.example.com' },
        { name: 'PREVIEW_PR', value: '1' },
      ]),
    );
    expect(first.summary).toContain('https://pr-1.preview.example.com');
    expect(first.summary).toMatch(/\| discover \| \d/);
    const deployments = world().gh.state.deployments();
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({
      environment: 'preview',
      task: 'preview:pr-1',
      transientEnvironment: true,
    });
    expect(deployments[0]!.statuses.map((s) => [s.state, s.environmentUrl])).toEqual([
      ['in_progress', ''],
      ['success', 'https://pr-1.preview.example.com'],
    ]);

    world().proxy.resetCounts();
    const again = await runForPr(world(), CREATE, 1, createInputs(world()));
    expect(again.exitCode).toBe(0);
    expect(again.outputs).toMatchObject({
      created: 'false',
      'task-definition-arn': first.outputs['task-definition-arn'],
    });
    const noop = callTotals(world());
    expect(noop.total).toBeLessThanOrEqual(6);
    expect(noop.mutating).toEqual([]);
    expect(again.summary).toContain('nothing: the preview was already up to date');

    world().proxy.resetCounts();
    const updated = await runForPr(
      world(),
      CREATE,
      1,
      createInputs(world(), { image: `${IMAGE.split(':')[0]}:2222222` }),
    );
    expect(updated.exitCode).toBe(0);
    expect(updated.outputs.created).toBe('false');
    expect(updated.outputs['task-definition-arn']).not.toBe(first.outputs['task-definition-arn']);
    expect(callTotals(world()).mutating).toEqual(
      expect.arrayContaining(['RegisterTaskDefinition', 'UpdateService']),
    );
    expect(callTotals(world()).mutating).not.toContain('CreateService');
    const afterUpdate = await taggedFor(world(), 1);
    expect(afterUpdate.services[0]?.taskDefinition).toBe(updated.outputs['task-definition-arn']);
    expect(afterUpdate.targetGroups).toHaveLength(1);
    expect(afterUpdate.rules).toHaveLength(1);
    // The PR keeps one live deployment: the update's; the earlier one is marked superseded.
    const latest = world().gh.state.deployments();
    expect(latest.map((d) => [d.id, d.statuses.at(-1)?.state, d.statuses.at(-1)?.description])).toEqual(
      latest.map((d, i) =>
        i === 0
          ? [d.id, 'success', 'Preview is ready']
          : [d.id, 'inactive', i === 1 ? 'Superseded by a newer deploy' : expect.anything()],
      ),
    );
    expect(latest.length).toBeGreaterThanOrEqual(2);

    world().proxy.resetCounts();
    const destroyed = await runForPr(world(), DESTROY, 1, {
      cluster: world().sandbox.clusterName,
      'listener-arn': world().sandbox.httpsListenerArn!,
    });
    expect(destroyed.errors).toEqual([]);
    expect(destroyed.outputs.destroyed).toBe('true');
    expect(
      JSON.parse(destroyed.outputs.resources!)
        .map((r: { kind: string }) => r.kind)
        .sort(),
    ).toEqual(['listener-rule', 'service', 'target-group', 'task-definition', 'task-definition'].sort());
    expect(callTotals(world()).total).toBeLessThanOrEqual(11); // 10 + one deregistration for the second revision
    expect(await taggedFor(world(), 1)).toEqual({
      services: [],
      targetGroups: [],
      rules: [],
      taskDefinitions: [],
    });
    expect(
      world()
        .gh.state.deployments()
        .map((d) => d.statuses.at(-1)?.state),
    ).toEqual(
      world()
        .gh.state.deployments()
        .map(() => 'inactive'),
    );

    const twice = await runForPr(world(), DESTROY, 1, { cluster: world().sandbox.clusterName });
    expect(twice.exitCode).toBe(0);
    expect(twice.outputs).toMatchObject({ destroyed: 'false', resources: '[]' });
  });
});
