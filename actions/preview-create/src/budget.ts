// The budget cap: a team can limit how many previews run (`max-previews`) and what they may cost a month
// (`max-monthly-cost`, from the same estimate as the summary). Checked before the first creation only, so an
// existing preview always updates; a refusal happens before any change, and its message names the cap.
import type { ECSClient } from '@aws-sdk/client-ecs';
import { keyLabel, UserError } from '@ecs-actions/kit';
import { isAsleep, listServices, ownedKey } from '@ecs-actions/preview';
import { type CostBasis, estimateCost, type FargateRates, taskHourly, usd } from '@ecs-actions/preview/cost';
import type { CreateInputs } from './inputs.js';
import type { Plan } from './plan.js';

/** A refusal by the budget cap: preview.yml shows its message in the PR's comment row. */
export class BudgetRefusal extends UserError {}

const DAYS_PER_MONTH = 30;

/** The working previews of this repository and prefix in the cluster, with their estimated cost per day. */
async function runningPreviews(
  ecs: ECSClient,
  inputs: CreateInputs,
  plan: Plan,
  repository: string,
  rates: FargateRates,
  now: number,
) {
  const found: { label: string; perDay: number }[] = [];
  const scope = { cluster: inputs.cluster, repository, prefix: plan.prefix };
  for (const s of await listServices(ecs, inputs.cluster)) {
    const key = ownedKey(s.tags, scope);
    if (s.status !== 'ACTIVE' || !key) continue;
    const tasks = isAsleep(s.tags) ? 0 : (s.desiredCount ?? 1);
    found.push({ label: keyLabel(key), perDay: estimateCost(s.tags, tasks, rates, now)?.perDay ?? 0 });
  }
  return found;
}

/** Refuses a new preview beyond `max-previews` or `max-monthly-cost`; nothing to check without a cap. */
export async function checkBudget(
  ecs: ECSClient,
  inputs: CreateInputs,
  plan: Plan,
  repository: string,
  basis: CostBasis | undefined,
  rates: FargateRates,
  now: number,
): Promise<void> {
  if (inputs.maxPreviews === undefined && inputs.maxMonthlyCost === undefined) return;
  const running = await runningPreviews(ecs, inputs, plan, repository, rates, now);
  const who = `${keyLabel(plan.key)}'s preview was not created`;
  if (inputs.maxPreviews !== undefined && running.length >= inputs.maxPreviews) {
    throw new BudgetRefusal(
      `${who}: max-previews is ${inputs.maxPreviews} and ${running.length} previews of ${repository} already run in cluster ${inputs.cluster} (${running
        .map((r) => r.label)
        .slice(0, 10)
        .join(
          ', ',
        )}${running.length > 10 ? ', …' : ''}). Close a pull request (or let the sweep remove a stale preview), or raise max-previews in the environments file.`,
    );
  }
  if (inputs.maxMonthlyCost !== undefined) {
    const current = running.reduce((n, r) => n + r.perDay, 0) * DAYS_PER_MONTH;
    const added = basis ? taskHourly(basis, rates) * inputs.desiredCount * 24 * DAYS_PER_MONTH : 0;
    if (current + added > inputs.maxMonthlyCost) {
      throw new BudgetRefusal(
        `${who}: max-monthly-cost is ${usd(inputs.maxMonthlyCost)} and the ${running.length} awake previews are estimated at ${usd(current)} a month; this one would add ${usd(added)} (Fargate tasks only, ${DAYS_PER_MONTH} days awake). Put idle previews to sleep (idle-after), close a pull request, or raise max-monthly-cost.`,
      );
    }
  }
}
