// Branch previews through the bundles: a push creates the branch's preview, a second push updates it,
// a PR preview of the same branch is a second environment, concurrent pushes converge on one, a `delete`
// event removes it, and the sweep removes the previews of deleted branches and keeps the others.
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { branchKey } from '@ecs-actions/kit';
import { describe, expect, it } from 'vitest';
import {
  branchSha,
  CREATE,
  createInputs,
  DESTROY,
  runForBranch,
  runForPr,
  taggedFor,
  usePreviewWorld,
} from './preview-env.js';
import { sweepIn } from './sweep-env.js';

const world = usePreviewWorld();
const KEY_HOST = { host: '{key}.review.example.com' };

function sweep(inputs: Record<string, string> = {}) {
  return sweepIn(world(), inputs);
}

describe('branch previews through the bundles', () => {
  it('a push creates the branch preview at {branch}, tagged by the branch, with a GitHub deployment and no PR comment; the next push updates it', async () => {
    const branch = 'feature/login';
    const key = branchKey(branch);
    const first = await runForBranch(
      world(),
      CREATE,
      branch,
      createInputs(world(), { host: '{branch}.review.example.com' }),
    );
    expect(first.errors).toEqual([]);
    expect(first.outputs).toMatchObject({ url: 'https://feature-login.review.example.com', created: 'true' });
    expect(first.summary).toContain('### Preview of branch feature/login created');

    const env = await taggedFor(world(), branch);
    expect(env.services.map((s) => s.name)).toEqual([`shop-${key.id}`]);
    expect(env.targetGroups.map((g) => g.TargetGroupName)).toEqual([`shop-${key.id}`]);
    expect(env.rules).toHaveLength(1);
    expect(env.rules[0]!.Conditions?.[0]?.HostHeaderConfig?.Values).toEqual([
      'feature-login.review.example.com',
    ]);
    expect(env.taskDefinitions).toHaveLength(1);
    const { taskDefinition, tags } = await world().clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: env.taskDefinitions[0], include: ['TAGS'] }),
    );
    expect(tags).toEqual(expect.arrayContaining([{ key: 'ecs-actions:branch', value: branch }]));
    expect(tags?.some((t) => t.key === 'ecs-actions:pr')).toBe(false);
    const web = taskDefinition?.containerDefinitions?.find((c) => c.name === world().sandbox.containerName);
    expect(web?.environment).toEqual(
      expect.arrayContaining([
        { name: 'PREVIEW_KEY', value: key.id },
        { name: 'PREVIEW_BRANCH', value: branch },
      ]),
    );

    const deployment = world()
      .gh.state.deployments()
      .find((d) => d.task === `preview:${key.id}`);
    expect(deployment).toMatchObject({ environment: 'preview', sha: branchSha(branch) });
    expect(deployment!.payload).toMatchObject({ branch });
    expect(deployment!.statuses.at(-1)).toMatchObject({
      state: 'success',
      environmentUrl: 'https://feature-login.review.example.com',
    });

    const second = await runForBranch(
      world(),
      CREATE,
      branch,
      createInputs(world(), {
        host: '{branch}.review.example.com',
        image: `${createInputs(world()).image}-2`,
      }),
      { version: 2 },
    );
    expect(second.errors).toEqual([]);
    expect(second.outputs.created).toBe('false');
    const after = await taggedFor(world(), branch);
    expect(after.services).toHaveLength(1);
    expect(after.services[0]!.taskDefinition).toBe(second.outputs['task-definition-arn']);
    expect(after.targetGroups).toHaveLength(1);
    expect(after.rules).toHaveLength(1);

    // The delete event's run removes everything the branch's tags name, and retires its deployment.
    const destroyed = await runForBranch(
      world(),
      DESTROY,
      branch,
      { cluster: world().sandbox.clusterName },
      {
        event: 'delete',
      },
    );
    expect(destroyed.errors).toEqual([]);
    expect(destroyed.summary).toContain('### Preview of branch feature/login destroyed');
    expect(await taggedFor(world(), branch)).toMatchObject({ services: [], targetGroups: [], rules: [] });
    const retired = world()
      .gh.state.deployments()
      .filter((d) => d.task === `preview:${key.id}`)
      .map((d) => world().gh.state.deploymentState(d));
    expect(retired.every((s) => s === 'inactive')).toBe(true);
  });

  it('a PR preview and a branch preview of the same branch are two environments; {pr} on a branch is refused before any change', async () => {
    const branch = 'feature/pr-31';
    const pr = await runForPr(world(), CREATE, 31, createInputs(world(), KEY_HOST));
    expect(pr.outputs.url).toBe('https://pr-31.review.example.com');
    const pushed = await runForBranch(world(), CREATE, branch, createInputs(world(), KEY_HOST));
    expect(pushed.errors).toEqual([]);
    expect(pushed.outputs.url).toBe(`https://${branchKey(branch).id}.review.example.com`);
    expect((await taggedFor(world(), 31)).services).toHaveLength(1);
    expect((await taggedFor(world(), branch)).services).toHaveLength(1);

    // A branch named `pr-31` with `{branch}` would take PR 31's host: refused, naming the rule, and nothing made.
    const clash = await runForBranch(
      world(),
      CREATE,
      'pr-31',
      createInputs(world(), { host: '{branch}.review.example.com' }),
    );
    expect(clash.exitCode).toBe(1);
    expect(clash.errors.join('\n')).toMatch(
      /Host 'pr-31\.review\.example\.com' is already routed by another rule of the listener/,
    );
    expect(await taggedFor(world(), 'pr-31')).toMatchObject({ services: [], targetGroups: [], rules: [] });
    const wrong = await runForBranch(world(), CREATE, 'feature/third', createInputs(world()));
    expect(wrong.exitCode).toBe(1);
    expect(wrong.errors.join('\n')).toMatch(/uses \{pr\}, but this is the preview of branch feature\/third/);
    expect((await taggedFor(world(), 'feature/third')).services).toEqual([]);
  });

  it('two pushes of one branch at once end with one service, one target group and one rule', async () => {
    const branch = 'release/2026.12';
    const runs = await Promise.all([
      runForBranch(world(), CREATE, branch, createInputs(world(), KEY_HOST)),
      runForBranch(world(), CREATE, branch, createInputs(world(), KEY_HOST)),
    ]);
    expect(runs.map((r) => r.errors)).toEqual([[], []]);
    const env = await taggedFor(world(), branch);
    expect(env.services).toHaveLength(1);
    expect(env.targetGroups).toHaveLength(1);
    expect(env.rules).toHaveLength(1);
  });

  it('look-alike and long branches get their own resources within AWS name limits', async () => {
    const long = `renovate/${'very-long-dependency-name-'.repeat(4)}1.2.3`;
    for (const branch of ['fix/a', 'fix-a', long]) {
      const run = await runForBranch(world(), CREATE, branch, createInputs(world(), KEY_HOST));
      expect(run.errors).toEqual([]);
    }
    const groups = await Promise.all(['fix/a', 'fix-a', long].map((b) => taggedFor(world(), b)));
    const names = groups.map((g) => g.targetGroups.map((t) => t.TargetGroupName!));
    expect(names.every((n) => n.length === 1 && n[0]!.length <= 32)).toBe(true);
    expect(new Set(names.flat()).size).toBe(3);
  });

  it('the sweep removes the previews of deleted branches, keeps those of existing ones, and says why', async () => {
    for (const branch of ['sweep/kept', 'sweep/gone']) {
      const run = await runForBranch(world(), CREATE, branch, createInputs(world(), KEY_HOST));
      expect(run.errors).toEqual([]);
    }
    world().gh.state.deleteRef('sweep/gone');
    const swept = await sweep();
    expect(swept.errors).toEqual([]);
    const deleted = JSON.parse(swept.outputs.deleted ?? '[]') as {
      branch?: string;
      key: string;
      reason: string;
    }[];
    expect(deleted.filter((d) => d.branch?.startsWith('sweep/'))).toEqual([
      expect.objectContaining({
        branch: 'sweep/gone',
        key: branchKey('sweep/gone').id,
        reason: 'branch-deleted',
      }),
    ]);
    const kept = JSON.parse(swept.outputs.kept ?? '[]') as { branch?: string; detail: string }[];
    expect(kept.find((k) => k.branch === 'sweep/kept')?.detail).toMatch(/branch exists/);
    expect(swept.summary).toMatch(
      /\| `sweep\/gone` \| branch deleted \| branch sweep\/gone no longer exists \|/,
    );
    expect((await taggedFor(world(), 'sweep/gone')).services).toEqual([]);
    expect((await taggedFor(world(), 'sweep/kept')).services).toHaveLength(1);
  });
});
