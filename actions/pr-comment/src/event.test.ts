import { describe, expect, it } from 'vitest';
import { expectedReadOnly } from './event.js';

const pr = (head: string | null, base = 'octo-org/shop') => ({
  pull_request: {
    head: { sha: 'a'.repeat(40), repo: head === null ? null : { full_name: head } },
    base: { repo: { full_name: base } },
  },
});

describe('event', () => {
  it('expects a read-only token only where GitHub gives one: fork and Dependabot pull_request runs', () => {
    expect(expectedReadOnly('pull_request', pr('someone/shop'), 'someone')).toMatch(/comes from a fork/);
    // A fork whose repository was deleted: GitHub sends head.repo null.
    expect(expectedReadOnly('pull_request', pr(null), 'someone')).toMatch(/comes from a fork/);
    expect(expectedReadOnly('pull_request', pr('octo-org/shop'), 'dependabot[bot]')).toMatch(/Dependabot/);
    expect(expectedReadOnly('pull_request', pr('octo-org/shop'), 'octocat')).toBeUndefined();
    // pull_request_target and issue_comment runs have a write token even for forks.
    expect(expectedReadOnly('pull_request_target', pr('someone/shop'), 'someone')).toBeUndefined();
    expect(expectedReadOnly('issue_comment', { issue: { number: 7 } }, 'someone')).toBeUndefined();
  });
});
