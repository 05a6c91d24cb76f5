// What a preview costs: Fargate vCPU-hours and GB-hours of its task size × its running tasks × the hours it
// was awake. An estimate: it leaves out the ALB's LCUs, data transfer, logs and storage. The rates are a
// table with its source and date; another region's come from the AWS Price List API (price-list.ts), and a
// company's own (discounts) override them.
import { TAG, type Tags, UserError } from '@ecs-actions/kit';
import { SLEEP_TAG } from './sleep.js';

export interface FargateRates {
  /** USD per vCPU-hour and per GB-hour, Linux, on-demand. */
  vcpuHour: number;
  gbHour: number;
  armVcpuHour: number;
  armGbHour: number;
  /** Fargate Spot's price as a share of on-demand (it varies; ~70 % lower). */
  spotFactor: number;
}

/**
 * AWS Fargate pricing, Linux, on-demand, per hour, us-east-1 (aws.amazon.com/fargate/pricing, as recorded in
 * this project's facts on 2026-12-01). Other regions' rates are read from the AWS Price List API at run time.
 */
export const FARGATE_RATES: Record<string, FargateRates> = {
  'us-east-1': {
    vcpuHour: 0.04048,
    gbHour: 0.004445,
    armVcpuHour: 0.03238,
    armGbHour: 0.00356,
    spotFactor: 0.3,
  },
};
export const RATES_SOURCE = 'AWS Fargate pricing for us-east-1, Linux, on-demand (recorded 2026-12-01)';

const OVERRIDE_KEYS: Record<string, keyof FargateRates> = {
  vcpu_hour: 'vcpuHour',
  gb_hour: 'gbHour',
  arm_vcpu_hour: 'armVcpuHour',
  arm_gb_hour: 'armGbHour',
  spot_factor: 'spotFactor',
};

/** Rates read from the AWS Price List API for a region outside the table, or why they could not be. */
export type ListedRates = { rates: Partial<FargateRates>; source: string } | { error: string };

/**
 * The rates of a region with the `fargate-rates` overrides (lines `vcpu_hour=0.035`); says where they come from.
 * A region outside the table takes the rates `listed` for it (the AWS Price List API), the table's us-east-1 rates
 * filling what the listing lacks; without a listing, the us-east-1 rates, said so.
 */
export function ratesFor(
  region: string | undefined,
  overrides: Record<string, string>,
  listed?: ListedRates,
): { rates: FargateRates; source: string } {
  const known = region ? FARGATE_RATES[region] : undefined;
  const rates = { ...(known ?? FARGATE_RATES['us-east-1']!) };
  const fromList = !known && listed && 'rates' in listed ? listed : undefined;
  if (fromList) Object.assign(rates, fromList.rates);
  for (const [key, value] of Object.entries(overrides)) {
    const field = OVERRIDE_KEYS[key];
    const number = Number(value);
    if (!field) {
      throw new UserError(
        `Input 'fargate-rates': unknown rate '${key}'. Rates: ${Object.keys(OVERRIDE_KEYS).join(', ')}.`,
      );
    }
    if (!Number.isFinite(number) || number < 0) {
      throw new UserError(
        `Input 'fargate-rates': ${key}=${value} is not a price in USD, e.g. ${key}=0.04048.`,
      );
    }
    rates[field] = number;
  }
  const why = !known && listed && 'error' in listed ? ` (${listed.error})` : '';
  const base = known
    ? RATES_SOURCE
    : fromList
      ? fromList.source
      : `${RATES_SOURCE}; ${region ?? 'this region'} is not in the table${why}`;
  const source =
    Object.keys(overrides).length > 0
      ? `the fargate-rates setting (${base} for the rates it does not set)`
      : known || fromList
        ? base
        : `${base}: set fargate-rates for exact figures`;
  return { rates, source };
}

/** The prices `fargate-rates` can set (all but Spot's factor); with all of them, nothing needs to be read. */
const PRICE_KEYS = Object.keys(OVERRIDE_KEYS).filter((k) => k !== 'spot_factor');

/**
 * ratesFor, reading the rates of a region outside the table from the AWS Price List API first (one listing per
 * run). A listing that cannot be read (no `pricing:GetProducts` in the role, no network) is not an error: the
 * estimate falls back to us-east-1's rates, and its source says why.
 */
