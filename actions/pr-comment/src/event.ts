// What the triggering event says about the pull request, beyond what the kit's RunContext reads.

interface RepoRef {
  full_name?: string;
}
interface PullRequestPayload {
  pull_request?: {
    head?: { repo?: RepoRef | null };
    base?: { repo?: RepoRef | null };
  };
}

/** Events whose GITHUB_TOKEN GitHub makes read-only for pull requests from forks and from Dependabot. */
const RESTRICTED_EVENTS = new Set(['pull_request', 'pull_request_review', 'pull_request_review_comment']);

/**
 * Why this run's token is expected to be read-only, or undefined when a refused write means a missing
 * permission instead: `pull_request` runs for forks and for Dependabot get a read-only GITHUB_TOKEN.
 */
export function expectedReadOnly(
  eventName: string,
  payload: Record<string, unknown>,
  actor: string | undefined,
): string | undefined {
  if (!RESTRICTED_EVENTS.has(eventName)) return undefined;
  const pr = (payload as PullRequestPayload).pull_request;
  const head = pr?.head?.repo;
  const base = pr?.base?.repo?.full_name;
  if (pr && (head === null || (head?.full_name && base && head.full_name !== base))) {
    return `this pull request comes from a fork, and GitHub gives '${eventName}' runs from forks a read-only token`;
  }
  if (actor === 'dependabot[bot]') {
    return `Dependabot triggered this run, and GitHub gives '${eventName}' runs of Dependabot a read-only token`;
  }
  return undefined;
}
