// GitHub requests of the deploy workflow's approvals: the plan reading each wave environment's protection rules,
// and an approval gate waiting for a decision (conditional polls: a 304 is not counted against the rate limit).
// Counted by the GitHub fake. Budget: the GITHUB_TOKEN's 1,000 requests an hour per repository. Run by
// `pnpm bench:gates`; writes bench/gates-results.md.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GitHubFake, startGitHubServer } from '../test/harness/github/server.js';
import { repoRoot, runAction, startAction } from '../test/harness/runner.js';

const TOKEN = 'ghs_bench';
const gh: GitHubFake = await startGitHubServer({ owner: 'octo-org', repo: 'shop', token: TOKEN });
const workspace = mkdtempSync(join(tmpdir(), 'bench-gates-'));
mkdirSync(join(workspace, '.github'));
const file = (waves: number) =>
  [
    'environments:',
    '  production:',
    '    waves:',
    ...Array.from({ length: waves }, (_, i) => `      cell-${i + 1}: web-${i + 1}`),
    '    approval: required',
    '    approvers: lead',
    '',
  ].join('\n');
const github = { token: TOKEN, apiUrl: gh.url, repository: 'octo-org/shop' };
const which = () => {
  const counts = new Map<string, number>();
  for (const r of gh.requests) {
    const key = `${r.method} ${r.path.replace(/\/\d+(\/|$)/g, '/N$1').replace(/environments\/[^/]+/, 'environments/NAME')} → ${r.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
};

const rows: string[] = [];
try {
  for (const waves of [3, 8]) {
    gh.reset();
    // Half the environments with required reviewers, the rest gated by the approval gate.
    for (let i = 1; i <= waves; i++)
      gh.state.setEnvironment(`cell-${i}`, i % 2 ? { reviewers: ['lead'] } : {});
    writeFileSync(join(workspace, '.github/ecs-environments.yml'), file(waves));
    gh.requests.length = 0;
    const plan = await runAction({
      action: join(repoRoot, 'actions', 'deploy'),
      workspace,
      ...github,
      inputs: { mode: 'plan', environment: 'production' },
    });
    if (plan.exitCode !== 0) throw new Error(plan.errors.join('\n'));
    rows.push(`| plan of ${waves} waves | ${gh.requests.length} | ${gh.requests.length} | ${which()} |`);
  }

  // An approval gate on a tracking issue; the decision comes after about 20 polls.
  gh.reset();
  gh.state.setRole('lead', 'maintain');
  gh.requests.length = 0;
  const gate = startAction({
    action: join(repoRoot, 'actions', 'approval'),
    ...github,
    inputs: { wave: 'cell-2', approvers: 'lead', 'poll-interval': '200ms' },
    event: { name: 'workflow_dispatch', payload: { inputs: {}, repository: { full_name: 'octo-org/shop' } } },
    env: { GITHUB_ACTOR: 'maya', GITHUB_RUN_ID: '8100', GITHUB_RUN_ATTEMPT: '1' },
    timeoutMs: 60_000,
  });
  let issue: number | undefined;
  for (let i = 0; i < 100 && issue === undefined; i++) {
    issue = gh.state.comments().find((c) => c.body.startsWith('<!-- ecs-actions/approval -->'))?.issueNumber;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (issue === undefined) throw new Error('the gate never asked');
  await new Promise((r) => setTimeout(r, 4_000));
  gh.state.addComment({ issueNumber: issue, body: '/approve', user: 'lead' });
  const decided = await gate.result;
  if (decided.exitCode !== 0) throw new Error(decided.errors.join('\n'));
  const counted = gh.requests.filter((r) => r.status !== 304).length;
  rows.push(
    `| approval gate, about 20 polls before /approve | ${gh.requests.length} | ${counted} | ${which()} |`,
  );
} finally {
  await gh.close();
}

const text = `# GitHub requests of the deploy workflow's approvals

\`pnpm bench:gates\` (bench/gates.ts), ${new Date().toISOString().slice(0, 10)}: requests counted by the GitHub fake.
The plan reads one environment per wave (half of them here with required reviewers); the approval gate opens a
tracking issue, asks, polls the comments with \`If-None-Match\` (a 304 costs no rate limit), and on the approval
reacts, rewrites its request and closes the issue. "Counted" leaves out the 304s. At the default 15 s interval, an
hour's wait is 240 polls, almost all 304: the gate's counted cost does not grow with the wait. The report job
adds one request (the run's environment reviews).

| what | requests | counted | which |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
writeFileSync(join(repoRoot, 'bench', 'gates-results.md'), text);
process.stdout.write(text);
