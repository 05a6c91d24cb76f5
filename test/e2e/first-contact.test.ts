// Regression tests for the defects a first-time user met (issue: first contact), each through the built
// bundle the way the runner runs it. The fresh-ALB crash is case 1 of preview-matrix.test.ts; the CodeDeploy
// "not started yet" poll is in every deploy.test.ts case (the simulator passes through Queued first).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pullRequestEvent, repoRoot, runAction } from '../harness/runner.js';
import {
  awsEnv,
  CREATE,
  callTotals,
  createInputs,
  DESTROY,
  REPOSITORY,
  runForPr,
  TOKEN,
  taggedFor,
  usePreviewWorld,
} from './preview-env.js';

const world = usePreviewWorld();
const DEPLOY = join(repoRoot, 'actions', 'deploy');
const workspace = join(repoRoot, '.vitest-tmp', `first-contact-${process.pid}`);
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe('defects found on first contact, through the bundles', () => {
  it('host pr-{pr}-{branch} with PR 987654 and a 150-character branch: one label of ≤ 63 characters, stable', async () => {
    const w = world();
    const pr = 987654;
    const branch = `feature/${'a-very-long-branch-name-'.repeat(6)}with-more`; // > 150 characters
    expect(branch.length).toBeGreaterThan(150);
    w.gh.state.addPullRequest({ number: pr, headRef: branch, headSha: 'a'.repeat(40) });
    const run = () =>
      runAction({
        action: CREATE,
        inputs: createInputs(w, { host: 'pr-{pr}-{branch}.preview.example.com' }),
        env: awsEnv(w),
        token: TOKEN,
        apiUrl: w.gh.url,
        repository: REPOSITORY,
        event: pullRequestEvent({
          number: pr,
          repository: REPOSITORY,
          headRef: branch,
          headSha: 'a'.repeat(40),
        }),
      });
    const first = await run();
    expect(first.errors).toEqual([]);
    const host = new URL(first.outputs.url!).host;
    const [label] = host.split('.');
    expect(label!.length).toBeLessThanOrEqual(63);
    expect(label).toMatch(/^pr-987654-feature-a-very-long-branch-name-.*-[0-9a-f]{6}$/);
    const env = await taggedFor(w, pr);
    expect(env.rules[0]?.Conditions?.[0]?.HostHeaderConfig?.Values).toEqual([host]);
    expect(new URL((await run()).outputs.url!).host).toBe(host);
    await runForPr(w, DESTROY, pr, { cluster: w.sandbox.clusterName });
  });

  it("deploy refuses an image with a space before any AWS call, naming 'image' (was: a broken revision, then 'a bug')", async () => {
    const w = world();
    w.proxy.resetCounts();
    const result = await runAction({
      action: DEPLOY,
      inputs: {
        cluster: w.sandbox.clusterName,
        service: w.sandbox.serviceName,
        image: 'public.ecr.aws/acme/web: v2',
      },
      env: awsEnv(w),
      repository: REPOSITORY,
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors.join('\n')).toMatch(
      /^Input 'image': "public.ecr.aws\/acme\/web: v2" is not an image reference/,
    );
    expect(result.errors.join('\n')).not.toMatch(/a bug in ecs-actions/);
    expect(callTotals(w).total).toBe(0);
  });

  it('an environments file with an unclosed quote on line 9 is reported at line 9, as an annotation on the file', async () => {
    const w = world();
    mkdirSync(join(workspace, '.github'), { recursive: true });
    const lines = [
      'defaults:',
      '  region: us-east-1',
      `  cluster: ${w.sandbox.clusterName}`,
      'environments:',
      '  preview:',
      `    template-service: ${w.sandbox.serviceName}`,
      '    host: pr-{pr}.preview.example.com',
      '  staging:',
      '    cluster: "stg',
      '  production:',
      '    cluster: prod',
      '',
    ];
    writeFileSync(join(workspace, '.github', 'ecs-environments.yml'), lines.join('\n'));
    w.proxy.resetCounts();
    const result = await runForPr(
      w,
      CREATE,
      990,
      { environment: 'preview', image: createInputs(w).image!, 'listener-arn': w.sandbox.httpsListenerArn! },
      { workspace },
    );
    expect(result.exitCode).toBe(1);
    const annotation = result.annotations.find((a) => a.level === 'error' && a.properties.file);
    expect(annotation?.properties).toMatchObject({ file: '.github/ecs-environments.yml', line: '9' });
    expect(annotation?.message).toMatch(/never closed/);
    expect(callTotals(w).total).toBe(0);
  });
});

describe('bug reports point at our code', () => {
  it('an unexpected error shows the TypeScript source and line in the debug log (source maps in the bundle)', async () => {
    const w = world();
    const fault = w.proxy.inject({ operation: 'elasticloadbalancing:CreateTargetGroup', fault: 'empty' });
    const result = await runForPr(w, CREATE, 991, createInputs(w), {
      env: { ...awsEnv(w), RUNNER_DEBUG: '1' },
    });
    fault.remove();
    expect(result.exitCode).toBe(1);
    expect(result.errors.join('\n')).toMatch(/Unexpected error \(a bug in ecs-actions/);
    const debug = result.stdout.split('\n').filter((l) => l.startsWith('::debug::'));
    expect(debug.join('\n')).toMatch(/actions\/preview-create\/src\/run\.ts:\d+:\d+/);
    expect(debug.join('\n')).not.toMatch(/dist\/\d+\.index\.js:\d+:\d{4,}/);
    // Nothing is lost: the re-run converges and destroy removes all.
    expect((await runForPr(w, CREATE, 991, createInputs(w))).exitCode).toBe(0);
    await runForPr(w, DESTROY, 991, { cluster: w.sandbox.clusterName });
    expect((await taggedFor(w, 991)).services).toEqual([]);
  });
});
