import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { createAwsClient } from '@ecs-actions/kit';
import { resolveRates } from '@ecs-actions/preview/cost';
import { listedRates, PRICE_LIST_REGION } from '@ecs-actions/preview/price-list';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fargateProduct, type PricingSimulator, startPricingSimulator } from './simulator.js';

// The Price List simulator through the real SDK client, and the suite's reading of Fargate rates from it
// (packages/preview/src/price-list.ts). The prices are fixtures, not AWS's.
let sim: PricingSimulator;
const client = (region = PRICE_LIST_REGION) =>
  new PricingClient({
    region,
    endpoint: sim.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });

beforeAll(async () => {
  sim = await startPricingSimulator();
  sim.addProducts([
    fargateProduct('eu-west-1', 'EUW1', 'Fargate-vCPU-Hours:perCPU', 0.0501),
    fargateProduct('eu-west-1', 'EUW1', 'Fargate-GB-Hours', 0.0061),
    fargateProduct('eu-west-1', 'EUW1', 'Fargate-ARM-vCPU-Hours:perCPU', 0.0402),
    fargateProduct('eu-west-1', 'EUW1', 'Fargate-ARM-GB-Hours', 0.0049),
    // What must not be taken for the Linux on-demand rates: Windows, Spot, storage, another region.
    fargateProduct('eu-west-1', 'EUW1', 'Fargate-Windows-vCPU-Hours:perCPU', 0.9),
    fargateProduct('eu-west-1', 'EUW1', 'SpotUsage:Fargate-vCPU-Hours:perCPU', 0.015),
    fargateProduct('eu-west-1', 'EUW1', 'Fargate-EphemeralStorage-GB-Hours', 0.0001),
    fargateProduct('ap-northeast-2', 'APN2', 'Fargate-vCPU-Hours:perCPU', 0.7),
    // Enough other products of the region for several pages.
    ...Array.from({ length: 230 }, (_, i) =>
      fargateProduct('eu-west-1', 'EUW1', `ECS-Anywhere-Instance-Hours-${i}`, 0.01),
    ),
  ]);
});
afterAll(() => sim?.stop());

describe('the Price List simulator', () => {
  it('pages through a region’s products; the four Linux on-demand Fargate rates are picked out', async () => {
    sim.requests.length = 0;
    expect(await listedRates(client(), 'eu-west-1')).toEqual({
      vcpuHour: 0.0501,
      gbHour: 0.0061,
      armVcpuHour: 0.0402,
      armGbHour: 0.0049,
    });
    expect(sim.requests.length).toBe(3);
    expect(sim.requests[0]!.body).toMatchObject({
      ServiceCode: 'AmazonECS',
      MaxResults: 100,
      Filters: [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-1' }],
    });
    expect(await listedRates(client(), 'sa-east-1')).toEqual({});
  });

  it('answers the documented errors', async () => {
    const send = (input: ConstructorParameters<typeof GetProductsCommand>[0], region?: string) =>
      client(region)
        .send(new GetProductsCommand(input))
        .then(
          () => 'ok',
          (e: Error) => e.name,
        );
    expect(await send({ ServiceCode: 'AmazonECS', MaxResults: 101 })).toBe('InvalidParameterException');
    expect(await send({ ServiceCode: 'AmazonNope' })).toBe('NotFoundException');
    expect(await send({ ServiceCode: 'AmazonECS', NextToken: 'forged' })).toBe('InvalidNextTokenException');
    expect(
      await send({ ServiceCode: 'AmazonECS', Filters: [{ Type: 'LIKE' as never, Field: 'x', Value: 'y' }] }),
    ).toBe('InvalidParameterException');
    sim.throttle = 1;
    expect(await send({ ServiceCode: 'AmazonECS' })).toBe('ThrottlingException');
    // No endpoint outside the API's three regions.
    expect(await send({ ServiceCode: 'AmazonECS' }, 'eu-west-1')).not.toBe('ok');
    expect(await send({ ServiceCode: 'AmazonECS' }, 'eu-central-1')).toBe('ok');
  });

  it('a role without pricing:GetProducts gets the us-east-1 rates, and the source says what to allow', async () => {
    const today = new Date('2026-12-06T10:00:00Z');
    const read = (region: string) => listedRates(client(), region);
    const listed = await resolveRates('eu-west-1', {}, read, today);
    expect(listed.rates).toMatchObject({ vcpuHour: 0.0501, gbHour: 0.0061 });
    expect(listed.source).toBe('AWS Price List API for eu-west-1, Linux, on-demand (read 2026-12-06)');
    // An override wins over the listing, and is said so.
    const own = await resolveRates('eu-west-1', { gb_hour: '0.005' }, read, today);
    expect(own.rates).toMatchObject({ vcpuHour: 0.0501, gbHour: 0.005 });
    expect(own.source).toMatch(/^the fargate-rates setting \(AWS Price List API for eu-west-1/);
    sim.deny = true;
    try {
      sim.requests.length = 0;
      const denied = await resolveRates('eu-west-1', {}, read, today);
      expect(denied.rates.vcpuHour).toBe(0.04048);
      expect(denied.source).toContain(
        "eu-west-1 is not in the table (the AWS Price List API refused: allow 'pricing:GetProducts' to price this region)",
      );
      // us-east-1 is in the table: no call at all.
      await resolveRates('us-east-1', {}, read, today);
      expect(sim.requests.length).toBe(1);
    } finally {
      sim.deny = false;
    }
  });

  it('an API that never answers does not hold the step: the suite’s client gives up and the estimate falls back', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_PRICING: sim.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
    sim.hang = true;
    try {
      // The suite's client settings (createAwsClient), with a short timeout instead of the reader's 10 s.
      const pricing = createAwsClient(PricingClient, {
        region: PRICE_LIST_REGION,
        maxAttempts: 1,
        timeoutMs: 300,
      });
      const started = Date.now();
      const result = await resolveRates(
        'eu-west-1',
        {},
        (region) => listedRates(pricing, region),
        new Date(),
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result.rates.vcpuHour).toBe(0.04048);
      expect(result.source).toMatch(
        /eu-west-1 is not in the table \(the AWS Price List API could not be read: \w+\)/,
      );
    } finally {
      sim.hang = false;
      process.env = saved;
    }
  });
});
