import { join } from 'node:path';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { branchKey, keyOfTags, prKey, sameKey } from '@ecs-actions/kit';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createClients } from '../harness/aws/clients.js';
import { type Moto, startMoto } from '../harness/aws/moto.js';
import { type FaultProxy, startFaultProxy } from '../harness/aws/proxy.js';
import { createSandbox, type Sandbox } from '../harness/aws/sandbox.js';
import { type GitHubFake, startGitHubServer } from '../harness/github/server.js';
import { callsOutsidePolicies, policyForRepository } from '../harness/iam.js';
import {
  type ActionRun,
  builtAction,
  deleteEvent,
  pullRequestEvent,
  pushEvent,
  repoRoot,
  runAction,
  type StepResult,
} from '../harness/runner.js';

export const REPOSITORY = 'octo-org/shop';
export const TOKEN = 'ghs_preview_test';
export const CREATE = join(repoRoot, 'actions', 'preview-create');
export const DESTROY = join(repoRoot, 'actions', 'preview-destroy');
export const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1111111';

/** moto (services report their tasks running), the counting proxy, the GitHub fake and one sandbox. */
export interface PreviewWorld {
  moto: Moto;
  proxy: FaultProxy;
  gh: GitHubFake;
  sandbox: Sandbox;
  clients: ReturnType<typeof createClients>;
  stop(): Promise<void>;
}

export async function startWorld(options: { running?: boolean } = {}): Promise<PreviewWorld> {
  for (const action of ['preview-create', 'preview-destroy']) builtAction(action);
  const [moto, gh] = await Promise.all([
    startMoto(options.running === false ? {} : { env: { MOTO_ECS_SERVICE_RUNNING: '1' } }),
    startGitHubServer({ owner: 'octo-org', repo: 'shop', token: TOKEN }),
  ]);
  const proxy = await startFaultProxy(moto.endpoint);
  // Every call of an action is decided against its published policy as this repository's role has it,
  // tag conditions included: what the bundles do must be allowed for their own repository's resources.
  proxy.enforceIam((action) => policyForRepository(action, REPOSITORY));
  const sandbox = await createSandbox(moto.endpoint, { name: 'previews' });
  const clients = createClients(moto.endpoint, sandbox.region);
  return {
    moto,
    proxy,
    gh,
    sandbox,
    clients,
    async stop() {
      // Every call the bundles made in this world must be allowed by their published IAM policy; the
      // check runs after everything is stopped, so a failing check never leaves a moto behind.
      let missing: string[] = [];
      let checkError: unknown;
      try {
        missing = callsOutsidePolicies(proxy.history);
      } catch (error) {
        checkError = error;
      }
      clients.destroy();
      await proxy.stop();
      await moto.stop();
      await gh.close();
      if (checkError) throw checkError;
      if (missing.length > 0)
        throw new Error(`AWS calls not allowed by the actions' iam-policy.json:\n${missing.join('\n')}`);
    },
  };
}

/**
 * One world per test file: started before its tests, stopped after them (which also checks every AWS
 * call against the actions' IAM policies); after each test, faults are cleared and the GitHub fake must
 * have seen no request or response outside GitHub's OpenAPI description.
 */
export function usePreviewWorld(options: { running?: boolean } = {}): () => PreviewWorld {
  let world: PreviewWorld | undefined;
  beforeAll(async () => {
    world = await startWorld(options);
  });
  afterAll(() => world?.stop());
  afterEach(() => {
    world?.proxy.clearFaults();
    world?.gh.assertNoViolations();
  });
  return () => {
    if (!world) throw new Error('the preview world has not started');
    return world;
  };
}

/** A stable fake head SHA per PR, known to the GitHub fake and sent in the event. */
export function headSha(pr: number, version = 1): string {
  return `${pr.toString(16).padStart(4, '0')}${version.toString(16).padStart(4, '0')}`.padEnd(40, 'c');
}

export function awsEnv(world: PreviewWorld): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: world.proxy.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: world.sandbox.region,
  };
}

/** Runs an action for a PR the way a `pull_request` workflow would. */
export function runForPr(
  world: PreviewWorld,
  action: string,
  pr: number,
  inputs: Record<string, string>,
  extra: Partial<ActionRun> = {},
): Promise<StepResult> {
  if (!world.gh.state.pullRequest(pr)) {
    world.gh.state.addPullRequest({ number: pr, headRef: `feature/pr-${pr}`, headSha: headSha(pr) });
  }
  return runAction({
    action,
    inputs,
    env: awsEnv(world),
    token: TOKEN,
    apiUrl: world.gh.url,
    repository: REPOSITORY,
    event: pullRequestEvent({
      number: pr,
      repository: REPOSITORY,
      headSha: headSha(pr),
      headRef: `feature/pr-${pr}`,
    }),
    ...extra,
  });
}

/** A stable fake commit per branch and version. */
export function branchSha(branch: string, version = 1): string {
  return `${Buffer.from(branch).toString('hex').slice(0, 32)}${version.toString(16).padStart(8, '0')}`.padEnd(
    40,
    'd',
  );
}

/**
 * Runs an action for a branch the way a `push` workflow would (the branch then exists in the GitHub fake at
 * `branchSha(branch, version)`), or a `delete` workflow (the branch is gone first, as GitHub sends it).
 */
