// `mode: plan`: what the deploy workflow is about to do, checked before anything is built. The waves in order;
// for each, the gate that holds it (the GitHub environment's required reviewers where the environment has them,
// else the approval gate job with `approvers`), failing when a wave that needs an approval could get neither;
// and the revision every service runs now (what a rollback returns to), which also proves every service exists.
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { UserError } from '@ecs-actions/kit/errors';
import { type Inputs, perWave, perWaveEntries } from '@ecs-actions/kit/inputs';
import { parseApprovers } from '@ecs-actions/kit/people';
import { table } from '@ecs-actions/kit/step';
import type { Wave } from './inputs.js';
import { INPUT } from './names.js';

/** What holds a wave before it deploys. */
export type Gate =
  /** The wave's GitHub environment has required reviewers: the wave job waits for them. */
  | 'environment'
  /** The approval gate job runs before the wave (an allowed approver comments /approve). */
  | 'approval'
  /** Nothing beyond the previous wave's success (and whatever rules the environment has). */
  | 'none';

export interface PlannedWave extends Wave {
  gate: Gate;
}

/** A GitHub environment's protection as the plan needs it. */
export interface EnvironmentRules {
  exists: boolean;
  /** Logins and team slugs of its required reviewers (empty: none). */
  reviewers: string[];
  /** Whether GitHub refuses the deploy's own author as its reviewer ("Prevent self-review"). */
  preventSelfReview: boolean;
}

export interface PlanGitHub {
  /** Reads a wave environment's rules; throws a UserError when the token cannot. */
  environment(name: string): Promise<EnvironmentRules>;
}

export const APPROVAL = ['required', 'none'] as const;

/** Which waves need an approval: `approval: required` for all, or per wave (`production-green: required`). */
export function approvalPolicy(inputs: Inputs, waves: Wave[]): Map<string, boolean> {
  const text = inputs.string(INPUT.approval);
  const origin = inputs.origin(INPUT.approval);
  const at = `Input 'approval'${origin && origin !== 'input' ? ` (from ${origin})` : ''}`;
  const names = waves.map((w) => w.name);
  const entries = text === undefined ? undefined : perWaveEntries(text);
  if (entries) {
    const unknown = [...entries.keys()].filter((k) => !names.includes(k));
    if (unknown.length > 0) {
      throw new UserError(
        `${at} names ${unknown.map((u) => `'${u}'`).join(', ')}, which ${unknown.length > 1 ? 'are not waves' : 'is not a wave'} of this environment. Waves: ${names.join(', ')}.`,
      );
    }
  }
  const policy = new Map<string, boolean>();
  for (const name of names) {
    const value = (perWave(text, name) ?? 'none').trim().toLowerCase();
    if (!(APPROVAL as readonly string[]).includes(value)) {
      throw new UserError(
        `${at}: '${value}' for wave '${name}' is not one of ${APPROVAL.join(', ')}. Accepted: required, or a mapping such as production-green: required.`,
      );
    }
    policy.set(name, value === 'required');
  }
  return policy;
}

/**
 * The gate of each wave. A wave that needs an approval gets its environment's required reviewers when it has
 * some, else the approval gate with the wave's `approvers`; with neither the plan fails, listing every such wave,
 * so nothing deploys ungated. Environments of the other waves are read for the summary only.
 */