export async function resolveRates(
  region: string | undefined,
  overrides: Record<string, string>,
  read: ((region: string) => Promise<Partial<FargateRates>>) | undefined,
  today: Date,
): Promise<{ rates: FargateRates; source: string }> {
  // Also refuses bad overrides before any call.
  const plain = ratesFor(region, overrides);
  if (!region || FARGATE_RATES[region] || !read || PRICE_KEYS.every((k) => k in overrides)) return plain;
  let listed: ListedRates;
  try {
    const rates = await read(region);
    listed =
      rates.vcpuHour !== undefined && rates.gbHour !== undefined
        ? {
            rates,
            source: `AWS Price List API for ${region}, Linux, on-demand (read ${today.toISOString().slice(0, 10)})`,
          }
        : { error: `the AWS Price List API lists no Fargate Linux rates for ${region}` };
  } catch (error) {
    // The clients' error explanation wraps AWS's error (as its cause) in a UserError: AWS's name is what says why.
    const { name = 'Error', cause } = error as { name?: string; cause?: { name?: string } };
    const code = cause?.name ?? name;
    listed = {
      error:
        code === 'AccessDeniedException'
          ? "the AWS Price List API refused: allow 'pricing:GetProducts' to price this region"
          : `the AWS Price List API could not be read: ${code}`,
    };
  }
  return ratesFor(region, overrides, listed);
}

/** What one task of the preview is made of: its size, architecture and share of Fargate Spot. */
export interface CostBasis {
  /** CPU units (1024 = 1 vCPU) and memory in MiB of the task. */
  cpu: number;
  memory: number;
  arch: 'X86_64' | 'ARM64';
  /** Share of tasks on Fargate Spot (0 to 1), from the capacity provider strategy's weights. */
  spot: number;
}

/** The basis as a tag value (tag values allow `/` and `.`, not `,`): `256/512/X86_64/0`. */
export function basisTag(basis: CostBasis): string {
  return `${basis.cpu}/${basis.memory}/${basis.arch}/${Number(basis.spot.toFixed(2))}`;
}

export function parseBasis(value: string | undefined): CostBasis | undefined {
  const match = /^(\d+)\/(\d+)\/(X86_64|ARM64)\/([01](?:\.\d+)?)$/.exec(value ?? '');
  if (!match) return undefined;
  return {
    cpu: Number(match[1]),
    memory: Number(match[2]),
    arch: match[3] as CostBasis['arch'],
    spot: Number(match[4]),
  };
}

/** Share of Fargate Spot in a capacity provider strategy (by weight); 0 for a launch type. */
export function spotShare(strategy: { capacityProvider?: string; weight?: number }[] | undefined): number {
  const total = (strategy ?? []).reduce((n, s) => n + (s.weight ?? 0), 0);
  if (!strategy?.length || total === 0) return 0;
  const spot = strategy
    .filter((s) => s.capacityProvider === 'FARGATE_SPOT')
    .reduce((n, s) => n + (s.weight ?? 0), 0);
  return spot / total;
}

/** USD per hour of one running task. */
export function taskHourly(basis: CostBasis, rates: FargateRates): number {
  const arm = basis.arch === 'ARM64';
  const onDemand =
    (basis.cpu / 1024) * (arm ? rates.armVcpuHour : rates.vcpuHour) +
    (basis.memory / 1024) * (arm ? rates.armGbHour : rates.gbHour);
  return onDemand * (1 - basis.spot + basis.spot * rates.spotFactor);
}

/** Hours the preview was awake since it was created: its life less the time it slept (this sleep too). */
export function awakeHours(tags: Tags, now: number): number {
  const created = Date.parse(tags[TAG.createdAt] ?? '');
  if (!Number.isFinite(created)) return 0;
  const slept = Number(tags[SLEEP_TAG.sleptSeconds] ?? 0) || 0;
  const since = Date.parse(tags[SLEEP_TAG.since] ?? '');
  const sleeping = Number.isFinite(since) ? Math.max(0, (now - since) / 1000) : 0;
  return Math.max(0, (now - created) / 1000 - slept - sleeping) / 3600;
}

export interface CostEstimate {
  /** USD so far (awake hours × tasks × task-hour). */
  sofar: number;
  /** USD per day awake. */
  perDay: number;
}

/** The estimate of a preview from its service's tags (undefined without a cost basis: an older preview, EC2). */
export function estimateCost(
  tags: Tags,
  tasks: number,
  rates: FargateRates,
  now: number,
): CostEstimate | undefined {
  const basis = parseBasis(tags[TAG.costBasis]);
  if (!basis) return undefined;
  const hourly = taskHourly(basis, rates) * tasks;
  return { sofar: hourly * awakeHours(tags, now), perDay: hourly * 24 };
}

/** `$1.23` (two decimals; `<$0.01` for less). */
export function usd(amount: number): string {
  return amount > 0 && amount < 0.005 ? '<$0.01' : `$${amount.toFixed(2)}`;
}
