// Previews behind a login (issue: previews behind a login): the preview's rule gets an authenticate-oidc or
// authenticate-cognito action in front of its forward, through the preview-create bundle against moto
// behind the realism layer (which refuses authenticate actions on HTTP listeners, keeps OIDC secrets
// write-only and resets the app-client fields an UpdateUserPoolClient leaves out, as AWS does).

import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  type Action,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { awsClientConfig, createClients } from '../harness/aws/clients.js';
import { freshAlb } from '../harness/aws/starting-points.js';
import { repoRoot, runAction } from '../harness/runner.js';
import {
  awsEnv,
  CREATE,
  callTotals,
  createInputs,
  DESTROY,
  oidcInputs,
  type PreviewWorld,
  REPOSITORY,
  runForPr,
  TOKEN,
  taggedFor,
  usePreviewWorld,
} from './preview-env.js';

const world = usePreviewWorld();

const SECRET = 'oidc-client-secret-Zq7xW2pLk9';
const ROTATED = 'oidc-client-secret-rotated-Mv4nT8';

const OIDC = oidcInputs(SECRET);

/** The rule as AWS returns it: read through the proxy, which keeps OIDC secrets write-only as AWS does. */
async function ruleOf(w: PreviewWorld, ruleArn: string) {
  const viaProxy = createClients(w.proxy.endpoint, w.sandbox.region);
  const { Rules = [] } = await viaProxy.elbv2.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
  viaProxy.destroy();
  return Rules[0]!;
}

function ordered(actions: Action[] | undefined): Action[] {
  return [...(actions ?? [])].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0));
}

/** Every text a run leaves behind that a user, a log reader or another tool could see. */
function visibleText(runs: Awaited<ReturnType<typeof runForPr>>[]): string {
  return runs
    .map((r) =>
      [
        // The runner consumes `::add-mask::` itself; every other line is what the log would show.
        r.stdout
          .split('\n')
          .filter((l) => !l.startsWith('::add-mask::'))
          .join('\n'),
        r.stderr,
        JSON.stringify(r.outputs),
        JSON.stringify(r.state),
        r.summary,
        r.errors.join('\n'),
      ].join('\n'),
    )
    .join('\n');
}

