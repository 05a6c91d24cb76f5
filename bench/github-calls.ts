// GitHub requests of the pr-comment bundle on a pull request with 3,000 other comments, counted by the
// GitHub fake (every request the bundle makes, REST and GraphQL). Run by `pnpm bench`; appends its table to
// bench/results.md. Targets (issue 17): an update ≤ 6 requests and a no-op ≤ 3 when the sticky comment is
// among the first 100.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { PR, runStep } from '../test/e2e/pr-comment-helpers.js';
import { type GitHubFake, startGitHubServer } from '../test/harness/github/server.js';
import { repoRoot } from '../test/harness/runner.js';

const OTHERS = 3000;
const gh: GitHubFake = await startGitHubServer({ owner: 'octo-org', repo: 'shop', token: 'ghs_test' });
const rows: string[] = [];
try {
  const chatter = (n: number) => {
    for (let i = 0; i < n; i++) {
      gh.state.addComment({
        issueNumber: PR,
        body: `Review note ${i}`,
        user: { login: `reviewer-${i % 7}`, type: 'User' },
        // Written over the PR's life, before this run.
        createdAt: new Date(Date.now() - 2 * 86_400_000 + i * 1000).toISOString(),
      });
    }
  };
  const measure = async (label: string, inputs: Record<string, string>, runId: number, target?: number) => {
    gh.requests.length = 0;
    const result = await runStep(gh, { inputs, runId });
    if (result.exitCode !== 0)
      throw new Error(`${label} failed: ${result.errors.join('; ')}\n${result.stdout}`);
    const byKind = new Map<string, number>();
    for (const r of gh.requests) {
      const kind = r.operationId === 'graphql' ? 'GraphQL' : `${r.method} ${r.operationId ?? r.path}`;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    const total = gh.requests.length;
    const detail = [...byKind].map(([k, n]) => `${k}${n > 1 ? ` ×${n}` : ''}`).join(', ');
    const verdict = target === undefined ? '—' : `≤ ${target} ${total <= target ? 'met' : 'NOT met'}`;
    rows.push(`| ${label} | ${total} | ${verdict} | ${detail} |`);
    gh.assertNoViolations();
  };
  const report = (environment: string) => ({
    environment,
    status: 'ready',
    url: `https://${environment}.example.com/`,
  });
  const inputs = (environment: string) => ({ 'github-token': 'ghs_test', ...report(environment) });

  // Sticky comment among the first 100: created early in the PR's life, then 3,000 comments.
  gh.reset();
  gh.state.addPullRequest({ number: PR, headRef: 'feature/checkout', headSha: '1'.repeat(40) });
  chatter(20);
  await measure('create (20 comments on the PR)', inputs('web'), 1);
  chatter(OTHERS - 20);
  await measure(`update, sticky comment among the first 100 (${OTHERS} others)`, inputs('api'), 2, 6);
  await measure(`no-op, sticky comment among the first 100 (${OTHERS} others)`, inputs('api'), 2, 3);

  // Sticky comment created after 3,000 comments: found by one scan of every page.
  gh.reset();
  gh.state.addPullRequest({ number: PR, headRef: 'feature/checkout', headSha: '1'.repeat(40) });
  chatter(OTHERS);
  await measure(`create after ${OTHERS} comments`, inputs('web'), 1);
  await measure(`update, sticky comment after ${OTHERS} others`, inputs('api'), 2);
  await measure(`no-op, sticky comment after ${OTHERS} others`, inputs('api'), 2);
} finally {
  await gh.close();
}

const text = [
  '',
  '## GitHub requests of pr-comment on a long pull request',
  '',
  `Counted by the GitHub fake (\`bench/github-calls.ts\`), every request of the pr-comment bundle. A read is the first page`,
  'of comments plus those written since shortly before the run began; every page is read once only when',
  'the sticky comment is not on the first page (or does not exist yet). Before this change, every read went through',
  'every page: 64 requests for an update and 32 for a no-op with 3,000 comments.',
  '',
  '| run | requests | target | requests made |',
  '| --- | --- | --- | --- |',
  ...rows,
  '',
].join('\n');
appendFileSync(join(repoRoot, 'bench/results.md'), text);
console.log(text);
