// Repositories that cannot touch each other's previews (issue: previews behind a login …, part 3). Every
// call of a bundle goes through the proxy's IAM enforcement: the action's published policy as one
// repository's role has it (the example repository replaced by that repository), tag conditions
// included. Repository A's previews are made by A's role; B's role is then refused on each of them.
import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  TagResourceCommand,
} from '@aws-sdk/client-ecs';
import {
  AddTagsCommand,
  CreateRuleCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../harness/aws/clients.js';
import { policyForRepository } from '../harness/iam.js';
import { pullRequestEvent } from '../harness/runner.js';
import {
  CREATE,
  createInputs,
  DESTROY,
  headSha,
  REPOSITORY,
  runForPr,
  taggedFor,
  usePreviewWorld,
} from './preview-env.js';

const world = usePreviewWorld();
const OTHER = 'octo-org/billing';

describe("a repository's role and another repository's previews", () => {
  it("B's role is refused on every one of A's preview resources; B's own preview works; A's stays whole", async () => {
    const w = world();
    const created = await runForPr(w, CREATE, 401, createInputs(w));
    expect(created.errors).toEqual([]);
    const ruleArn = created.outputs['rule-arn']!;
    const groupArn = created.outputs['target-group-arn']!;
    const serviceArn = created.outputs['service-arn']!;

    // From here on, the calls are B's: its role has the same policies, written for B.
    w.proxy.enforceIam((action) => policyForRepository(action, OTHER));
    const asB = (action: string) => ({
      ...awsClientConfig(w.proxy.endpoint, w.sandbox.region),
      customUserAgent: `ecs-actions/${action}`,
      maxAttempts: 1,
    });
    const elb = new ElasticLoadBalancingV2Client(asB('preview-destroy'));
    const elbCreate = new ElasticLoadBalancingV2Client(asB('preview-create'));
    const ecs = new ECSClient(asB('preview-destroy'));
    const ecsCreate = new ECSClient(asB('preview-create'));
    const refused = async (what: string, send: () => Promise<unknown>) => {
      const error = await send().then(
        () => undefined,
        (e: Error & { name?: string }) => e,
      );
      expect(error?.name, `${what} should be refused`).toMatch(/^AccessDenied/);
    };
    const before = w.proxy.iamDenials.length;
    await refused('DeleteRule on A’s rule', () => elb.send(new DeleteRuleCommand({ RuleArn: ruleArn })));
    await refused('DeleteTargetGroup on A’s group', () =>
      elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: groupArn })),
    );
    await refused('ModifyRule on A’s rule', () =>
      elbCreate.send(
        new ModifyRuleCommand({
          RuleArn: ruleArn,
          Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['stolen.example.com'] } }],
        }),
      ),
    );
    await refused('DeleteService on A’s service', () =>
      ecs.send(
        new DeleteServiceCommand({ cluster: w.sandbox.clusterName, service: serviceArn, force: true }),
      ),
    );
    // Taking a resource over by re-tagging it, or creating resources in A's name, is refused too.
    await refused('TagResource of A’s service with B’s name', () =>
      ecsCreate.send(
        new TagResourceCommand({
          resourceArn: serviceArn,
          tags: [{ key: 'ecs-actions:repository', value: OTHER }],
        }),
      ),
    );
    await refused('AddTags on A’s target group with B’s name', () =>
      elbCreate.send(
        new AddTagsCommand({
          ResourceArns: [groupArn],
          Tags: [{ Key: 'ecs-actions:repository', Value: OTHER }],
        }),
      ),
    );
    await refused('CreateRule tagged as A’s', () =>
      elbCreate.send(
        new CreateRuleCommand({
          ListenerArn: w.sandbox.httpsListenerArn!,
          Priority: 44_001,
          Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['impostor.example.com'] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: groupArn }],
          Tags: [
            { Key: 'ecs-actions:managed-by', Value: 'ecs-actions' },
            { Key: 'ecs-actions:repository', Value: REPOSITORY },
          ],
        }),
      ),
    );
    expect(w.proxy.iamDenials.length - before).toBe(7);

    // B's own preview, made by B's role through the bundle, is allowed from start to end.
    const ownPr = 402;
    const bRun = (action: string, inputs: Record<string, string>) =>
      runForPr(w, action, ownPr, inputs, {
        repository: OTHER,
        event: pullRequestEvent({
          number: ownPr,
          repository: OTHER,
          headSha: headSha(ownPr),
          headRef: `feature/pr-${ownPr}`,
        }),
      });
    const own = await bRun(CREATE, {
      ...createInputs(w, { 'name-prefix': 'billing', host: 'pr-{pr}.billing.example.com' }),
      'github-deployments': 'false',
    });
    expect(own.errors).toEqual([]);
    const ownDestroyed = await bRun(DESTROY, {
      cluster: w.sandbox.clusterName,
      'name-prefix': 'billing',
      'github-deployments': 'false',
    });
    expect(ownDestroyed.errors).toEqual([]);

    // A's preview is whole: its service, group and rule with A's tags.
    const left = await taggedFor(w, 401);
    expect(left.rules.map((r) => r.RuleArn)).toEqual([ruleArn]);
    expect(left.rules[0]?.Conditions?.[0]?.HostHeaderConfig?.Values).toEqual(['pr-401.preview.example.com']);
    expect(left.targetGroups.map((g) => g.TargetGroupArn)).toEqual([groupArn]);
    const { services = [] } = await w.clients.ecs.send(
      new DescribeServicesCommand({
        cluster: w.sandbox.clusterName,
        services: [serviceArn],
        include: ['TAGS'],
      }),
    );
    expect(services[0]?.status).toBe('ACTIVE');
    expect(services[0]?.tags).toContainEqual({ key: 'ecs-actions:repository', value: REPOSITORY });

    // And A's role still may: its destroy removes everything.
    w.proxy.enforceIam((action) => policyForRepository(action, REPOSITORY));
    const destroyed = await runForPr(w, DESTROY, 401, { cluster: w.sandbox.clusterName });
    expect(destroyed.errors).toEqual([]);
    const gone = await taggedFor(w, 401);
    expect([gone.rules, gone.targetGroups, gone.services]).toEqual([[], [], []]);
    for (const client of [elb, elbCreate, ecs, ecsCreate]) client.destroy();
  }, 120_000);
});
