// The AWS Price List Query API simulator: GetProducts over the service's real wire protocol (awsJson1_1,
// `X-Amz-Target: AWSPriceListService.GetProducts`, `__type` errors) for the real SDK client, reached through
// AWS_ENDPOINT_URL_PRICING. moto has no Price List API.
//
// It follows the API reference for what the suite calls: filters (TERM_MATCH, EQUALS, CONTAINS, ANY_OF, NONE_OF)
// on product attributes, pages of at most MaxResults (1–100) with an opaque NextToken, FormatVersion `aws_v1`,
// and the documented errors: InvalidParameterException (a bad MaxResults, filter or format version),
// NotFoundException (an unknown service code), InvalidNextTokenException, AccessDeniedException (a role without
// `pricing:GetProducts`: `deny`) and ThrottlingException (`throttle`). The API is served only in us-east-1,
// eu-central-1 and ap-south-1: a request signed for another region has no endpoint in AWS (no DNS name), so the
// simulator drops its connection. The products are the test's fixtures, not AWS's prices.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export const PRICE_LIST_REGIONS = ['us-east-1', 'eu-central-1', 'ap-south-1'];
const FILTER_TYPES = ['TERM_MATCH', 'EQUALS', 'CONTAINS', 'ANY_OF', 'NONE_OF'];

/** One product as GetProducts lists it (a PriceList entry, before it is turned into a JSON string). */
export interface PriceListProduct {
  serviceCode: string;
  attributes: Record<string, string>;
  /** USD per unit, on demand. */
  usd: number;
  unit: string;
}

export interface PricingSimulator {
  endpoint: string;
  /** Products listed, by service code (a service code is known once it has a product). */
  addProducts(products: PriceListProduct[]): void;
  /** Every GetProducts request received (after the region check). */
  readonly requests: { region: string; body: Record<string, unknown> }[];
  /** The role lacks pricing:GetProducts: every call answers AccessDeniedException. */
  deny: boolean;
  /** The next `throttle` calls answer ThrottlingException. */
  throttle: number;
  /** Requests are read and never answered (an endpoint that cannot be reached from the runner). */
  hang: boolean;
  stop(): Promise<void>;
}

/** A Fargate product of AmazonECS in a region, the way the price list names it (`EUW1-Fargate-GB-Hours`). */
export function fargateProduct(region: string, prefix: string, usage: string, usd: number): PriceListProduct {
  return {
    serviceCode: 'AmazonECS',
    attributes: { regionCode: region, usagetype: `${prefix}-${usage}`, servicecode: 'AmazonECS' },
    usd,
    unit: usage.includes('vCPU') ? 'hours' : 'GB-Hours',
  };
}

function render(product: PriceListProduct, index: number): string {
  const sku = `SKU${index.toString().padStart(12, '0')}`;
  const term = `${sku}.JRTCKXETXF`;
  return JSON.stringify({
    product: { productFamily: 'Compute', attributes: product.attributes, sku },
    serviceCode: product.serviceCode,
    terms: {
      OnDemand: {
        [term]: {
          priceDimensions: {
            [`${term}.6YS6EN2CT7`]: {
              unit: product.unit,
              endRange: 'Inf',
              description: `${product.attributes.usagetype} per ${product.unit}`,
              appliesTo: [],
              rateCode: `${term}.6YS6EN2CT7`,
              beginRange: '0',
              pricePerUnit: { USD: product.usd.toFixed(10) },
            },
          },
          sku,
          effectiveDate: '2026-11-01T00:00:00Z',
          offerTermCode: 'JRTCKXETXF',
          termAttributes: {},
        },
      },
    },
    version: '20261101000000',
    publicationDate: '2026-11-01T00:00:00Z',
  });
}

