import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from './aws/iam-eval.js';
import { type Call, iamActionOf } from './aws/proxy.js';
import { repoRoot } from './runner.js';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
}

/** The IAM actions an action's published policy allows (patterns, `*` allowed). */
export function allowedActions(action: string): string[] {
  const file = join(repoRoot, 'actions', action, 'iam-policy.json');
  if (!existsSync(file)) throw new Error(`actions/${action}/iam-policy.json is missing`);
  const policy = JSON.parse(readFileSync(file, 'utf8')) as { Statement: Statement[] };
  return policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) =>
    Array.isArray(s.Action) ? s.Action : [s.Action],
  );
}

function matches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return regex.test(action);
}

export { iamActionOf };

/**
 * Every AWS call an action's bundle made (the proxy knows the action from the `ecs-actions/<action>`
 * user agent) must be allowed by that action's iam-policy.json: returns the calls that are not, as
 * `action → service:Operation`, so a test can expect an empty list.
 */
export function callsOutsidePolicies(calls: readonly Call[]): string[] {
  const missing = new Set<string>();
  for (const call of calls) {
    if (!call.action) continue;
    const iamAction = iamActionOf(call);
    if (!allowedActions(call.action).some((p) => matches(p, iamAction)))
      missing.add(`${call.action} → ${iamAction}`);
  }
  return [...missing].sort();
}

/** The repository the published policies are written for; each user puts their own there. */
export const POLICY_EXAMPLE_REPOSITORY = 'my-org/shop';

/**
 * An action's published iam-policy.json as one repository's role would have it: the example repository
 * replaced by `repository`, as the quick start tells users to do. undefined for an action without a policy.
 */
export function policyForRepository(action: string, repository: string): Policy | undefined {
  const file = join(repoRoot, 'actions', action, 'iam-policy.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8').replaceAll(POLICY_EXAMPLE_REPOSITORY, repository)) as Policy;
}

/** The role policy of the reusable workflows (examples/iam/workflows-policy.json) as one repository's role has it. */
export function workflowsPolicyForRepository(repository: string): Policy {
  const file = join(repoRoot, 'examples', 'iam', 'workflows-policy.json');
  return JSON.parse(readFileSync(file, 'utf8').replaceAll(POLICY_EXAMPLE_REPOSITORY, repository)) as Policy;
}
