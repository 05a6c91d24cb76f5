// `mode: plan` and `mode: report` wired to GitHub and AWS (loaded only for these modes).
import { ECSClient } from '@aws-sdk/client-ecs';
import { createAwsClient } from '@ecs-actions/kit/aws';
import { httpStatusOf, runContext } from '@ecs-actions/kit/context';
import { UserError } from '@ecs-actions/kit/errors';
import { createOctokit, type Octokit } from '@ecs-actions/kit/github';
import type { Inputs } from '@ecs-actions/kit/inputs';
import { info, setOutputs, warning, writeSummary } from '@ecs-actions/kit/step';
import { type DeployInputs, parseWaves } from './inputs.js';
import { INPUT, OUTPUT } from './names.js';
import {
  approvalPolicy,
  currentRevisions,
  type EnvironmentRules,
  type PlanGitHub,
  planGates,
  planMarkdown,
} from './plan.js';
import { type RunApproval, report, reportMarkdown } from './report.js';

function github(inputs: Inputs): { octokit: Octokit; owner: string; repo: string } | undefined {
  const token = inputs.string(INPUT.githubToken);
  if (!token || !process.env.GITHUB_REPOSITORY) return undefined;
  const context = runContext();
  return { octokit: createOctokit(token), owner: context.owner, repo: context.repo };
}

/** A wave environment's required reviewers, from `GET /repos/{owner}/{repo}/environments/{name}`. */
function planGitHub(gh: NonNullable<ReturnType<typeof github>>): PlanGitHub {
  return {
    async environment(name): Promise<EnvironmentRules> {
      try {
        const { data } = await gh.octokit.rest.repos.getEnvironment({
          owner: gh.owner,
          repo: gh.repo,
          environment_name: name,
        });
        const rule = (data.protection_rules ?? []).find((r) => r.type === 'required_reviewers') as
          | {
              prevent_self_review?: boolean;
              reviewers?: { reviewer?: { login?: string; slug?: string } }[];
            }
          | undefined;
        return {
          exists: true,
          reviewers: (rule?.reviewers ?? []).map((x) => x.reviewer?.login ?? x.reviewer?.slug ?? '?'),
          preventSelfReview: rule?.prevent_self_review === true,
        };
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 404) return { exists: false, reviewers: [], preventSelfReview: false };
        if (status === 401 || status === 403) {
          throw new UserError(
            `Could not read GitHub environment '${name}' (${status}): the plan job's token needs 'actions: read' to see its required reviewers.`,
          );
        }
        throw error;
      }
    },
  };
}

/** `mode: plan`: the waves with their gates, the current revisions, the summary. */
export async function writePlan(inputs: Inputs, parsed: DeployInputs): Promise<void> {
  // The step's own `environment` input (it wins over the environments file, which does not set it).
  const environment = inputs.string(INPUT.environment) ?? 'default';
  const waves = parseWaves(inputs, inputs.string(INPUT.environment));
  const policy = approvalPolicy(inputs, waves);
  const gh = github(inputs);
  const { waves: planned, rules, warnings } = await planGates(waves, policy, inputs, gh && planGitHub(gh));
  for (const line of warnings) warning(line);
  const rollbackOnAlarm = inputs.boolean(INPUT.rollbackOnAlarm, false);
  const region = parsed.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  let revisions: Record<string, string> | undefined;
  if (parsed.cluster && region) {
    const ecs = createAwsClient(ECSClient, { region: parsed.region });
    revisions = await currentRevisions(
      ecs,
      parsed.cluster,
      waves.flatMap((w) => w.services),
    ).catch((error: unknown) => {
      // A plan without AWS credentials (run on its own, to see the waves) still plans; only a rollback needs them.
      if ((error as { name?: string }).name !== 'CredentialsProviderError' || rollbackOnAlarm) throw error;
      info('No AWS credentials: the current revisions of the services were not read.');
      return undefined;
    });
  }
  if (revisions === undefined && rollbackOnAlarm) {
    throw new UserError(
      "'rollback-on-alarm' needs the revisions the services run before the deploy: give the plan step AWS credentials and a 'cluster'.",
    );
  }
  setOutputs({
    [OUTPUT.waves]: planned,
    [OUTPUT.previous]: revisions ?? {},
    [OUTPUT.rollbackOnAlarm]: rollbackOnAlarm,
  });
  await writeSummary(planMarkdown(environment, planned, rules, inputs.string(INPUT.approvers), revisions));
}

/** `mode: report`: the wave × service matrix after the deploy workflow's waves (and rollback) ran. */
export async function writeReport(inputs: Inputs, parsed: DeployInputs): Promise<void> {
  const waves = parseWaves(inputs, inputs.string(INPUT.environment));
  const json = (name: string): Record<string, unknown> => {
    const text = inputs.string(name) ?? '{}';
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // falls through to the error
    }
    throw new UserError(`Input '${name}' is not a JSON object (the deploy workflow passes it).`);
  };
  const gh = github(inputs);
  let approvals: RunApproval[] = [];
  const runId = Number(process.env.GITHUB_RUN_ID);
  if (gh && runId > 0) {
    // Who approved the environment gates of this run (GitHub keeps the reviews; none for the approval gates).
    approvals = await gh.octokit.rest.actions
      .getReviewsForRun({ owner: gh.owner, repo: gh.repo, run_id: runId })
      .then(({ data }) =>
        data.map((r) => ({
          user: r.user?.login ?? '?',
          state: r.state,
          environments: (r.environments ?? []).map((e) => e.name ?? ''),
        })),
      )
      .catch((error: unknown) => {
        // Only the report's "Approved" column needs it: say why it is empty instead of failing the report.
        info(
          `The run's environment approvals were not read (${httpStatusOf(error) ?? 'error'}: needs 'actions: read').`,
        );
        return [];
      });
  }
  const result = await report({
    ecs: createAwsClient(ECSClient, { region: parsed.region }),
    cluster: parsed.cluster,
    waves,
    previous: json(INPUT.previous) as Record<string, string>,
    target: parsed.taskDefinitionArn,
    results: json(INPUT.results) as Parameters<typeof report>[0]['results'],
    approvals,
  });
  await writeSummary(reportMarkdown(inputs.string(INPUT.environment) ?? 'default', result));
}
