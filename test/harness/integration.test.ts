import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Moto, startMoto } from './aws/moto.js';
import { type FaultProxy, startFaultProxy } from './aws/proxy.js';
import { createSandbox, type Sandbox } from './aws/sandbox.js';
import { buildProbe } from './fixtures.js';
import { type GitHubFake, startGitHubServer } from './github/server.js';
import { pullRequestEvent, runAction } from './runner.js';

// The harness's parts together: a built bundle run as the runner runs it, its AWS SDK pointed at moto
// through AWS_ENDPOINT_URL alone (as the SDK does natively), its Octokit at the GitHub fake through
// GITHUB_API_URL, with the fault proxy counting calls in between.
let moto: Moto;
let proxy: FaultProxy;
let gh: GitHubFake;
let sandbox: Sandbox;
let probe: string;

beforeAll(async () => {
  [moto, gh, probe] = await Promise.all([
    startMoto(),
    startGitHubServer({ owner: 'octo-org', repo: 'shop', token: 'ghs_test' }),
    buildProbe(),
  ]);
  proxy = await startFaultProxy(moto.endpoint);
  sandbox = await createSandbox(moto.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
  await gh?.close();
});
afterEach(() => {
  proxy.clearFaults();
  proxy.resetCounts();
  gh.assertNoViolations();
});

const awsEnv = () => ({
  AWS_ENDPOINT_URL: proxy.endpoint,
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: sandbox.region,
});

describe('a bundle against moto and the GitHub fake', () => {
  it('reaches moto through AWS_ENDPOINT_URL and GitHub through GITHUB_API_URL', async () => {
    gh.state.addPullRequest({ number: 12, title: 'Add checkout page', headRef: 'feature/checkout' });
    const result = await runAction({
      action: probe,
      inputs: { cluster: sandbox.clusterName, 'read-pr': 'true' },
      env: awsEnv(),
      token: 'ghs_test',
      apiUrl: gh.url,
      repository: 'octo-org/shop',
      event: pullRequestEvent({ number: 12, repository: 'octo-org/shop' }),
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs['cluster-status']).toBe('ACTIVE');
    expect(result.outputs['pr-title']).toBe('Add checkout page');
    expect(proxy.counts()).toEqual({ 'ecs:DescribeClusters': 1 });
    expect(gh.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /repos/octo-org/shop/pulls/12 200',
    ]);
  });

  it('an injected throttle reaches the SDK inside the bundle, which retries (adaptive) and succeeds', async () => {
    proxy.inject({ operation: 'ecs:DescribeClusters', fault: 'throttle' });
    const result = await runAction({
      action: probe,
      inputs: { cluster: sandbox.clusterName },
      env: awsEnv(),
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['cluster-status']).toBe('ACTIVE');
    expect(proxy.calls.filter((c) => c.operation === 'DescribeClusters').map((c) => c.injected)).toEqual([
      true,
      false,
    ]);
  });

  it('a GitHub server error is retried by the Octokit factory; a 404 is not', async () => {
    gh.state.addPullRequest({ number: 13 });
    gh.injectFailure({ method: 'GET', path: '/repos/octo-org/shop/pulls/13', status: 502, times: 1 });
    const ok = await runAction({
      action: probe,
      inputs: { cluster: 'c', 'read-pr': 'true' },
      token: 'ghs_test',
      apiUrl: gh.url,
      repository: 'octo-org/shop',
      event: pullRequestEvent({ number: 13, repository: 'octo-org/shop' }),
    });
    expect(ok.errors).toEqual([]);
    expect(gh.requests.filter((r) => r.path.endsWith('/pulls/13')).map((r) => r.status)).toEqual([502, 200]);

    const missing = await runAction({
      action: probe,
      inputs: { cluster: 'c', 'read-pr': 'true' },
      token: 'ghs_test',
      apiUrl: gh.url,
      repository: 'octo-org/shop',
      event: pullRequestEvent({ number: 999, repository: 'octo-org/shop' }),
    });
    expect(missing.exitCode).toBe(1);
    expect(gh.requests.filter((r) => r.path.endsWith('/pulls/999'))).toHaveLength(1);
  });
});