export async function planGates(
  waves: Wave[],
  policy: Map<string, boolean>,
  inputs: Inputs,
  github: PlanGitHub | undefined,
): Promise<{ waves: PlannedWave[]; rules: Map<string, EnvironmentRules | undefined>; warnings: string[] }> {
  const rules = new Map<string, EnvironmentRules | undefined>();
  const problems: string[] = [];
  const warnings: string[] = [];
  const allowSelf = inputs.boolean(INPUT.allowSelfApproval, false);
  const planned: PlannedWave[] = [];
  const approversText = inputs.string(INPUT.approvers);
  const origin = inputs.origin(INPUT.approvers);
  const at = `Input 'approvers'${origin && origin !== 'input' ? ` (from ${origin})` : ''}`;
  for (const wave of waves) {
    const required = policy.get(wave.name) === true;
    let found: EnvironmentRules | undefined;
    if (github) {
      try {
        found = await github.environment(wave.name);
      } catch (error) {
        if (required) throw error;
      }
    } else if (required) {
      throw new UserError(
        `Wave '${wave.name}' needs an approval, and the plan cannot read its GitHub environment without 'github-token' (actions: read).`,
      );
    }
    rules.set(wave.name, found);
    if (!required) {
      planned.push({ ...wave, gate: 'none' });
      continue;
    }
    if (found && found.reviewers.length > 0) {
      planned.push({ ...wave, gate: 'environment' });
      if (!found.preventSelfReview && !allowSelf) {
        warnings.push(
          `GitHub environment '${wave.name}' lets the person who started the deploy approve it: turn on "Prevent self-review" in its protection rules (the approval gate refuses self-approval unless 'allow-self-approval').`,
        );
      }
      continue;
    }
    const approvers = parseApprovers(perWave(approversText, wave.name) ?? '', at);
    if (approvers.length > 0) {
      planned.push({ ...wave, gate: 'approval' });
      continue;
    }
    problems.push(
      `wave '${wave.name}': ${found?.exists ? 'its GitHub environment has no required reviewers' : 'there is no GitHub environment of that name yet (GitHub creates it without reviewers)'}, and 'approvers' names nobody for it`,
    );
  }
  if (problems.length > 0) {
    throw new UserError(
      `A wave needs an approval (approval: required) that nothing can give:\n${problems.map((p) => `  - ${p}`).join('\n')}\nAdd required reviewers to the environment (GitHub offers them for public repositories, and for private ones on GitHub Enterprise), or set 'approvers' (logins, org/team slugs or a role) so the deploy workflow's approval gate asks. Nothing was built or deployed.`,
    );
  }
  return { waves: planned, rules, warnings };
}

/** DescribeServices takes at most 10 services per call. */
const SERVICES_PER_CALL = 10;

/**
 * The revision each service runs now: what a rollback of its wave returns to. A missing service fails the plan,
 * before anything is built.
 */
export async function currentRevisions(
  ecs: Pick<ECSClient, 'send'>,
  cluster: string,
  services: string[],
): Promise<Record<string, string>> {
  const unique = [...new Set(services)];
  const revisions: Record<string, string> = {};
  const missing: string[] = [];
  for (let i = 0; i < unique.length; i += SERVICES_PER_CALL) {
    const batch = unique.slice(i, i + SERVICES_PER_CALL);
    const { services: found = [] } = await ecs.send(
      new DescribeServicesCommand({ cluster, services: batch }),
    );
    for (const name of batch) {
      const service = found.find((s) => s.serviceName === name && s.status !== 'INACTIVE');
      if (service?.taskDefinition) revisions[name] = service.taskDefinition;
      else missing.push(name);
    }
  }
  if (missing.length > 0) {
    throw new UserError(
      `No active service ${missing.map((m) => `'${m}'`).join(', ')} in cluster ${cluster}: check the environment's 'waves' or 'service'. Nothing was built or deployed.`,
    );
  }
  return revisions;
}

/** The plan's summary: one row per wave with its gate and its services' current revisions. */
export function planMarkdown(
  environment: string,
  waves: PlannedWave[],
  rules: Map<string, EnvironmentRules | undefined>,
  approversText: string | undefined,
  revisions: Record<string, string> | undefined,
): string {
  const gate = (wave: PlannedWave) => {
    const found = rules.get(wave.name);
    const reviewers = found?.reviewers.length ? `required reviewers: ${found.reviewers.join(', ')}` : '';
    if (wave.gate === 'environment') return `🔒 environment (${reviewers})`;
    if (wave.gate === 'approval')
      return `🔒 approval gate (approvers: ${(perWave(approversText, wave.name) ?? '').replace(/\s*\n\s*/g, ', ')})`;
    return reviewers ? `environment (${reviewers})` : found === undefined ? 'not read' : 'none';
  };
  const rows = waves.map((w, i) => [
    String(i + 1),
    w.name,
    gate(w),
    w.services.map((s) => (revisions?.[s] ? `${s} (now ${revisions[s]!.split('/').pop()})` : s)).join(', '),
  ]);
  const ungated = waves.filter((w, i) => i > 0 && w.gate === 'none' && !rules.get(w.name)?.reviewers.length);
  return `### Deploy plan for \`${environment}\`\n\n${table(['Wave', 'GitHub environment', 'Gate', 'Services'], rows)}\n${
    ungated.length
      ? `\nWaves ${ungated.map((w) => `\`${w.name}\``).join(', ')} start as soon as the wave before succeeds: nobody approves them (\`approval: required\` asks for one).\n`
      : ''
  }`;
}
