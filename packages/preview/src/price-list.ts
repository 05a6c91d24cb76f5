// Fargate's rates for any region, from the AWS Price List Query API (`pricing:GetProducts`), for the regions the
// table in cost.ts does not hold. The API answers from us-east-1 (also eu-central-1 and ap-south-1) for every
// region. Products of the AmazonECS service code in the region are read (paginated, 100 per page) and the four
// Linux on-demand rates picked by their usage type (`EUW1-Fargate-vCPU-Hours:perCPU`, `…-Fargate-GB-Hours`, and
// the ARM pair); Windows, Spot and storage products are left out.
import { PricingClient, paginateGetProducts } from '@aws-sdk/client-pricing';
import { createAwsClient } from '@ecs-actions/kit';
import type { FargateRates } from './cost.js';

/** Where the Price List Query API is served (it lists every region's prices). */
export const PRICE_LIST_REGION = 'us-east-1';

const USAGE: [RegExp, keyof FargateRates][] = [
  [/^(?:[A-Z0-9]+-)?Fargate-vCPU-Hours:perCPU$/, 'vcpuHour'],
  [/^(?:[A-Z0-9]+-)?Fargate-GB-Hours$/, 'gbHour'],
  [/^(?:[A-Z0-9]+-)?Fargate-ARM-vCPU-Hours:perCPU$/, 'armVcpuHour'],
  [/^(?:[A-Z0-9]+-)?Fargate-ARM-GB-Hours$/, 'armGbHour'],
];

interface PriceListItem {
  product?: { attributes?: { usagetype?: string } };
  terms?: {
    OnDemand?: Record<string, { priceDimensions?: Record<string, { pricePerUnit?: { USD?: string } }> }>;
  };
}

/** The on-demand USD price of one price list item (its first term's first dimension). */
function onDemandUsd(item: PriceListItem): number | undefined {
  const term = Object.values(item.terms?.OnDemand ?? {})[0];
  const dimension = Object.values(term?.priceDimensions ?? {})[0];
  const usd = Number(dimension?.pricePerUnit?.USD);
  return Number.isFinite(usd) && usd > 0 ? usd : undefined;
}

/** The region's Fargate Linux on-demand rates that the price list has (any of the four may be missing). */
export async function listedRates(
  pricing: Pick<PricingClient, 'send'>,
  region: string,
): Promise<Partial<FargateRates>> {
  const rates: Partial<FargateRates> = {};
  const pages = paginateGetProducts(
    { client: pricing as PricingClient, pageSize: 100 },
    {
      ServiceCode: 'AmazonECS',
      FormatVersion: 'aws_v1',
      Filters: [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: region }],
    },
  );
  for await (const page of pages) {
    for (const text of page.PriceList ?? []) {
      const item = JSON.parse(String(text)) as PriceListItem;
      const usage = item.product?.attributes?.usagetype ?? '';
      const field = USAGE.find(([pattern]) => pattern.test(usage))?.[1];
      const usd = onDemandUsd(item);
      if (field && usd !== undefined) rates[field] = usd;
    }
  }
  return rates;
}

/** Reads a region's rates through a Pricing client made on first use. */
export function priceListReader(): (region: string) => Promise<Partial<FargateRates>> {
  let client: PricingClient | undefined;
  return async (region) => {
    // An estimate's input, not the step's purpose: two tries, 10 s each, then the table's rates.
    client ??= createAwsClient(PricingClient, {
      region: PRICE_LIST_REGION,
      maxAttempts: 2,
      timeoutMs: 10_000,
    });
    return listedRates(client, region);
  };
}
