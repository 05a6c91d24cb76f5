// The gate's inputs, checked before anything is written.
import { UserError } from '@ecs-actions/kit/errors';
import { type Inputs, perWave } from '@ecs-actions/kit/inputs';
import { type Grant, parseApprovers } from '@ecs-actions/kit/people';

export interface ApprovalInputs {
  githubToken: string;
  teamsToken: string | undefined;
  /** The GitHub environment (wave) the approval is for. */
  wave: string;
  /** The environments file's environment being deployed, and the ref: for the request's text. */
  environment: string | undefined;
  ref: string | undefined;
  approvers: Grant[];
  timeoutMs: number;
  pollMs: number;
  allowSelfApproval: boolean;
  prNumber: number | undefined;
}

export function parseApprovalInputs(inputs: Inputs): ApprovalInputs {
  const wave = inputs.required('wave', 'the GitHub environment (wave) to approve, e.g. production-red');
  const where = inputs.origin('approvers');
  const at = `Input 'approvers'${where && where !== 'input' ? ` (from ${where})` : ''}`;
  // One list for every wave, or a list per wave (`approvers:` as a mapping in the environments file).
  const approvers = parseApprovers(perWave(inputs.string('approvers'), wave) ?? '', at);
  if (approvers.length === 0) {
    throw new UserError(
      `${at} names nobody for '${wave}': name who may approve it (logins, org/team slugs, or a role such as maintain). Without approvers the wave would run ungated, so it does not run.`,
    );
  }
  const token = inputs.string('github-token', '');
  if (!token)
    throw new UserError("Input 'github-token' is empty: give the job's GITHUB_TOKEN (the default).");
  return {
    githubToken: token,
    teamsToken: inputs.string('teams-token') || undefined,
    wave,
    environment: inputs.string('environment'),
    ref: inputs.string('ref'),
    approvers,
    timeoutMs: inputs.duration('approval-timeout', '1h', { min: 1_000, max: 30 * 86_400_000 }),
    pollMs: inputs.duration('poll-interval', '15s', { min: 200 }),
    allowSelfApproval: inputs.boolean('allow-self-approval', false),
    prNumber: inputs.integer('pr-number', { min: 1 }),
  };
}
