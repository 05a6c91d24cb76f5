import { Inputs } from '@ecs-actions/kit/inputs';
import { describe, expect, it } from 'vitest';
import { authorize, type People, parsePolicy, type Role } from './policy.js';

const settings = (commands: string) =>
  new Inputs((name) =>
    name === 'commands' ? { value: commands, origin: '.github/ecs-environments.yml:12' } : undefined,
  );

/** A typed fake of the two lookups (pure policy logic; the real ones are exercised through the bundle). */
function people(
  roles: Record<string, Role>,
  teams: Record<string, string[]> = {},
): People & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async roleOf(login) {
      asked.push(`role ${login}`);
      return roles[login] ?? 'none';
    },
    async inTeam(org, slug, login) {
      asked.push(`team ${org}/${slug} ${login}`);
      return (teams[`${org}/${slug}`] ?? []).includes(login);
    },
  };
}

describe('commands policy (pure, with typed fakes of the GitHub lookups)', () => {
  it('reads roles, logins, teams and none per command', () => {
    expect(parsePolicy(settings('deploy=write, octo-org/qa @ann\nextend=triage\ndestroy=none'))).toEqual({
      deploy: [
        { kind: 'role', role: 'write' },
        { kind: 'team', org: 'octo-org', slug: 'qa' },
        { kind: 'user', login: 'ann' },
      ],
      extend: [{ kind: 'role', role: 'triage' }],
      destroy: [{ kind: 'none' }],
    });
  });

  it.each([
    ['frobnicate=write', "'frobnicate' is not a command"],
    ['deploy=none, write', "'none' stands alone"],
    ['deploy=octo-org/qa/extra', 'is neither a role'],
    ['deploy=', 'names nobody'],
  ])('refuses %j, naming the file line', (text, message) => {
    expect(() => parsePolicy(settings(text))).toThrow(message);
    expect(() => parsePolicy(settings(text))).toThrow('.github/ecs-environments.yml:12');
  });

  it('allows by login without asking GitHub, by role at or above, by team; refuses none even to an admin', async () => {
    const who = people({ maya: 'maintain', root: 'admin', ann: 'read' }, { 'octo-org/qa': ['qa-ann'] });
    const policy = parsePolicy(settings('deploy=write, octo-org/qa, bob\nseed=none'));
    expect(await authorize(policy.deploy!, 'bob', who)).toMatchObject({ allowed: true });
    expect(who.asked).toEqual([]);
    expect(await authorize(policy.deploy!, 'maya', who)).toMatchObject({
      allowed: true,
      because: '@maya has the maintain role',
    });
    expect(await authorize(policy.deploy!, 'qa-ann', who)).toMatchObject({ allowed: true });
    expect(await authorize(policy.deploy!, 'ann', who)).toEqual({
      allowed: false,
      because: 'only people with the write role or above, members of octo-org/qa, @bob may',
    });
    expect(await authorize(policy.seed!, 'root', who)).toMatchObject({ allowed: false });
  });
});
