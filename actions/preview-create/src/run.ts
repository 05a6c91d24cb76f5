import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { keyLabel, type Octokit, type PreviewKey, type StepDeps } from '@ecs-actions/kit';
import {
  type DeploymentTarget,
  retireEarlierDeployments,
  setDeploymentStatus,
  startDeployment,
} from '@ecs-actions/preview';
import { describeAuth } from '@ecs-actions/preview/auth';
import { type CostBasis, type FargateRates, resolveRates, taskHourly } from '@ecs-actions/preview/cost';
import { checkBudget } from './budget.js';
import type { CreateInputs } from './inputs.js';
import { planPreview } from './plan.js';
import { applyRouting, findRouting } from './routing.js';
import { applyService, costBasisOf, findServices, renderRevision } from './service.js';
import { waitUntilReady } from './wait.js';

export interface CreateDeps extends StepDeps {
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  octokit: Octokit | undefined;
  /** Fargate rates of a region outside the cost table (the AWS Price List API); undefined: the table only. */
  readRates?: (region: string) => Promise<Partial<FargateRates>>;
}

export interface CreateResult {
  key: PreviewKey;
  url: string;
  host: string;
  serviceArn: string;
  serviceName: string;
  taskDefinitionArn: string;
  targetGroupArn: string;
  ruleArn: string;
  created: boolean;
  /** What this run created or changed, in words, for the summary. */
  changes: string[];
  phases: { name: string; ms: number }[];
  deploymentId: number | undefined;
  /** Who may open it, in words (never a secret). */
  login: string;
  /** Estimated USD per day awake (Fargate only), and where the rates come from; undefined off Fargate. */
  cost: { perDay: number; source: string } | undefined;
}

/**
 * Creates the PR's environment, or brings an existing one to the wanted state. Phases: plan (no AWS call)
 * → discover (services, revision, route; every refusal happens here, before any change) → GitHub
 * deployment → apply (route, then service; each step converges, so a re-run after a crash anywhere
 * finishes the job) → wait.
 */
export async function runCreate(inputs: CreateInputs, deps: CreateDeps): Promise<CreateResult> {
  const { ecs, elb, clock, log, context } = deps;
  const phases: CreateResult['phases'] = [];
  let phaseStart = clock.now();
  const phase = (name: string) => {
    const now = clock.now();
    phases.push({ name, ms: now - phaseStart });
    phaseStart = now;
  };
  const changes: string[] = [];

  const plan = planPreview(inputs, context, new Date(clock.now()));
  const rates = await resolveRates(
    inputs.region ?? process.env.AWS_REGION,
    inputs.fargateRates,
    deps.readRates,
    new Date(clock.now()),
  );
  phase('validate inputs');

  const services = await findServices(ecs, inputs, plan, context.repository, clock, log);
  const revision = await renderRevision(ecs, inputs, plan, services);
  const routing = await findRouting(elb, inputs, plan, context.repository);
  if (!services.existing) {
    const basis = costBasisOf(revision.rendered, services.template);
    await checkBudget(ecs, inputs, plan, context.repository, basis, rates.rates, clock.now());
  }
  phase('discover');

  const deployment: DeploymentTarget | undefined =
    inputs.githubDeployments && deps.octokit
      ? {
          octokit: deps.octokit,
          context,
          environment: inputs.deploymentEnvironment,
          task: plan.names.deploymentTask,
          warn: deps.warn,
        }
      : undefined;
  const deploymentId = deployment
    ? await startDeployment(deployment, {
        ref: context.headSha,
        key: plan.key,
        payload: { service: plan.names.service, cluster: inputs.cluster },
        description: `Preview of ${keyLabel(plan.key)}`,
      })
    : undefined;

  try {
    const { groupArn, ruleArn } = await applyRouting(
      elb,
      inputs,
      plan,
      routing,
      { networkMode: revision.rendered.spec.networkMode, port: revision.rendered.port },
      context.repository,
      log,
      changes,
    );
    const { service, created, taskDefinitionArn } = await applyService(
      ecs,
      elb,
      inputs,
      plan,
      services,
      revision,
      groupArn,
      clock,
      changes,
    );
    phase('apply');

    if (inputs.wait && service) {
      await waitUntilReady(
        ecs,
        elb,
        inputs,
        plan.names.service,
        service,
        groupArn,
        changes.length > 0,
        clock,
        log,
      );
      phase('wait for the service');
    }

    log(`Preview of ${keyLabel(plan.key)}: ${plan.url}`);
    if (deployment && deploymentId !== undefined) {
      await setDeploymentStatus(deployment, deploymentId, 'success', {
        environmentUrl: plan.url,
        description: 'Preview is ready',
      });
      await retireEarlierDeployments(deployment, deploymentId);
    }
    return {
      key: plan.key,
      url: plan.url,
      host: plan.host,
      serviceArn: service?.serviceArn ?? services.existing?.serviceArn ?? '',
      serviceName: plan.names.service,
      taskDefinitionArn,
      targetGroupArn: groupArn,
      ruleArn,
      created,
      changes,
      phases,
      deploymentId,
      login: describeAuth(inputs.auth),
      cost: costOf(
        costBasisOf(revision.rendered, services.existing ?? services.template),
        inputs.desiredCount,
        rates,
      ),
    };
  } catch (error) {
    if (deployment && deploymentId !== undefined) {
      await setDeploymentStatus(deployment, deploymentId, 'failure', {
        description: `Preview failed: ${(error as Error).message}`.slice(0, 140),
      }).catch(() => {});
    }
    throw error;
  }
}

function costOf(
  basis: CostBasis | undefined,
  tasks: number,
  { rates, source }: { rates: FargateRates; source: string },
): CreateResult['cost'] {
  return basis ? { perDay: taskHourly(basis, rates) * tasks * 24, source } : undefined;
}