describe('preview-create with an OIDC login', () => {
  it('puts the login in front of the forward, converges on → change → rotate → off → on, and never shows the secret', async () => {
    const w = world();
    const { listenerArn } = await freshAlb(w.moto.endpoint, w.sandbox);
    const pr = 301;
    const base = createInputs(w, { 'listener-arn': listenerArn });
    const runs = [];

    const first = await runForPr(w, CREATE, pr, { ...base, ...OIDC, 'auth-extra-params': 'hd=example.com' });
    runs.push(first);
    expect(first.errors).toEqual([]);
    expect(first.stdout).toContain(`::add-mask::${SECRET}`);
    const ruleArn = first.outputs['rule-arn']!;
    let rule = await ruleOf(w, ruleArn);
    const [authenticate, forward] = ordered(rule.Actions);
    expect(authenticate?.Type).toBe('authenticate-oidc');
    expect(authenticate?.AuthenticateOidcConfig).toMatchObject({
      Issuer: 'https://idp.example.com',
      ClientId: 'preview-alb',
      Scope: 'openid',
      SessionCookieName: 'AWSELBAuthSessionCookie',
      SessionTimeout: 604800,
      OnUnauthenticatedRequest: 'authenticate',
      AuthenticationRequestExtraParams: { hd: 'example.com' },
    });
    expect(authenticate?.AuthenticateOidcConfig?.ClientSecret).toBeUndefined(); // AWS never returns it
    expect(forward).toMatchObject({ Type: 'forward', TargetGroupArn: first.outputs['target-group-arn'] });
    expect(w.proxy.oidcSecretOf(ruleArn)).toBe(SECRET);
    expect(first.summary).toContain('OIDC login (idp.example.com, authenticate)');

    // Unchanged: no write at all.
    w.proxy.resetCounts();
    const again = await runForPr(w, CREATE, pr, { ...base, ...OIDC, 'auth-extra-params': 'hd=example.com' });
    runs.push(again);
    expect(again.errors).toEqual([]);
    expect(callTotals(w).mutating.filter((op) => op !== 'TagResource' && op !== 'AddTags')).toEqual([]);
    expect(again.summary).toContain('nothing: the preview was already up to date');

    // A changed setting: the rule is modified in place and the secret AWS holds is kept.
    const changed = await runForPr(w, CREATE, pr, {
      ...base,
      ...OIDC,
      'auth-scope': 'openid email',
      'auth-session-timeout': '8h',
    });
    runs.push(changed);
    expect(changed.errors).toEqual([]);
    expect(changed.summary).toContain("changed the rule's login");
    rule = await ruleOf(w, ruleArn);
    expect(ordered(rule.Actions)[0]?.AuthenticateOidcConfig).toMatchObject({
      Scope: 'openid email',
      SessionTimeout: 28800,
    });
    expect(ordered(rule.Actions)[0]?.AuthenticateOidcConfig?.AuthenticationRequestExtraParams ?? {}).toEqual(
      {},
    );
    expect(w.proxy.oidcSecretOf(ruleArn)).toBe(SECRET);

    // A rotated secret is sent when asked for.
    const rotated = await runForPr(w, CREATE, pr, {
      ...base,
      ...OIDC,
      'auth-scope': 'openid email',
      'auth-session-timeout': '8h',
      'auth-oidc-client-secret': ROTATED,
      'auth-oidc-rotate-secret': 'true',
    });
    runs.push(rotated);
    expect(rotated.errors).toEqual([]);
    expect(rotated.summary).toContain('client secret sent');
    expect(w.proxy.oidcSecretOf(ruleArn)).toBe(ROTATED);

    // Off: only the forward is left, on the same rule.
    const off = await runForPr(w, CREATE, pr, { ...base, auth: 'none' });
    runs.push(off);
    expect(off.errors).toEqual([]);
    expect(off.summary).toContain('turned the login off');
    rule = await ruleOf(w, ruleArn);
    expect(rule.Actions?.map((a) => a.Type)).toEqual(['forward']);
    expect(w.proxy.oidcSecretOf(ruleArn)).toBeUndefined();

    // On again: a new login needs the secret, and gets it.
    const on = await runForPr(w, CREATE, pr, { ...base, ...OIDC });
    runs.push(on);
    expect(on.errors).toEqual([]);
    expect(on.summary).toContain('turned on the OIDC login');
    expect(ordered((await ruleOf(w, ruleArn)).Actions).map((a) => a.Type)).toEqual([
      'authenticate-oidc',
      'forward',
    ]);
    expect(w.proxy.oidcSecretOf(ruleArn)).toBe(SECRET);
    expect((await taggedFor(w, pr, [listenerArn])).rules.map((r) => r.RuleArn)).toEqual([ruleArn]);

    // The secret is nowhere a person or another tool could read it: logs, outputs, summaries, errors,
    // the tags in AWS, the rule as DescribeRules returns it, and every request GitHub received.
    const { TargetGroups = [] } = await w.clients.elbv2.send(new DescribeTargetGroupsCommand({}));
    const { TagDescriptions = [] } = await w.clients.elbv2.send(
      new DescribeTagsCommand({ ResourceArns: [ruleArn, ...TargetGroups.map((g) => g.TargetGroupArn!)] }),
    );
    const seen = [
      visibleText(runs),
      JSON.stringify(TagDescriptions),
      JSON.stringify(await ruleOf(w, ruleArn)),
      JSON.stringify(w.gh.requests),
    ].join('\n');
    for (const secret of [SECRET, ROTATED]) expect(seen).not.toContain(secret);

    const destroyed = await runForPr(w, DESTROY, pr, { cluster: w.sandbox.clusterName });
    expect(destroyed.errors).toEqual([]);
    const left = await taggedFor(w, pr, [listenerArn]);
    expect([left.rules, left.targetGroups, left.services]).toEqual([[], [], []]);
  }, 180_000);

  it('refuses a login on an HTTP listener before anything is created', async () => {
    const w = world();
    const pr = 302;
    w.proxy.resetCounts();
    const result = await runForPr(w, CREATE, pr, {
      ...createInputs(w, { 'listener-arn': w.sandbox.httpListenerArn }),
      ...OIDC,
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors.join('\n')).toMatch(/an ALB login needs an HTTPS listener .* is HTTP:80/);
    expect(result.errors.join('\n')).toContain('Nothing was created');
    expect(callTotals(w).mutating).toEqual([]);
    const left = await taggedFor(w, pr);
    expect([left.rules, left.targetGroups, left.services, left.taskDefinitions]).toEqual([[], [], [], []]);
  }, 60_000);

  it('refuses bad login settings before any AWS call, naming the key', async () => {
    const w = world();
    const cases: [Record<string, string>, RegExp][] = [
      [
        { ...OIDC, 'auth-oidc-token-endpoint': '' },
        /Input 'auth-oidc-token-endpoint' is required: with auth: oidc, the token endpoint/,
      ],
      [
        { ...OIDC, 'auth-oidc-issuer': 'http://idp.example.com' },
        /Input 'auth-oidc-issuer'.*must be an https:\/\/ URL/,
      ],
      [
        { ...OIDC, 'auth-oidc-client-secret': '' },
        /Input 'auth-oidc-client-secret' is required with auth: oidc/,
      ],
      [
        {
          auth: 'cognito',
          'auth-cognito-user-pool-arn': 'arn:aws:cognito-idp:us-east-1:123456789012:pool/us-east-1_abc',
          'auth-cognito-client-id': 'abc123',
          'auth-cognito-domain': 'shop-login',
        },
        /Input 'auth-cognito-user-pool-arn'.*is not a Cognito user pool ARN/,
      ],
      [{ auth: 'saml' }, /Input 'auth'.*"saml" is not one of the accepted values/],
      [{ ...OIDC, 'auth-session-timeout': '8d' }, /Input 'auth-session-timeout'.*longer than the maximum/],
    ];
    for (const [settings, message] of cases) {
      w.proxy.resetCounts();
      const result = await runForPr(w, CREATE, 303, { ...createInputs(w), ...settings });
      expect(result.exitCode).toBe(1);
      expect(result.errors.join('\n')).toMatch(message);
      expect(w.proxy.calls).toEqual([]);
    }
  }, 60_000);
});

describe('preview-create with a Cognito login and managed callback URLs', () => {
  it('adds each host to an app client of the pool with room, keeps the clients’ other settings, and destroy frees the slot', async () => {
    const w = world();
    const { listenerArn } = await freshAlb(w.moto.endpoint, w.sandbox);
    const cognito = new CognitoIdentityProviderClient(awsClientConfig(w.moto.endpoint, w.sandbox.region));
    const { UserPool } = await cognito.send(new CreateUserPoolCommand({ PoolName: 'previews' }));
    const poolId = UserPool!.Id!;
    const client = async (name: string, callbacks: string[]) =>
      (
        await cognito.send(
          new CreateUserPoolClientCommand({
            UserPoolId: poolId,
            ClientName: name,
            GenerateSecret: true,
            AllowedOAuthFlows: ['code'],
            AllowedOAuthScopes: ['openid'],
            AllowedOAuthFlowsUserPoolClient: true,
            SupportedIdentityProviders: ['COGNITO'],
            CallbackURLs: callbacks,
            LogoutURLs: ['https://www.example.com/signed-out'],
          }),
        )
      ).UserPoolClient!.ClientId!;
    // The first client of the pool has one slot left; the second is empty.
    const first = await client(
      'previews-1',
      Array.from({ length: 99 }, (_, i) => `https://old-${i}.preview.example.com/oauth2/idpresponse`),
    );
    const second = await client('previews-2', []);
    const read = async (id: string) =>
      (await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: id })))
        .UserPoolClient!;
    const inputs = {
      ...createInputs(w, { 'listener-arn': listenerArn }),
      auth: 'cognito',
      'auth-cognito-user-pool-arn': UserPool!.Arn!,
      'auth-cognito-client-id': `${first}\n${second}`,
      'auth-cognito-domain': 'shop-login',
      'auth-cognito-manage-callback-urls': 'true',
      'auth-on-unauthenticated-request': 'deny',
    };

    const a = await runForPr(w, CREATE, 311, inputs);
    expect(a.errors).toEqual([]);
    const b = await runForPr(w, CREATE, 312, inputs);
    expect(b.errors).toEqual([]);
    const urlOf = (pr: number) => `https://pr-${pr}.preview.example.com/oauth2/idpresponse`;
    expect((await read(first)).CallbackURLs).toContain(urlOf(311));
    expect((await read(first)).CallbackURLs).toHaveLength(100);
    expect((await read(second)).CallbackURLs).toEqual([urlOf(312)]);
    // UpdateUserPoolClient resets what it is not given (the proxy does as AWS does): nothing was lost.
    for (const id of [first, second]) {
      expect(await read(id)).toMatchObject({
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        LogoutURLs: ['https://www.example.com/signed-out'],
        SupportedIdentityProviders: ['COGNITO'],
      });
    }
    const ruleB = await ruleOf(w, b.outputs['rule-arn']!);
    expect(ordered(ruleB.Actions)[0]).toMatchObject({
      Type: 'authenticate-cognito',
      AuthenticateCognitoConfig: {
        UserPoolArn: UserPool!.Arn,
        UserPoolClientId: second,
        UserPoolDomain: 'shop-login',
        OnUnauthenticatedRequest: 'deny',
      },
    });

    // A re-run changes nothing; the pool is now full, so a third preview is refused before any change.
    w.proxy.resetCounts();
    expect((await runForPr(w, CREATE, 311, inputs)).errors).toEqual([]);
    expect(callTotals(w).mutating.filter((op) => op !== 'TagResource' && op !== 'AddTags')).toEqual([]);
    const filler = Array.from({ length: 99 }, (_, i) => `https://fill-${i}.example.com/oauth2/idpresponse`);
    await cognito.send(
      new (await import('@aws-sdk/client-cognito-identity-provider')).UpdateUserPoolClientCommand({
        ...(await read(second)),
        UserPoolId: poolId,
        ClientId: second,
        CallbackURLs: [urlOf(312), ...filler],
      }),
    );
    w.proxy.resetCounts();
    const refused = await runForPr(w, CREATE, 313, inputs);
    expect(refused.exitCode).toBe(1);
    expect(refused.errors.join('\n')).toMatch(/lists 100 callback URLs, Cognito's limit per client/);
    expect(callTotals(w).mutating).toEqual([]);

    // Destroy removes the host's URL from its client, and only that one.
    const destroyed = await runForPr(w, DESTROY, 311, { cluster: w.sandbox.clusterName });
    expect(destroyed.errors).toEqual([]);
    const after = (await read(first)).CallbackURLs ?? [];
    expect(after).not.toContain(urlOf(311));
    expect(after).toHaveLength(99);
    const left = await taggedFor(w, 311, [listenerArn]);
    expect([left.rules, left.targetGroups, left.services]).toEqual([[], [], []]);
    expect((await read(second)).CallbackURLs).toContain(urlOf(312));

    // The sweep's teardown is the same: PR 312 closed without a cleanup run loses its URL too.
    const pr312 = w.gh.state.pullRequest(312)!;
    pr312.state = 'closed';
    pr312.closedAt = new Date().toISOString();
    const swept = await runAction({
      action: join(repoRoot, 'actions', 'preview-sweep'),
      inputs: { cluster: w.sandbox.clusterName },
      env: awsEnv(w),
      token: TOKEN,
      apiUrl: w.gh.url,
      repository: REPOSITORY,
      event: { name: 'schedule', payload: { schedule: '17 3 * * *' } },
    });
    expect(swept.errors).toEqual([]);
    expect(JSON.parse(swept.outputs.deleted ?? '[]').map((d: { pr: number }) => d.pr)).toEqual([312]);
    expect((await read(second)).CallbackURLs).toEqual(filler);
    cognito.destroy();
  }, 180_000);
});
