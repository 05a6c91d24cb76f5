// A runner nobody here wrote: act (github.com/nektos/act, built by scripts/bootstrap.sh into .tools/bin) runs a
// workflow that chains the actions through `uses: ./actions/<name>`, in host mode (no Docker), against moto and
// the GitHub fake: preview-create → run-task (a seed) → pr-comment with create's outputs → preview-destroy →
// pr-comment destroyed; the command action on an issue_comment (/deploy staging → a workflow dispatch); and the
// deploy workflow's plan choosing each wave's gate, then the approval gate waiting for an /approve.
// The assertions read outcomes — moto's state, the comment in the fake, the steps' outputs — not act's log.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertActBuilt, repositoryWith, runAct } from '../harness/act.js';
import { awsEnv, headSha, REPOSITORY, TOKEN, taggedFor, usePreviewWorld } from './preview-env.js';

const world = usePreviewWorld();
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const CHAIN = `name: chain
on: pull_request
jobs:
  chain:
    runs-on: ubuntu-latest
    steps:
      # act stands the local repository in for the checkout.
      - uses: actions/checkout@v4
      - id: create
        uses: ./actions/preview-create
        with:
          cluster: \${{ env.CLUSTER }}
          listener-arn: \${{ env.LISTENER }}
          host: pr-{pr}.preview.example.com
          image: public.ecr.aws/nginx/nginx:1.27
          template-service: \${{ env.TEMPLATE }}
          poll-interval: 200ms
          timeout: 30s
      - id: seed
        uses: ./actions/run-task
        with:
          cluster: \${{ env.CLUSTER }}
          service: \${{ steps.create.outputs.service-arn }}
          task-definition: \${{ steps.create.outputs.task-definition-arn }}
          command: bin/seed --size small
          poll-interval: 200ms
      - id: ready
        uses: ./actions/pr-comment
        with:
          environment: preview
          status: ready
          url: \${{ steps.create.outputs.url }}
      - id: destroy
        uses: ./actions/preview-destroy
        with:
          cluster: \${{ env.CLUSTER }}
          listener-arn: \${{ env.LISTENER }}
      - id: destroyed
        uses: ./actions/pr-comment
        with:
          environment: preview
          status: destroyed
      - name: Record the steps' outputs for the test
        env:
          STEPS: \${{ toJSON(steps) }}
        run: printf '%s' "$STEPS" > "$STEPS_FILE"
`;

