// Who may run which command: the environments file's `commands` setting, per environment. Pure but for the two
// lookups it is given (a user's repository role, a team's membership), so the rules are tested on their own.
import { UserError } from '@ecs-actions/kit/errors';
import type { Inputs } from '@ecs-actions/kit/inputs';
import { splitList } from '@ecs-actions/kit/inputs';
import { type CommandName, PREVIEW_VERBS } from './parse.js';

/** Roles that can be named, weakest first (GitHub's repository roles). */
const ROLES = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Grant =
  /** Everyone with at least this role on the repository. */
  | { kind: 'role'; role: Role }
  | { kind: 'user'; login: string }
  | { kind: 'team'; org: string; slug: string }
  /** Nobody, not even admins: the command is off for this environment. */
  | { kind: 'none' };

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
    const grants = splitList(value.replace(/\s+/g, ',')).map((entry) => parseGrant(entry, key, at));
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

function parseGrant(entry: string, command: string, at: string): Grant {
  const lower = entry.toLowerCase();
  if (lower === 'none') return { kind: 'none' };
  const role = ROLES.find((r) => r === lower);
  if (role) return { kind: 'role', role };
  const team = /^@?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9][A-Za-z0-9_.-]{0,99})$/.exec(entry);
  if (team) return { kind: 'team', org: team[1]!, slug: team[2]! };
  const user = /^@?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))$/.exec(entry);
  if (user) return { kind: 'user', login: user[1]! };
  throw new UserError(
    `Input 'commands'${at}: '${entry}' (for '${command}') is neither a role (write, maintain, admin, triage, read), a login, 'org/team' nor 'none'.`,
  );
}

export interface People {
  /** The user's role on the repository (`none` when not a collaborator). */
  roleOf(login: string): Promise<Role | 'none'>;
  /** Whether the user is an active member of the team; throws when the token cannot tell. */
  inTeam(org: string, slug: string, login: string): Promise<boolean>;
}

export type Decision = { allowed: true; because: string } | { allowed: false; because: string };

/** Checks the grants in order, cheapest first (logins, then the role, then teams), and says why. */
export async function authorize(grants: Grant[], login: string, people: People): Promise<Decision> {
  if (grants.some((g) => g.kind === 'none'))
    return { allowed: false, because: 'this command is turned off for this environment (`none`)' };
  const user = grants.find((g) => g.kind === 'user' && g.login.toLowerCase() === login.toLowerCase());
  if (user) return { allowed: true, because: `@${login} is named in \`commands\`` };
  const roles = grants.filter((g): g is Extract<Grant, { kind: 'role' }> => g.kind === 'role');
  if (roles.length > 0) {
    const role = await people.roleOf(login);
    const level = role === 'none' ? -1 : ROLES.indexOf(role);
    const enough = roles.find((g) => level >= ROLES.indexOf(g.role));
    if (enough) return { allowed: true, because: `@${login} has the ${role} role` };
  }
  for (const g of grants) {
    if (g.kind !== 'team') continue;
    if (await people.inTeam(g.org, g.slug, login))
      return { allowed: true, because: `@${login} is a member of ${g.org}/${g.slug}` };
  }
  return { allowed: false, because: `only ${describeGrants(grants)} may run it` };
}

export function describeGrants(grants: Grant[]): string {
  return grants
    .map((g) =>
      g.kind === 'role'
        ? `people with the ${g.role} role or above`
        : g.kind === 'user'
          ? `@${g.login}`
          : g.kind === 'team'
            ? `members of ${g.org}/${g.slug}`
            : 'nobody',
    )
    .join(', ');
}
