import { join } from 'node:path';
import type { CommentRecord, GitHubFake } from '../harness/github/server.js';
import { builtAction, pullRequestEvent, repoRoot, runAction, type StepResult } from '../harness/runner.js';

export const ACTION = join(repoRoot, 'actions', 'pr-comment');
export const REPOSITORY = 'octo-org/shop';
export const PR = 7;
export const HEAD = '1111111111111111111111111111111111111111';
export const MARKER = '<!-- ecs-actions/pr-comment key=preview -->';

/** Fails early, with the command that fixes it, when the bundle was not built. */
export function requireBundle(): void {
  builtAction('pr-comment');
}

export interface Step {
  inputs: Record<string, string>;
  runId?: number;
  runAttempt?: number;
  token?: string;
  event?: { name: string; payload: unknown };
  env?: Record<string, string>;
}

/** Runs the bundle as the runner would for a pull_request event on PR 7 (head HEAD) by default. */
export function runStep(gh: GitHubFake, step: Step): Promise<StepResult> {
  return runAction({
    action: ACTION,
    inputs: step.inputs,
    token: step.token ?? 'ghs_test',
    apiUrl: gh.url,
    repository: REPOSITORY,
    event: step.event ?? pullRequestEvent({ number: PR, repository: REPOSITORY, headSha: HEAD }),
    env: {
      GITHUB_RUN_ID: String(step.runId ?? 4242),
      GITHUB_RUN_ATTEMPT: String(step.runAttempt ?? 1),
      ...step.env,
    },
  });
}

export interface TableRow {
  environment: string;
  status: string;
  url: string;
  commit: string;
  updated: string;
  run: string;
  struck: boolean;
}

/** The table of a comment body, one entry per row, as shown (markdown escapes undone). */
export function tableOf(body: string): TableRow[] {
  return body
    .split('\n')
    .filter(
      (line) => line.startsWith('| ') && !line.startsWith('| Environment |') && !line.startsWith('| ---'),
    )
    .map((line) => {
      const cells = line
        .slice(2, -2)
        .split(/ (?<!\\)\| /)
        .map((c) => c.replace(/\\(.)/g, '$1'));
      const [name = '', status = '', url = '', commit = '', updated = '', run = ''] = cells;
      return {
        environment: name.replace(/^~~|~~$/g, '').replace(/^\*\*|\*\*$/g, ''),
        status,
        url,
        commit,
        updated,
        run,
        struck: name.startsWith('~~'),
      };
    });
}

/** Comments on the PR that carry the marker and were written by the workflow token's identity. */
export function stickyComments(gh: GitHubFake, login = 'github-actions[bot]'): CommentRecord[] {
  return gh.state.comments(PR).filter((c) => c.user.login === login && c.body.startsWith(MARKER));
}

/** The one sticky comment; fails the test when there is not exactly one. */
export function theComment(gh: GitHubFake): CommentRecord {
  const found = stickyComments(gh);
  if (found.length !== 1) {
    throw new Error(
      `expected one sticky comment, found ${found.length}: ${found.map((c) => c.id).join(', ')}`,
    );
  }
  return found[0]!;
}

export function rowNamed(body: string, environment: string): TableRow | undefined {
  return tableOf(body).find((r) => r.environment === environment);
}

/** The output and annotations of a step, for assertion messages. */
export function explain(result: StepResult): string {
  return `exit ${result.exitCode}\n${result.stdout}\n${result.stderr}`;
}
