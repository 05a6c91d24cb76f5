// GitHub requests of one PR comment command (the command bundle's `start` step), counted by the GitHub fake, on
// a PR with 300 other comments. Budget: the GITHUB_TOKEN's 1,000 requests an hour per repository; a command
// should cost about ten. Run by `pnpm bench:commands`; writes bench/commands-results.md.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GitHubFake, startGitHubServer } from '../test/harness/github/server.js';
import { repoRoot, runAction } from '../test/harness/runner.js';

const TOKEN = 'ghs_bench';
const TEAMS = 'ghs_bench_teams';
const PR = 12;
const gh: GitHubFake = await startGitHubServer({ owner: 'octo-org', repo: 'shop', token: TOKEN });
gh.addToken(TEAMS, { login: 'shop-commands[bot]', canReadOrg: true });
const workspace = mkdtempSync(join(tmpdir(), 'bench-commands-'));
mkdirSync(join(workspace, '.github'));
writeFileSync(
  join(workspace, '.github/ecs-environments.yml'),
  [
    'environments:',
    '  preview: {}',
    '  staging:',
    '    commands: { deploy: "write, octo-org/qa" }',
    '  production:',
    '    commands: { deploy: none }',
    '',
  ].join('\n'),
);

const rows: string[] = [];
try {
  let runId = 7000;
  const measure = async (label: string, body: string, login: string, sticky = true) => {
    gh.reset();
    gh.state.addPullRequest({ number: PR, headRef: 'feature/bench' });
    // The preview's sticky comment, written by the workflow token when the preview was made: among the first.
    if (sticky)
      gh.state.addComment({
        issueNumber: PR,
        body: '<!-- ecs-actions/pr-comment key=preview -->\n### Preview environments\n',
        user: 'github-actions[bot]',
        createdAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      });
    // Written over the PR's life, before this run.
    for (let i = 0; i < 300; i++)
      gh.state.addComment({
        issueNumber: PR,
        body: `note ${i}`,
        user: 'reviewer',
        createdAt: new Date(Date.now() - 2 * 86_400_000 + i * 1000).toISOString(),
      });
    gh.state.setRole('maya', 'write');
    gh.state.setTeam('octo-org', 'qa', ['qa-ann']);
    gh.state.addWorkflow({ path: '.github/workflows/deploy.yml', dispatchInputs: ['environment', 'branch'] });
    const pr = gh.state.pullRequest(PR)!;
    gh.state.addWorkflowRun({
      workflow: 'preview.yml',
      event: 'pull_request',
      headBranch: pr.headRef,
      headSha: pr.headSha,
      pullRequests: [PR],
    });
    const comment = gh.state.addComment({ issueNumber: PR, body, user: login });
    gh.requests.length = 0;
    const result = await runAction({
      action: join(repoRoot, 'actions', 'command'),
      inputs: { step: 'start', 'teams-token': TEAMS },
      token: TOKEN,
      apiUrl: gh.url,
      repository: 'octo-org/shop',
      workspace,
      env: { GITHUB_RUN_ID: String(++runId), GITHUB_RUN_ATTEMPT: '1' },
      event: {
        name: 'issue_comment',
        payload: {
          action: 'created',
          issue: { number: PR, pull_request: { url: 'x' } },
          comment: { id: comment.id, body, user: { login, type: 'User' } },
          repository: { full_name: 'octo-org/shop', default_branch: 'main' },
        },
      },
    });
    if (result.exitCode !== 0) throw new Error(`${label}: ${result.errors.join('; ')}\n${result.stdout}`);
    gh.assertNoViolations();
    if (process.env.BENCH_DEBUG)
      console.log(
        label,
        gh.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.query)}`),
      );
    const byKind = new Map<string, number>();
    for (const r of gh.requests) {
      const kind = r.operationId === 'graphql' ? 'GraphQL' : `${r.method} ${r.operationId ?? r.path}`;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    const detail = [...byKind].map(([k, n]) => `${k}${n > 1 ? ` ×${n}` : ''}`).join(', ');
    rows.push(`| ${label} | ${result.outputs.outcome} | ${gh.requests.length} | ${detail} |`);
  };
  await measure('ordinary comment', 'Looks good to me', 'maya');
  await measure('/deploy staging by a writer', '/deploy staging', 'maya');
  await measure('/deploy staging by a QA team member', '/deploy staging', 'qa-ann');
  await measure('/deploy production (refused: none)', '/deploy production', 'maya');
  await measure('/deploy staging $(id) (refused: invalid)', '/deploy staging $(id)', 'maya');
  await measure('/preview redeploy by a writer', '/preview redeploy', 'maya');
  await measure(
    '/deploy staging by a writer, PR without a sticky comment yet',
    '/deploy staging',
    'maya',
    false,
  );
  await measure('/preview extend (handed to the AWS job)', '/preview extend 1d', 'maya');
} finally {
  await gh.close();
}

const text = [
  '# GitHub requests per PR-comment command',
  '',
  `\`pnpm bench:commands\` (bench/commands.ts), ${new Date().toISOString().slice(0, 10)}: the command bundle's \`start\` step on a`,
  'PR with 300 other comments and its preview sticky comment among the first, requests counted by the GitHub fake.',
  "A done command also writes its line into the sticky comment (read, write, read back: the pr-comment code's",
  'race-safe update); on a PR without a sticky comment yet, that code reads every page once to be sure there is',
  'none (the last row). Refusals cost 3 requests and change nothing; ignored comments cost none.',
  '',
  '| comment | outcome | requests | which |',
  '| --- | --- | --- | --- |',
  ...rows,
  '',
].join('\n');
writeFileSync(join(repoRoot, 'bench', 'commands-results.md'), text);
console.log(text);
