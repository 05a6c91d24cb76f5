import { type InputLookup, Inputs, UserError } from '@ecs-actions/kit';
import { describe, expect, it } from 'vitest';
import type { Wave } from './inputs.js';
import { approvalPolicy, type EnvironmentRules, type PlanGitHub, planGates } from './plan.js';
import { report } from './report.js';

// The plan's choice of gate per wave and the report's reading of states, with typed fakes: the failures of the
// environments API (403 without `actions: read`) and a service left failed without an alarm are not something
// the GitHub fake or moto produce on their own. The workflow's replay (test/workflows/deploy-replay.test.ts) runs
// the same code through the bundle.
const file =
  (values: Record<string, string>): InputLookup =>
  (name) =>
    values[name] === undefined
      ? undefined
      : { value: values[name]!, origin: '.github/ecs-environments.yml:7' };
const inputs = (values: Record<string, string>) => new Inputs(file(values));
const waves: Wave[] = [
  { name: 'red', services: ['web-red'] },
  { name: 'yellow', services: ['web-yellow'] },
  { name: 'green', services: ['web-green'] },
];
const github = (rules: Record<string, EnvironmentRules | 'forbidden'>): PlanGitHub => ({
  async environment(name) {
    const found = rules[name] ?? { exists: false, reviewers: [], preventSelfReview: false };
    if (found === 'forbidden') throw new UserError(`Could not read GitHub environment '${name}' (403)`);
    return found;
  },
});

describe('approvalPolicy', () => {
  it('reads one value for every wave, or a mapping by wave; refuses unknown waves and values', () => {
    expect([...approvalPolicy(inputs({ approval: 'required' }), waves).values()]).toEqual([true, true, true]);
    expect([...approvalPolicy(inputs({}), waves).values()]).toEqual([false, false, false]);
    expect([...approvalPolicy(inputs({ approval: 'green=required\nyellow=none' }), waves).values()]).toEqual([
      false,
      false,
      true,
    ]);
    expect(() => approvalPolicy(inputs({ approval: 'blue=required' }), waves)).toThrow(
      "Input 'approval' (from .github/ecs-environments.yml:7) names 'blue', which is not a wave of this environment. Waves: red, yellow, green.",
    );
    expect(() => approvalPolicy(inputs({ approval: 'yes' }), waves)).toThrow(
      "'yes' for wave 'red' is not one of required, none",
    );
  });
});

describe('planGates', () => {
  it('uses the environment gate where it has reviewers, the approval gate where approvers are set for the wave', async () => {
    const settings = inputs({ approval: 'required', approvers: 'yellow=alice\ngreen=octo-org/sre, bob' });
    const { waves: planned } = await planGates(
      waves,
      approvalPolicy(settings, waves),
      settings,
      github({
        red: { exists: true, reviewers: ['lead'], preventSelfReview: true },
        yellow: { exists: true, reviewers: [], preventSelfReview: false },
      }),
    );
    expect(planned.map((w) => w.gate)).toEqual(['environment', 'approval', 'approval']);
  });

  it('fails listing every wave nothing can hold, before anything else', async () => {
    const settings = inputs({ approval: 'required', approvers: 'green=bob' });
    const planning = planGates(
      waves,
      approvalPolicy(settings, waves),
      settings,
      github({ yellow: { exists: true, reviewers: [], preventSelfReview: false } }),
    );
    await expect(planning).rejects.toThrow(
      "  - wave 'red': there is no GitHub environment of that name yet (GitHub creates it without reviewers), and 'approvers' names nobody for it\n  - wave 'yellow': its GitHub environment has no required reviewers, and 'approvers' names nobody for it\n",
    );
  });

  it('a token that cannot read an environment fails a wave that needs approval, and is only a gap in the summary otherwise', async () => {
    const settings = inputs({ approval: 'green=required', approvers: 'bob' });
    const policy = approvalPolicy(settings, waves);
    const { waves: planned, rules } = await planGates(
      waves,
      policy,
      settings,
      github({ red: 'forbidden', green: { exists: true, reviewers: [], preventSelfReview: false } }),
    );
    expect(planned.map((w) => w.gate)).toEqual(['none', 'none', 'approval']);
    expect(rules.get('red')).toBeUndefined();
    await expect(planGates(waves, policy, settings, github({ green: 'forbidden' }))).rejects.toThrow(
      "Could not read GitHub environment 'green' (403)",
    );
    await expect(planGates(waves, policy, settings, undefined)).rejects.toThrow(
      "Wave 'green' needs an approval, and the plan cannot read its GitHub environment without 'github-token' (actions: read).",
    );
  });

  it('warns when an environment gate lets the deploy’s author approve it, unless self-approval is allowed', async () => {
    const rules = { red: { exists: true, reviewers: ['lead'], preventSelfReview: false } };
    const strict = inputs({ approval: 'red=required' });
    const { warnings } = await planGates(waves, approvalPolicy(strict, waves), strict, github(rules));
    expect(warnings).toEqual([
      `GitHub environment 'red' lets the person who started the deploy approve it: turn on "Prevent self-review" in its protection rules (the approval gate refuses self-approval unless 'allow-self-approval').`,
    ]);
    const lenient = inputs({ approval: 'red=required', 'allow-self-approval': 'true' });
    const relaxed = await planGates(waves, approvalPolicy(lenient, waves), lenient, github(rules));
    expect(relaxed.warnings).toEqual([]);
  });

  it('refuses an approver that is neither a login, a team nor a role', async () => {
    const settings = inputs({ approval: 'required', approvers: 'alice; rm -rf' });
    await expect(planGates(waves, approvalPolicy(settings, waves), settings, github({}))).rejects.toThrow(
      "Input 'approvers' (from .github/ecs-environments.yml:7): 'alice;' is neither a login",
    );
  });
});

describe('report', () => {
  it('reads each service now: a failed wave without an alarm, one never reached, one deployed', async () => {
    const now: Record<string, string> = {
      'web-red': 'arn:aws:ecs:us-east-1:1:task-definition/web:8',
      'web-yellow': 'arn:aws:ecs:us-east-1:1:task-definition/web:7',
      'web-green': 'arn:aws:ecs:us-east-1:1:task-definition/web:7',
    };
    const ecs = {
      send: async (command: { input: { services?: string[] } }) => ({
        services: (command.input.services ?? []).map((s) => ({ serviceName: s, taskDefinition: now[s] })),
      }),
    };
    const rows = await report({
      ecs: ecs as never,
      cluster: 'shop',
      waves,
      previous: {
        'web-red': now['web-yellow']!,
        'web-yellow': now['web-yellow']!,
        'web-green': now['web-green']!,
      },
      target: now['web-red'],
      results: {
        'wave-1': { result: 'success', outputs: {} },
        'wave-2': { result: 'failure', outputs: { alarm: '' } },
        'wave-3': { result: 'skipped', outputs: {} },
      },
      approvals: [],
    });
    expect(rows.map((r) => [r.service, r.revision, r.state])).toEqual([
      ['web-red', 'web:8', 'deployed'],
      ['web-yellow', 'web:7', 'failed'],
      ['web-green', 'web:7', 'not-reached'],
    ]);
  });
});