function matches(attributes: Record<string, string>, filter: { Type: string; Field: string; Value: string }) {
  const value = attributes[filter.Field];
  switch (filter.Type) {
    case 'TERM_MATCH':
    case 'EQUALS':
      return value === filter.Value;
    case 'CONTAINS':
      return value?.includes(filter.Value) ?? false;
    case 'ANY_OF':
      return value !== undefined && filter.Value.split(',').includes(value);
    default:
      return value === undefined || !filter.Value.split(',').includes(value);
  }
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startPricingSimulator(): Promise<PricingSimulator> {
  const products: PriceListProduct[] = [];
  const tokens = new Map<string, { key: string; offset: number }>();
  const requests: PricingSimulator['requests'] = [];
  const sim = { deny: false, throttle: 0, hang: false };

  const server = createServer(async (req, res) => {
    const text = await body(req);
    if (sim.hang) return;
    const region =
      /Credential=[^/]+\/\d{8}\/([^/]+)\/pricing\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
    // api.pricing.<region>.amazonaws.com exists only in three regions: elsewhere there is nobody to answer.
    if (!PRICE_LIST_REGIONS.includes(region)) {
      req.socket.destroy();
      return;
    }
    const fail = (type: string, message: string) => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify({ __type: type, Message: message }));
    };
    if (req.headers['x-amz-target'] !== 'AWSPriceListService.GetProducts')
      return fail('UnknownOperationException', `${String(req.headers['x-amz-target'])} is not simulated`);
    const input = JSON.parse(text || '{}') as {
      ServiceCode?: string;
      Filters?: { Type?: string; Field?: string; Value?: string }[];
      FormatVersion?: string;
      NextToken?: string;
      MaxResults?: number;
    };
    requests.push({ region, body: input as Record<string, unknown> });
    if (sim.deny)
      return fail(
        'AccessDeniedException',
        'User is not authorized to perform: pricing:GetProducts because no identity-based policy allows the pricing:GetProducts action',
      );
    if (sim.throttle > 0) {
      sim.throttle--;
      return fail('ThrottlingException', 'Rate exceeded');
    }
    if (!input.ServiceCode) return fail('InvalidParameterException', 'ServiceCode is required.');
    const max = input.MaxResults ?? 100;
    if (!Number.isInteger(max) || max < 1 || max > 100)
      return fail('InvalidParameterException', `MaxResults ${max} is not between 1 and 100.`);
    if (input.FormatVersion !== undefined && input.FormatVersion !== 'aws_v1')
      return fail('InvalidParameterException', `FormatVersion ${input.FormatVersion} is not supported.`);
    const filters = input.Filters ?? [];
    for (const f of filters) {
      if (!f.Type || !FILTER_TYPES.includes(f.Type) || !f.Field || f.Value === undefined)
        return fail('InvalidParameterException', `Filter ${JSON.stringify(f)} is not valid.`);
    }
    const all = products.filter((p) => p.serviceCode === input.ServiceCode);
    if (all.length === 0)
      return fail('NotFoundException', `Service code ${input.ServiceCode} was not found.`);
    const key = JSON.stringify([input.ServiceCode, filters]);
    let offset = 0;
    if (input.NextToken !== undefined) {
      const token = tokens.get(input.NextToken);
      if (!token || token.key !== key)
        return fail('InvalidNextTokenException', 'The pagination token is invalid.');
      offset = token.offset;
    }
    const found = all.filter((p) =>
      filters.every((f) => matches(p.attributes, f as { Type: string; Field: string; Value: string })),
    );
    const page = found.slice(offset, offset + max);
    let next: string | undefined;
    if (offset + max < found.length) {
      next = randomUUID();
      tokens.set(next, { key, offset: offset + max });
    }
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(
      JSON.stringify({
        FormatVersion: 'aws_v1',
        PriceList: page.map((p) => render(p, products.indexOf(p))),
        ...(next ? { NextToken: next } : {}),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    addProducts: (more) => products.push(...more),
    requests,
    get deny() {
      return sim.deny;
    },
    set deny(value: boolean) {
      sim.deny = value;
    },
    get hang() {
      return sim.hang;
    },
    set hang(value: boolean) {
      sim.hang = value;
    },
    get throttle() {
      return sim.throttle;
    },
    set throttle(value: number) {
      sim.throttle = value;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
