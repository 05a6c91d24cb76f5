// Who may run which command: the environments file's `commands` setting, per environment. Pure but for the two
// lookups it is given (a user's repository role, a team's membership), so the rules are tested on their own.
import { UserError } from '@ecs-actions/kit/errors';
import type { Inputs } from '@ecs-actions/kit/inputs';
import { splitList } from '@ecs-actions/kit/inputs';
import { type Grant, parseGrant } from '@ecs-actions/kit/people';
import { type CommandName, PREVIEW_VERBS } from './parse.js';

export { authorize, describeGrants, type Grant, type People, type Role } from '@ecs-actions/kit/people';

/** Who may, per command; a command the setting does not name is open to `write` (the default). */
export type Policy = Partial<Record<CommandName, Grant[]>>;

export const DEFAULT_GRANTS: Grant[] = [{ kind: 'role', role: 'write' }];

const COMMANDS: readonly CommandName[] = [...PREVIEW_VERBS, 'deploy'];

/**
 * Reads `commands` (`deploy: write, octo-org/qa` lines): each command a list of roles (`write`, `maintain`,
 * `admin`, `triage`, `read`), logins (`alice` or `@alice`), teams (`org/team-slug`) or `none`.
 */
export function parsePolicy(inputs: Inputs): Policy {
  const pairs = inputs.keyValues('commands');
  const where = inputs.origin('commands');
  const at = where && where !== 'input' ? ` (from ${where})` : '';
  const policy: Policy = {};
  for (const [key, value] of Object.entries(pairs)) {
    const name = COMMANDS.find((c) => c === key.toLowerCase());
    if (!name) {
      throw new UserError(
        `Input 'commands'${at}: '${key}' is not a command. Commands: ${COMMANDS.join(', ')}.`,
      );
    }
    const grants = splitList(value.replace(/\s+/g, ',')).map((entry) => grantOf(entry, key, at));
    if (grants.length === 0) {
      throw new UserError(`Input 'commands'${at}: '${key}' names nobody; write 'none' to turn it off.`);
    }
    if (grants.some((g) => g.kind === 'none') && grants.length > 1) {
      throw new UserError(
        `Input 'commands'${at}: '${key}' has 'none' next to other entries; 'none' stands alone.`,
      );
    }
    policy[name] = grants;
  }
  return policy;
}

function grantOf(entry: string, command: string, at: string): Grant {
  const grant = parseGrant(entry);
  if (grant) return grant;
  throw new UserError(
    `Input 'commands'${at}: '${entry}' (for '${command}') is neither a role (write, maintain, admin, triage, read), a login, 'org/team' nor 'none'.`,
  );
}
