// Who someone is to the repository: their role (from the API, never from a comment's author_association, which
// says nothing about permissions) and their teams. Lists of people in settings (`write, octo-org/qa, @ann`) are
// grants; `authorize` decides against them. Used by the PR-comment commands and the deploy approval gate.

import { httpStatusOf, type RunContext } from './context.js';
import { UserError } from './errors.js';
import type { Octokit } from './github.js';
import { splitList } from './inputs.js';

/** Repository roles that can be named, weakest first. */
export const ROLES = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Grant =
  /** Everyone with at least this role on the repository. */
  | { kind: 'role'; role: Role }
  | { kind: 'user'; login: string }
  | { kind: 'team'; org: string; slug: string }
  /** Nobody, not even admins. */
  | { kind: 'none' };

/** One entry of a list of people: a role, a login (`ann`, `@ann`), a team (`org/team-slug`) or `none`; undefined if none of those. */
export function parseGrant(entry: string): Grant | undefined {
  const lower = entry.toLowerCase();
  if (lower === 'none') return { kind: 'none' };
  const role = ROLES.find((r) => r === lower);
  if (role) return { kind: 'role', role };
  const team = /^@?([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9][A-Za-z0-9_.-]{0,99})$/.exec(entry);
  if (team) return { kind: 'team', org: team[1]!, slug: team[2]! };
  const user = /^@?([A-Za-z0-9][A-Za-z0-9-]{0,38})$/.exec(entry);
  if (user) return { kind: 'user', login: user[1]! };
  return undefined;
}

/**
 * A list of approvers (`alice, octo-org/sre, maintain`): every entry a login, an `org/team` slug or a role.
 * `where` names the setting in messages (`Input 'approvers' (from file:12)`). An empty list is the caller's to refuse.
 */
export function parseApprovers(text: string, where: string): Grant[] {
  return splitList(text.replace(/\s+/g, ',')).map((entry) => {
    const grant = parseGrant(entry);
    if (!grant || grant.kind === 'none') {
      throw new UserError(
        `${where}: '${entry}' is neither a login, an 'org/team' slug nor a role (write, maintain, admin).`,
      );
    }
    return grant;
  });
}

export interface People {
  /** The user's role on the repository (`none` when not a collaborator). */
  roleOf(login: string): Promise<Role | 'none'>;
  /** Whether the user is an active member of the team; throws a UserError when the token cannot tell. */
  inTeam(org: string, slug: string, login: string): Promise<boolean>;
}

export type Decision = { allowed: boolean; because: string };

/** Checks the grants, cheapest first (logins, then the role, then teams), and says why. */
export async function authorize(grants: Grant[], login: string, people: People): Promise<Decision> {
  if (grants.some((g) => g.kind === 'none'))
    return { allowed: false, because: 'it is turned off here (`none`)' };
  const user = grants.find((g) => g.kind === 'user' && g.login.toLowerCase() === login.toLowerCase());
  if (user) return { allowed: true, because: `@${login} is named` };
  const roles = grants.filter((g): g is Extract<Grant, { kind: 'role' }> => g.kind === 'role');
  if (roles.length > 0) {
    const role = await people.roleOf(login);
    const level = role === 'none' ? -1 : ROLES.indexOf(role);
    if (roles.some((g) => level >= ROLES.indexOf(g.role)))
      return { allowed: true, because: `@${login} has the ${role} role` };
  }
  for (const g of grants) {
    if (g.kind !== 'team') continue;
    if (await people.inTeam(g.org, g.slug, login))
      return { allowed: true, because: `@${login} is a member of ${g.org}/${g.slug}` };
  }
  return { allowed: false, because: `only ${describeGrants(grants)} may` };
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

/**
 * People as GitHub knows them: the role from the collaborator-permission endpoint, teams through `teams` (a token
 * that can read the organization's members; the workflow's GITHUB_TOKEN cannot) — without one, a team fails closed.
 */
export class GitHubPeople implements People {
  constructor(
    private readonly octokit: Octokit,
    private readonly context: Pick<RunContext, 'owner' | 'repo'>,
    private readonly teams: Octokit | undefined,
    /** The input that carries the teams token, for messages. */
    private readonly teamsInput = 'teams-token',
  ) {}

  async roleOf(login: string): Promise<Role | 'none'> {
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({
        owner: this.context.owner,
        repo: this.context.repo,
        username: login,
      });
      if ((ROLES as readonly string[]).includes(data.role_name)) return data.role_name as Role;
      // A custom role: its base permission.
      return (['admin', 'write', 'read'] as const).find((r) => r === data.permission) ?? 'none';
    } catch (error) {
      if (httpStatusOf(error) === 404) return 'none';
      throw error;
    }
  }

  async inTeam(org: string, slug: string, login: string): Promise<boolean> {
    if (!this.teams) {
      throw new UserError(
        `Cannot check membership of ${org}/${slug}: a team is named, and no '${this.teamsInput}' is given. The workflow's GITHUB_TOKEN cannot read teams; pass a GitHub App installation token with the organization's Members: read permission (or a token with read:org) as '${this.teamsInput}'.`,
      );
    }
    try {
      const { data } = await this.teams.rest.teams.getMembershipForUserInOrg({
        org,
        team_slug: slug,
        username: login,
      });
      return data.state === 'active';
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 404) return false;
      if (status === 403 || status === 401) {
        throw new UserError(
          `Cannot read the membership of ${org}/${slug}: the '${this.teamsInput}' needs the organization's Members: read permission (a GitHub App installation token, or a token with read:org); the workflow's GITHUB_TOKEN cannot read teams.`,
        );
      }
      throw error;
    }
  }
}