export function runForBranch(
  world: PreviewWorld,
  action: string,
  branch: string,
  inputs: Record<string, string>,
  options: { event?: 'push' | 'delete'; version?: number } = {},
): Promise<StepResult> {
  const base = { action, inputs, token: TOKEN, apiUrl: world.gh.url, repository: REPOSITORY };
  if (options.event === 'delete') {
    world.gh.state.deleteRef(branch);
    return runAction({ ...base, env: awsEnv(world), event: deleteEvent({ branch }) });
  }
  const sha = branchSha(branch, options.version);
  world.gh.state.setRef(branch, sha);
  const push = pushEvent({ branch, sha });
  return runAction({ ...base, env: { ...awsEnv(world), ...push.env }, event: push.event });
}

/** preview-create's inputs for an OIDC login at a made-up provider (no request ever reaches it). */
export function oidcInputs(secret: string): Record<string, string> {
  return {
    auth: 'oidc',
    'auth-oidc-issuer': 'https://idp.example.com',
    'auth-oidc-authorization-endpoint': 'https://idp.example.com/authorize',
    'auth-oidc-token-endpoint': 'https://idp.example.com/token',
    'auth-oidc-user-info-endpoint': 'https://idp.example.com/userinfo',
    'auth-oidc-client-id': 'preview-alb',
    'auth-oidc-client-secret': secret,
  };
}

/** The inputs a user's workflow would give preview-create for the sandbox. */
export function createInputs(
  world: PreviewWorld,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    cluster: world.sandbox.clusterName,
    'listener-arn': world.sandbox.httpsListenerArn ?? world.sandbox.httpListenerArn,
    host: 'pr-{pr}.preview.example.com',
    image: IMAGE,
    'template-service': world.sandbox.serviceName,
    'poll-interval': '1s',
    timeout: '30s',
    ...extra,
  };
}

/**
 * Everything in moto that carries the preview's tags (a PR number, or a branch name), of this repository,
 * read straight from AWS.
 */
export async function taggedFor(world: PreviewWorld, pr: number | string, extraListeners: string[] = []) {
  const { ecs, elbv2 } = world.clients;
  const want = typeof pr === 'number' ? prKey(pr) : branchKey(pr);
  const isPr = (tags: Record<string, string>) => {
    const key = keyOfTags(tags);
    return key !== undefined && sameKey(key, want) && tags['ecs-actions:repository'] === REPOSITORY;
  };
  const services: { name: string; status: string; taskDefinition: string }[] = [];
  const { serviceArns = [] } = await ecs.send(
    new ListServicesCommand({ cluster: world.sandbox.clusterName }),
  );
  for (let i = 0; i < serviceArns.length; i += 10) {
    const { services: described = [] } = await ecs.send(
      new DescribeServicesCommand({
        cluster: world.sandbox.clusterName,
        services: serviceArns.slice(i, i + 10),
        include: ['TAGS'],
      }),
    );
    for (const s of described) {
      const tags = Object.fromEntries((s.tags ?? []).map((t) => [t.key, t.value]));
      if (isPr(tags) && s.status !== 'INACTIVE')
        services.push({ name: s.serviceName!, status: s.status!, taskDefinition: s.taskDefinition! });
    }
  }
  const { TargetGroups = [] } = await elbv2.send(new DescribeTargetGroupsCommand({}));
  const rules = [];
  const listeners = new Set(
    [world.sandbox.httpListenerArn, world.sandbox.httpsListenerArn, ...extraListeners].filter(
      Boolean,
    ) as string[],
  );
  for (const listener of listeners) {
    let Marker: string | undefined;
    do {
      const page = await elbv2.send(
        new DescribeRulesCommand({ ListenerArn: listener, Marker, PageSize: 400 }),
      );
      rules.push(...(page.Rules ?? []).filter((r) => !r.IsDefault));
      Marker = page.NextMarker;
    } while (Marker);
  }
  const arns = [...TargetGroups.map((g) => g.TargetGroupArn!), ...rules.map((r) => r.RuleArn!)];
  const tagsOf = new Map<string, Record<string, string>>();
  for (let i = 0; i < arns.length; i += 20) {
    const { TagDescriptions = [] } = await elbv2.send(
      new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }),
    );
    for (const d of TagDescriptions)
      tagsOf.set(d.ResourceArn!, Object.fromEntries((d.Tags ?? []).map((t) => [t.Key, t.Value])));
  }
  const taskDefinitions: string[] = [];
  const { taskDefinitionArns = [] } = await ecs.send(new ListTaskDefinitionsCommand({ status: 'ACTIVE' }));
  for (const arn of taskDefinitionArns) {
    const { tags = [] } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }),
    );
    if (isPr(Object.fromEntries(tags.map((t) => [t.key, t.value])))) taskDefinitions.push(arn);
  }
  return {
    services,
    targetGroups: TargetGroups.filter((g) => isPr(tagsOf.get(g.TargetGroupArn!) ?? {})),
    rules: rules.filter((r) => isPr(tagsOf.get(r.RuleArn!) ?? {})),
    taskDefinitions,
  };
}

/** Total AWS calls, and mutating ones, the proxy saw since the last reset. */
export function callTotals(world: PreviewWorld): { total: number; mutating: string[] } {
  const calls = world.proxy.calls;
  return {
    total: calls.length,
    mutating: calls
      .filter((c) =>
        /^(Create|Delete|Modify|Register|Deregister|Update|Tag|Put|Set|Add|Remove)/.test(c.operation),
      )
      .map((c) => c.operation),
  };
}
