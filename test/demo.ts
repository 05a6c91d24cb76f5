// `pnpm demo`: the suite without an AWS account. Starts the embedded AWS emulator (moto) and a local
// GitHub API, provisions a sandbox ALB + ECS cluster, runs the BUILT preview-create bundle for PR #42
// as the GitHub runner would, updates it with a new image, destroys it, and shows that nothing is left.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startMoto } from './harness/aws/moto.js';
import { createSandbox } from './harness/aws/sandbox.js';
import { taggedWith } from './harness/aws/tagged.js';
import { startGitHubServer } from './harness/github/server.js';
import { pullRequestEvent, repoRoot, runAction, type StepResult } from './harness/runner.js';

// Bold only on a terminal, and never with NO_COLOR (https://no-color.org).
const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
const bold = (t: string) => (color ? `\x1b[1m${t}\x1b[0m` : t);
const say = (t: string) => console.log(`\n${bold(`▶ ${t}`)}`);
const indent = (t: string) => t.replace(/^/gm, '    ');

for (const action of ['preview-create', 'preview-destroy']) {
  if (!existsSync(join(repoRoot, 'actions', action, 'dist', 'index.js'))) {
    console.error(`actions/${action}/dist is missing: run \`pnpm build\` first.`);
    process.exit(1);
  }
}

say('Starting moto (AWS emulator) and a local GitHub API');
const moto = await startMoto({ env: { MOTO_ECS_SERVICE_RUNNING: '1' } });
const gh = await startGitHubServer({ owner: 'octo-org', repo: 'shop', token: 'ghs_demo' });
try {
  const sandbox = await createSandbox(moto.endpoint, { name: 'demo' });
  console.log(
    indent(`moto at ${moto.endpoint}; ALB ${sandbox.loadBalancerDnsName}; cluster ${sandbox.clusterName}`),
  );
  const head = 'a1b2c3d4'.padEnd(40, '0');
  gh.state.addPullRequest({
    number: 42,
    title: 'Add the checkout page',
    headRef: 'feature/checkout',
    headSha: head,
  });
  const common = {
    env: {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'demo',
      AWS_SECRET_ACCESS_KEY: 'demo',
      AWS_REGION: sandbox.region,
    },
    token: 'ghs_demo',
    apiUrl: gh.url,
    repository: 'octo-org/shop',
    event: pullRequestEvent({
      number: 42,
      repository: 'octo-org/shop',
      headRef: 'feature/checkout',
      headSha: head,
    }),
  };
  const createInputs = (image: string) => ({
    cluster: sandbox.clusterName,
    'listener-arn': sandbox.httpsListenerArn ?? sandbox.httpListenerArn,
    host: 'pr-{pr}.preview.example.com',
    image,
    'template-service': sandbox.serviceName,
    'poll-interval': '1s',
  });
  const show = (result: StepResult) => {
    if (result.exitCode !== 0) {
      console.error(indent(result.stdout + result.stderr));
      throw new Error(`the step failed: ${result.errors.join('; ')}`);
    }
    console.log(indent(`outputs:\n${indent(JSON.stringify(result.outputs, null, 2))}`));
    console.log(indent(`job summary:\n${indent(result.summary.trim())}`));
  };

  say('preview-create for PR #42 (first run: creates the environment)');
  const created = await runAction({
    action: join(repoRoot, 'actions/preview-create'),
    inputs: createInputs('public.ecr.aws/nginx/nginx:1.27'),
    ...common,
  });
  show(created);
  console.log(bold(`\n    URL: ${created.outputs.url}`));
  console.log(
    indent('(emulated: the listener rule exists in moto, but no DNS name or server answers at this URL)'),
  );

  say('preview-create again with a new image (an update)');
  show(
    await runAction({
      action: join(repoRoot, 'actions/preview-create'),
      inputs: createInputs('public.ecr.aws/nginx/nginx:1.28'),
      ...common,
    }),
  );

  for (const deployment of gh.state.deployments()) {
    console.log(
      indent(
        `GitHub deployment ${deployment.id} (${deployment.task}) in environment '${deployment.environment}': ${deployment.statuses.map((s) => s.state).join(' → ')}`,
      ),
    );
  }

  say('preview-destroy for PR #42');
  show(
    await runAction({
      action: join(repoRoot, 'actions/preview-destroy'),
      inputs: { cluster: sandbox.clusterName },
      ...common,
    }),
  );

  say("What is left with PR #42's tags");
  const left = await taggedWith(moto.endpoint, sandbox, {
    'ecs-actions:repository': 'octo-org/shop',
    'ecs-actions:pr': '42',
  });
  console.log(
    indent(
      left.length === 0
        ? "nothing with PR #42's tags is left"
        : `still tagged for PR #42:\n${indent(left.join('\n'))}`,
    ),
  );
  for (const deployment of gh.state.deployments()) {
    console.log(
      indent(`GitHub deployment ${deployment.id}: ${deployment.statuses.map((s) => s.state).join(' → ')}`),
    );
  }
  gh.assertNoViolations();
  say("Done: every GitHub API call matched GitHub's OpenAPI description.");
} finally {
  await moto.stop();
  await gh.close();
}