describe('act runs the actions (a runner this project did not write)', () => {
  it('chains preview-create → pr-comment → preview-destroy → pr-comment through uses: ./actions/…', async () => {
    assertActBuilt();
    const w = world();
    const pr = 77;
    const sha = headSha(pr);
    w.gh.state.addPullRequest({ number: pr, headRef: 'feature/act', headSha: sha });
    const repo = repositoryWith(CHAIN);
    temps.push(repo);
    const event = join(repo, '..', `${repo.split('/').pop()}-event.json`);
    temps.push(event);
    writeFileSync(
      event,
      JSON.stringify({
        action: 'opened',
        number: pr,
        pull_request: { number: pr, head: { ref: 'feature/act', sha }, base: { ref: 'main' } },
        repository: { full_name: REPOSITORY, name: 'shop', owner: { login: 'octo-org' } },
      }),
    );
    const stepsFile = join(repo, '..', `${repo.split('/').pop()}-steps.json`);
    temps.push(stepsFile);
    const env: Record<string, string> = {
      ...awsEnv(w),
      GITHUB_API_URL: w.gh.url,
      CLUSTER: w.sandbox.clusterName,
      LISTENER: w.sandbox.httpsListenerArn!,
      TEMPLATE: w.sandbox.serviceName,
      STEPS_FILE: stepsFile,
    };
    // act runs asynchronously: the proxy and the GitHub fake live in this process and must keep answering.
    const result = await runAct({ repo, eventName: 'pull_request', eventPath: event, token: TOKEN, env });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);

    const steps = JSON.parse(readFileSync(stepsFile, 'utf8')) as Record<
      string,
      { outcome: string; outputs: Record<string, string> }
    >;
    expect(steps.create?.outcome).toBe('success');
    expect(steps.create?.outputs).toMatchObject({
      url: `https://pr-${pr}.preview.example.com`,
      created: 'true',
    });
    expect(steps.seed?.outputs['exit-code']).toBe('0');
    expect(steps.seed?.outputs['task-definition-arn']).toBe(steps.create?.outputs['task-definition-arn']);
    expect(steps.destroy?.outputs.destroyed).toBe('true');
    expect(steps.ready?.outputs['comment-id']).toBe(steps.destroyed?.outputs['comment-id']);

    // The sticky comment in the GitHub fake says destroyed; nothing tagged for the PR is left in moto.
    const comments = w.gh.state.comments(pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/preview/);
    expect(comments[0]!.body).toMatch(/destroyed/i);
    expect(await taggedFor(w, pr)).toEqual({
      services: [],
      targetGroups: [],
      rules: [],
      taskDefinitions: [],
    });
  });

  it('runs the command action on an issue_comment: /deploy staging by a writer dispatches the deploy workflow', async () => {
    assertActBuilt();
    const w = world();
    const pr = 78;
    w.gh.state.addPullRequest({ number: pr, headRef: 'feature/act-command', headSha: headSha(pr) });
    w.gh.state.setRole('maya', 'write');
    w.gh.state.addWorkflow({
      path: '.github/workflows/deploy.yml',
      dispatchInputs: ['environment', 'branch'],
    });
    const comment = w.gh.state.addComment({ issueNumber: pr, body: '/deploy staging', user: 'maya' });
    const workflow = `name: commands
on: issue_comment
jobs:
  command:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: start
        uses: ./actions/command
      - name: Record the steps' outputs for the test
        env:
          STEPS: \${{ toJSON(steps) }}
        run: printf '%s' "$STEPS" > "$STEPS_FILE"
`;
    const repo = repositoryWith(workflow, REPOSITORY, {
      '.github/ecs-environments.yml': 'environments:\n  staging:\n    cluster: shop-staging\n',
    });
    temps.push(repo);
    const event = join(repo, '..', `${repo.split('/').pop()}-event.json`);
    const stepsFile = join(repo, '..', `${repo.split('/').pop()}-steps.json`);
    temps.push(event, stepsFile);
    writeFileSync(
      event,
      JSON.stringify({
        action: 'created',
        issue: {
          number: pr,
          pull_request: { url: `https://api.github.com/repos/${REPOSITORY}/pulls/${pr}` },
        },
        comment: { id: comment.id, body: '/deploy staging', user: { login: 'maya', type: 'User' } },
        repository: {
          full_name: REPOSITORY,
          name: 'shop',
          owner: { login: 'octo-org' },
          default_branch: 'main',
        },
      }),
    );
    const result = await runAct({
      repo,
      eventName: 'issue_comment',
      eventPath: event,
      token: TOKEN,
      env: { GITHUB_API_URL: w.gh.url, STEPS_FILE: stepsFile },
    });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const steps = JSON.parse(readFileSync(stepsFile, 'utf8')) as Record<
      string,
      { outputs: Record<string, string> }
    >;
    expect(steps.start?.outputs).toMatchObject({ command: '/deploy staging', outcome: 'done' });
    expect(w.gh.state.dispatches).toMatchObject([
      { ref: 'main', inputs: { environment: 'staging', branch: 'feature/act-command' } },
    ]);
    expect(w.gh.state.reactions(comment.id).map((r) => r.content)).toEqual(['eyes', 'rocket']);
  });

  it('plans the waves (environment reviewers or the approval gate) and the approval gate waits for an /approve', async () => {
    assertActBuilt();
    const w = world();
    w.gh.state.setEnvironment('production-yellow', { reviewers: ['sam'], preventSelfReview: true });
    w.gh.state.setRole('lead', 'maintain');
    const workflow = `name: deploy
on: workflow_dispatch
jobs:
  gates:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: plan
        uses: ./actions/deploy
        with:
          mode: plan
          environment: production
      - id: gate
        if: fromJSON(steps.plan.outputs.waves)[1].gate == 'approval'
        uses: ./actions/approval
        with:
          wave: \${{ fromJSON(steps.plan.outputs.waves)[1].name }}
          environment: production
          poll-interval: 300ms
      - name: Record the steps' outputs for the test
        env:
          STEPS: \${{ toJSON(steps) }}
        run: printf '%s' "$STEPS" > "$STEPS_FILE"
`;
    const environments = [
      'environments:',
      '  production:',
      '    waves:',
      '      production-yellow: web-yellow',
      '      production-green: web-green',
      '    approval: required',
      '    approvers: lead',
      '',
    ].join('\n');
    const repo = repositoryWith(workflow, REPOSITORY, { '.github/ecs-environments.yml': environments });
    temps.push(repo);
    const event = join(repo, '..', `${repo.split('/').pop()}-event.json`);
    const stepsFile = join(repo, '..', `${repo.split('/').pop()}-steps.json`);
    temps.push(event, stepsFile);
    writeFileSync(event, JSON.stringify({ inputs: {}, repository: { full_name: REPOSITORY } }));
    const running = runAct({
      repo,
      eventName: 'workflow_dispatch',
      eventPath: event,
      token: TOKEN,
      env: { GITHUB_API_URL: w.gh.url, STEPS_FILE: stepsFile, GITHUB_ACTOR: 'maya' },
    });
    let request: { issueNumber: number } | undefined;
    for (let i = 0; i < 600 && !request; i++) {
      request = w.gh.state.comments().find((c) => c.body.startsWith('<!-- ecs-actions/approval -->'));
      if (!request) await new Promise((r) => setTimeout(r, 100));
    }
    expect(request, 'the gate asked').toBeDefined();
    w.gh.state.addComment({ issueNumber: request!.issueNumber, body: '/approve', user: 'lead' });
    const result = await running;
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const steps = JSON.parse(readFileSync(stepsFile, 'utf8')) as Record<
      string,
      { outputs: Record<string, string> }
    >;
    expect(JSON.parse(steps.plan!.outputs.waves!)).toEqual([
      { name: 'production-yellow', services: ['web-yellow'], gate: 'environment' },
      { name: 'production-green', services: ['web-green'], gate: 'approval' },
    ]);
    expect(steps.gate?.outputs['approved-by']).toBe('lead');
    expect(w.gh.state.issue(request!.issueNumber)).toMatchObject({ state: 'closed' });
  });
});
