// AWS calls per preview operation, counted by the fault proxy between the built bundles and moto.
// Run by `pnpm bench`; appends its table to bench/results.md. Targets (issue 3): create ≤ 15,
// no-op re-run ≤ 6, destroy ≤ 10.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMoto } from '../test/harness/aws/moto.js';
import { startFaultProxy } from '../test/harness/aws/proxy.js';
import { createSandbox } from '../test/harness/aws/sandbox.js';
import { crowdedListener } from '../test/harness/aws/starting-points.js';
import { pullRequestEvent, repoRoot, runAction } from '../test/harness/runner.js';

const moto = await startMoto({ env: { MOTO_ECS_SERVICE_RUNNING: '1' } });
const proxy = await startFaultProxy(moto.endpoint);
try {
  const sandbox = await createSandbox(moto.endpoint, { name: 'bench' });
  const base = {
    env: {
      AWS_ENDPOINT_URL: proxy.endpoint,
      AWS_ACCESS_KEY_ID: 'b',
      AWS_SECRET_ACCESS_KEY: 'b',
      AWS_REGION: sandbox.region,
    },
    repository: 'octo-org/shop',
  };
  const create = {
    cluster: sandbox.clusterName,
    'listener-arn': sandbox.httpsListenerArn ?? sandbox.httpListenerArn,
    host: 'pr-{pr}.preview.example.com',
    image: 'public.ecr.aws/nginx/nginx:1.27',
    'template-service': sandbox.serviceName,
    'poll-interval': '1s',
    'github-deployments': 'false',
  };
  const rows: string[] = [];
  const measure = async (
    label: string,
    pr: number,
    action: string,
    inputs: Record<string, string>,
    target: number,
  ) => {
    proxy.resetCounts();
    const event = pullRequestEvent({ number: pr, repository: 'octo-org/shop' });
    const result = await runAction({ action: join(repoRoot, 'actions', action), inputs, event, ...base });
    if (result.exitCode !== 0)
      throw new Error(`${label} failed: ${result.errors.join('; ')}\n${result.stdout}\n${result.stderr}`);
    const counts = proxy.counts();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const detail = Object.entries(counts)
      .map(([op, n]) => `${op.split(':')[1]}${n > 1 ? ` ×${n}` : ''}`)
      .join(', ');
    rows.push(
      Number.isFinite(target)
        ? `| ${label} | ${total} | ≤ ${target} | ${total <= target ? 'met' : 'NOT met'} | ${detail} |`
        : `| ${label} | ${total} | — | | ${detail} |`,
    );
  };
  const destroy = { cluster: sandbox.clusterName, 'github-deployments': 'false' };
  await measure('create', 9, 'preview-create', create, 15);
  await measure('no-op re-run', 9, 'preview-create', create, 6);
  await measure(
    'destroy (listener-arn given)',
    9,
    'preview-destroy',
    { ...destroy, 'listener-arn': create['listener-arn'] },
    10,
  );
  await measure('destroy again (nothing left)', 9, 'preview-destroy', destroy, 10);
  await measure('create', 10, 'preview-create', create, 15);
  await measure(
    'update (new image)',
    10,
    'preview-create',
    { ...create, image: 'public.ecr.aws/nginx/nginx:1.28' },
    15,
  );
  await measure(
    'destroy (two revisions, listeners looked up)',
    10,
    'preview-destroy',
    destroy,
    Number.POSITIVE_INFINITY,
  );
  // The same budgets with 90 other previews on the listener: rules and target groups take several pages,
  // which only stays within budget because PageSize is sent (the SDK's ELB paginators drop `pageSize`).
  const crowded = await crowdedListener(moto.endpoint, sandbox, 90, 'octo-org/other');
  const onCrowded = { ...create, 'listener-arn': crowded.listenerArn };
  await measure('create (90 previews on the listener)', 11, 'preview-create', onCrowded, 15);
  await measure('no-op re-run (90 previews on the listener)', 11, 'preview-create', onCrowded, 6);
  await measure(
    'destroy (90 previews on the listener)',
    11,
    'preview-destroy',
    { ...destroy, 'listener-arn': crowded.listenerArn },
    10,
  );
  // run-task with wait (moto's task stops after 4 DescribeTasks): 5 calls + 1 per poll at most (no logs here:
  // the sandbox's task definition has no awslogs configuration; with logs, one GetLogEvents per poll more).
  proxy.resetCounts();
  const task = await runAction({
    action: join(repoRoot, 'actions', 'run-task'),
    inputs: {
      cluster: sandbox.clusterName,
      service: sandbox.serviceName,
      command: 'true',
      'poll-interval': '100ms',
    },
    ...base,
  });
  if (task.exitCode !== 0) throw new Error(`run-task failed: ${task.errors.join('; ')}`);
  {
    const counts = proxy.counts();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const polls = counts['ecs:DescribeTasks'] ?? 0;
    const detail = Object.entries(counts)
      .map(([op, n]) => `${op.split(':')[1]}${n > 1 ? ` ×${n}` : ''}`)
      .join(', ');
    rows.push(
      `| run-task, waited for (${polls} polls) | ${total} | ≤ 5 + ${polls} | ${total <= 5 + polls ? 'met' : 'NOT met'} | ${detail} |`,
    );
  }
  const text = [
    '',
    '## AWS calls per preview operation',
    '',
    'Counted by the fault proxy between the built bundles and moto (`bench/preview-calls.ts`). Each extra',
    'revision costs one more DeregisterTaskDefinition on destroy; without `listener-arn` destroy adds one',
    'DescribeListeners and one DescribeRules per listener of the load balancer. The last row is run-task.',
    '',
    '| operation | calls | target | | calls made |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  appendFileSync(join(repoRoot, 'bench/results.md'), text);
  console.log(text);
} finally {
  await proxy.stop();
  await moto.stop();
}
