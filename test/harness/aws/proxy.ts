// The fault and counting proxy: an HTTP server on 127.0.0.1 that forwards every request to moto, records
// which AWS operation each one was, and can answer in AWS's own error formats instead (throttling, server
// errors), drop the connection before or after moto did the work, or throttle by token buckets.
//
// How requests are identified (what the installed SDK v3 clients actually send, checked by logging them):
//   service   the SigV4 credential scope of the Authorization header: `Credential=AKID/20260101/us-east-1/ecs/
//             aws4_request` → `ecs`. ELBv2 signs as `elasticloadbalancing`, EC2 `ec2`, ACM `acm`, CodeDeploy
//             `codedeploy`.
//   protocol  awsJson   ECS, ACM, CodeDeploy: POST /, `Content-Type: application/x-amz-json-1.1`,
//                       `X-Amz-Target: AmazonEC2ContainerServiceV20141113.CreateService`.
//             awsQuery  ELBv2: POST /, `application/x-www-form-urlencoded`, `Action=CreateRule&Version=…`.
//             ec2Query  EC2: like awsQuery (`Action=CreateVpc`) with EC2's own error document.
//             rpcv2Cbor not sent by these clients today; recognised for newer SDKs: `Smithy-Protocol:
//                       rpc-v2-cbor`, POST /service/<Service>/operation/<Operation>.
//             rest      anything else; the operation is then `<METHOD> <path>`.
// Requests to moto's own API (/moto-api/…) are forwarded without being recorded.
import { randomUUID } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  allowingStatement,
  authorizationsOf,
  type Policy,
  type ResourceRef,
  resourcesOf,
} from './iam-eval.js';
import { fromQuery, refusal } from './realism.js';

/** Signing names whose IAM prefix differs: the Tagging API signs as `tagging`, CloudWatch as `monitoring`. */
const IAM_PREFIX: Record<string, string> = { tagging: 'tag', monitoring: 'cloudwatch' };

/** The IAM action of a call the proxy saw (`tag:GetResources` for the `tagging` signing name). */
export function iamActionOf(call: { service: string; operation: string }): string {
  return `${IAM_PREFIX[call.service] ?? call.service}:${call.operation}`;
}

export type Protocol = 'awsJson' | 'awsQuery' | 'ec2Query' | 'rpcv2Cbor' | 'rest';

/**
 * throttle      the protocol's throttling error (JSON: 400 ThrottlingException; awsQuery: 400 Throttling;
 *               EC2: 503 RequestLimitExceeded) — the SDK classifies it as throttling and retries with backoff.
 * server-error  500 InternalFailure (EC2: InternalError), or 503 ServiceUnavailable (EC2: Unavailable) with
 *               `status: 503`. Retried by the SDK as a transient error.
 * drop          the socket is destroyed without an answer; moto never sees the request.
 * drop-after    the request is forwarded, moto does the work and answers, then the socket is destroyed
 *               before the answer is sent: a crash after AWS did the work.
 * access-denied the IAM refusal AWS sends when the role lacks the action (JSON: 400
 *               AccessDeniedException; awsQuery: 403 AccessDenied; EC2: 403 UnauthorizedOperation).
 * empty         a 200 answer with nothing in it (JSON `{}`, an empty awsQuery result): what a caller that
 *               trusts the answer's shape trips over — an "unexpected error", used to check bug reports.
 */
export type Fault = 'throttle' | 'server-error' | 'drop' | 'drop-after' | 'access-denied' | 'empty';

export interface FaultRule {
  /** `service:Operation` (e.g. `ecs:CreateService`) or a bare `Operation` for any service. */
  operation: string;
  /** 1-based ordinal of the calls to that operation, counted from when the rule was added. Default 1. */
  nth?: number;
  /** How many consecutive calls from the nth one get the fault. Default 1; `Infinity` for all. */
  times?: number;
  fault: Fault;
  /** For `server-error`: 500 (default, InternalFailure) or 503 (ServiceUnavailable). */
  status?: 500 | 503;
}

export interface InjectedRule {
  readonly rule: Readonly<FaultRule>;
  /** Calls to the operation seen since the rule was added. */
  readonly seen: number;
  /** Calls the rule answered with its fault. */
  readonly injected: number;
  remove(): void;
}

export interface Bucket {
  /** Tokens when full: how many calls may pass at once. */
  burst: number;
  /** Tokens added per second, up to `burst`. */
  refillPerSecond: number;
}

/**
 * Token buckets keyed by `service:Operation` (e.g. `ecs:UpdateService`), `service:mutating`,
 * `service:read`, or `service` — the first key that exists for a call is the bucket it draws from.
 * A call is *mutating* when its operation starts with one of MUTATING_PREFIXES, otherwise *read*.
 * Calls without a bucket are not limited. Fault rules are checked first; a call a rule answers takes no token.
 */
export type RateLimits = Record<string, Bucket>;

export const MUTATING_PREFIXES = [
  'Create',
  'Delete',
  'Modify',
  'Register',
  'Deregister',
  'Set',
  'Add',
  'Remove',
  'Update',
  'Put',
] as const;

export function isMutating(operation: string): boolean {
  return MUTATING_PREFIXES.some((prefix) => operation.startsWith(prefix));
}

/** `refused`: the realism layer answered as real AWS would, and moto never saw the request. */
export type Outcome = 'forwarded' | 'rate-limited' | 'refused' | Fault | 'upstream-error';

export interface Call {
  /** 1-based position among all recorded calls. */
  seq: number;
  service: string;
  operation: string;
  protocol: Protocol;
  /** Answered by a fault rule (including drop-after, where moto did see it). */
  injected: boolean;
  /** Answered with throttling by a token bucket (never reached moto). */
  throttled: boolean;
  outcome: Outcome;
  /** HTTP status sent to the client; undefined when the connection was dropped. */
  status?: number;
  at: number;
  /** The action that made the call, from the `ecs-actions/<action>` user agent the kit sends; undefined for test setup. */
  action?: string;
}

/** The app-client fields UpdateUserPoolClient resets when they are left out. */
const COGNITO_CLIENT_FIELDS = [
  'ClientName',
  'RefreshTokenValidity',
  'AccessTokenValidity',
  'IdTokenValidity',
  'TokenValidityUnits',
  'ReadAttributes',
  'WriteAttributes',
  'ExplicitAuthFlows',
  'SupportedIdentityProviders',
  'CallbackURLs',
  'LogoutURLs',
  'DefaultRedirectURI',
  'AllowedOAuthFlows',
  'AllowedOAuthScopes',
  'AllowedOAuthFlowsUserPoolClient',
  'AnalyticsConfiguration',
  'PreventUserExistenceErrors',
  'EnableTokenRevocation',
  'EnablePropagateAdditionalUserContextData',
  'AuthSessionValidity',
  'RefreshTokenRotation',
];

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: use it as the SDK endpoint. */
  readonly endpoint: string;
  readonly port: number;
  /** Every recorded call, in order of arrival. */
  readonly calls: readonly Call[];
  /** Calls per `service:Operation`, injected and throttled ones included. */
  counts(): Record<string, number>;
  /** The OIDC client secret AWS would hold for a rule (never returned by the API), for assertions. */
  oidcSecretOf(ruleArn: string): string | undefined;
  /** Every call since the proxy started; resetCounts() does not clear it. */
  readonly history: readonly Call[];
  /** Forgets the recorded calls and the throttled count (rules and buckets stay). */
  resetCounts(): void;
  inject(rule: FaultRule): InjectedRule;
  clearFaults(): void;
  /** Replaces the token buckets (all start full); `{}` turns rate limiting off. */
  setRateLimits(limits: RateLimits): void;
  /** Calls answered with throttling by a token bucket since the last resetCounts(). */
  throttled(): number;
  /** The realism layer (on by default): refuse what AWS refuses and moto accepts. */
  setRealism(on: boolean): void;
  /**
   * IAM enforcement: each call of an action (its `ecs-actions/<action>` user agent) is decided against the
   * policy `policyOf(action)` returns, tag conditions included, and refused with AccessDenied as AWS would.
   * Calls of actions without a policy, and test setup, pass. `undefined` turns it off.
   */
  enforceIam(policyOf: ((action: string) => Policy | undefined) | undefined): void;
  /** Calls refused by IAM enforcement since the proxy started, as `action → iam:Action (why)`. */
  readonly iamDenials: readonly string[];
  stop(): Promise<void>;
}

interface Identified {
  service: string;
  operation: string;
  protocol: Protocol;
}

/** What the installed SDK clients send, see the header comment. Exported for tests. */
export function identify(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Identified {
  const scope = /Credential=[^/]*\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
    header(headers, 'authorization'),
  );
  const target = header(headers, 'x-amz-target');
  const contentType = header(headers, 'content-type');
  const path = url.split('?')[0] ?? '/';
  let service = scope?.[1] ?? 'unknown';

  if (target) {
    // `AmazonEC2ContainerServiceV20141113.CreateService`
    const dot = target.lastIndexOf('.');
    if (service === 'unknown') service = target.slice(0, dot).toLowerCase();
    return { service, operation: target.slice(dot + 1), protocol: 'awsJson' };
  }
  if (header(headers, 'smithy-protocol') === 'rpc-v2-cbor' || contentType.startsWith('application/cbor')) {
    const match = /\/service\/([^/]+)\/operation\/([^/?]+)/.exec(path);
    if (match) return { service, operation: decodeURIComponent(match[2]!), protocol: 'rpcv2Cbor' };
  }
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  let action = query.get('Action');
  if (!action && contentType.startsWith('application/x-www-form-urlencoded')) {
    action = new URLSearchParams(body.toString('utf8')).get('Action');
  }
  if (action) return { service, operation: action, protocol: service === 'ec2' ? 'ec2Query' : 'awsQuery' };
  return { service, operation: `${method} ${path}`, protocol: 'rest' };
}

export async function startFaultProxy(
  target: string,
  options: { realism?: boolean } = {},
): Promise<FaultProxy> {
  const upstream = new URL(target);
  let realism = options.realism ?? true;
  let iamPolicyOf: ((action: string) => Policy | undefined) | undefined;
  const iamDenials: string[] = [];
  const calls: Call[] = [];
  const history: Call[] = [];
  let throttledCount = 0;

  interface LiveRule {
    rule: FaultRule;
    seen: number;
    injected: number;
  }
  let rules: LiveRule[] = [];

  interface LiveBucket extends Bucket {
    tokens: number;
    last: number;
  }
  let buckets = new Map<string, LiveBucket>();

  // What moto forgets and AWS keeps: a service's capacity-provider strategy (moto stores none and reports a
  // launch type instead). Remembered from CreateService requests that pass through, restored in DescribeServices.
  const strategies = new Map<string, unknown>();
  // What moto merges and AWS resets: UpdateUserPoolClient sets every field it is not given back to its
  // default (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html).
  // The fields an update left out are dropped from later DescribeUserPoolClient answers.
  const resetFields = new Map<string, string[]>();
  const completeCognito = (id: Identified, request: Buffer, answer: Buffer): Buffer => {
    try {
      const params = JSON.parse(request.toString('utf8')) as Record<string, unknown>;
      if (id.operation === 'UpdateUserPoolClient') {
        resetFields.set(
          String(params.ClientId),
          COGNITO_CLIENT_FIELDS.filter((f) => params[f] === undefined),
        );
      }
      if (id.operation === 'DescribeUserPoolClient' && resetFields.has(String(params.ClientId))) {
        const out = JSON.parse(answer.toString('utf8')) as { UserPoolClient?: Record<string, unknown> };
        for (const field of resetFields.get(String(params.ClientId)) ?? [])
          delete out.UserPoolClient?.[field];
        return Buffer.from(JSON.stringify(out));
      }
    } catch {
      // not JSON: leave the answer as moto gave it
    }
    return answer;
  };
  const complete = (id: Identified, request: Buffer, answer: Buffer): Buffer => {
    if (id.service === 'cognito-idp') return completeCognito(id, request, answer);
    if (id.service !== 'ecs') return answer;
    try {
      if (id.operation === 'CreateService') {
        const params = JSON.parse(request.toString('utf8')) as { capacityProviderStrategy?: unknown[] };
        const out = JSON.parse(answer.toString('utf8')) as { service?: Record<string, unknown> };
        if (params.capacityProviderStrategy?.length && out.service?.serviceArn) {
          const strategy = params.capacityProviderStrategy.map((s) => ({ base: 0, ...(s as object) }));
          strategies.set(String(out.service.serviceArn), strategy);
          out.service.capacityProviderStrategy = strategy;
          delete out.service.launchType;
          return Buffer.from(JSON.stringify(out));
        }
      }
      if (id.operation === 'DescribeServices' && strategies.size > 0) {
        const out = JSON.parse(answer.toString('utf8')) as { services?: Record<string, unknown>[] };
        for (const service of out.services ?? []) {
          const strategy = strategies.get(String(service.serviceArn));
          if (!strategy) continue;
          service.capacityProviderStrategy = strategy;
          delete service.launchType;
        }
        return Buffer.from(JSON.stringify(out));
      }
    } catch {
      // not JSON: leave the answer as moto gave it
    }
    return answer;
  };

  // What AWS does with an OIDC client secret and moto does not: it is kept per rule (also across a
  // ModifyRule with UseExistingClientSecret) and never returned. The proxy remembers each rule's secret
  // (tests read it with `oidcSecretOf`) and removes it from every ELB answer.
  const oidcSecrets = new Map<string, string>();
  const keepOidcSecrets = (id: Identified, request: Buffer, answer: Buffer): Buffer => {
    if (id.operation === 'CreateRule' || id.operation === 'ModifyRule') {
      const params = fromQuery(new URLSearchParams(request.toString('utf8')));
      const text = answer.toString('utf8');
      const ruleArn =
        id.operation === 'ModifyRule'
          ? String(params.RuleArn)
          : /<RuleArn>([^<]+)<\/RuleArn>/.exec(text)?.[1];
      const actions = (Array.isArray(params.Actions) ? params.Actions : []) as Record<string, unknown>[];
      const oidc = actions.find((a) => a.AuthenticateOidcConfig)?.AuthenticateOidcConfig as
        | Record<string, unknown>
        | undefined;
      if (ruleArn && (id.operation === 'CreateRule' || actions.length > 0)) {
        if (!oidc) oidcSecrets.delete(ruleArn);
        else if (oidc.ClientSecret) oidcSecrets.set(ruleArn, String(oidc.ClientSecret));
      }
    }
    if (id.operation === 'DeleteRule') {
      oidcSecrets.delete(String(fromQuery(new URLSearchParams(request.toString('utf8'))).RuleArn));
    }
    const text = answer.toString('utf8');
    if (!text.includes('ClientSecret')) return answer;
    return Buffer.from(
      text
        .replace(/<ClientSecret>[^<]*<\/ClientSecret>/g, '')
        .replace(/<UseExistingClientSecret>[^<]*<\/UseExistingClientSecret>/g, ''),
    );
  };

  const matches = (rule: FaultRule, id: Identified) => {
    const colon = rule.operation.indexOf(':');
    if (colon < 0) return rule.operation === id.operation;
    return rule.operation.slice(0, colon) === id.service && rule.operation.slice(colon + 1) === id.operation;
  };

  /** Advances every matching rule's ordinal; the first rule whose window contains it fires. */
  const pickFault = (id: Identified): LiveRule | undefined => {
    let fired: LiveRule | undefined;
    for (const live of rules) {
      if (!matches(live.rule, id)) continue;
      live.seen += 1;
      const nth = live.rule.nth ?? 1;
      const times = live.rule.times ?? 1;
      if (!fired && live.seen >= nth && live.seen < nth + times) fired = live;
    }
    if (fired) fired.injected += 1;
    return fired;
  };

  /** True when the call may pass; consumes a token from its bucket. */
  const takeToken = (id: Identified): boolean => {
    const kind = isMutating(id.operation) ? 'mutating' : 'read';
    const keys = [`${id.service}:${id.operation}`, `${id.service}:${kind}`, id.service];
    const key = keys.find((k) => buckets.has(k));
    if (key === undefined) return true;
    const bucket = buckets.get(key)!;
    const now = performance.now();
    bucket.tokens = Math.min(
      bucket.burst,
      bucket.tokens + ((now - bucket.last) / 1000) * bucket.refillPerSecond,
    );
    bucket.last = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const forward = (
    req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>,
    body: Buffer,
  ): Promise<{ status: number; headers: Headers; body: Buffer }> =>
    new Promise((resolveForward, reject) => {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      }
      headers['content-length'] = String(body.length);
      const upstreamReq = httpRequest(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const out: Headers = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'content-length')
                out[name] = value;
            }
            resolveForward({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
          });
        },
      );
      upstreamReq.on('error', reject);
      upstreamReq.end(body);
    });

  /** The tags of an existing resource, read from moto with the caller's headers (region, account). */
  const tagsOfResource = async (
    ref: ResourceRef,
    headers: IncomingHttpHeaders,
  ): Promise<Record<string, string>> => {
    const ecs = async (target: string, payload: unknown) => {
      const answer = await forward(
        {
          method: 'POST',
          url: '/',
          headers: {
            ...headers,
            'x-amz-target': `AmazonEC2ContainerServiceV20141113.${target}`,
            'content-type': 'application/x-amz-json-1.1',
          },
        },
        Buffer.from(JSON.stringify(payload)),
      );
      return answer.status === 200
        ? (JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>)
        : {};
    };
    const fromList = (list: unknown) =>
      Object.fromEntries(
        ((list ?? []) as { key?: string; value?: string }[]).map((t) => [
          String(t.key),
          String(t.value ?? ''),
        ]),
      );
    if (ref.kind === 'elb') {
      const form = new URLSearchParams({
        Action: 'DescribeTags',
        Version: '2015-12-01',
        'ResourceArns.member.1': ref.arn,
      });
      const answer = await forward(
        {
          method: 'POST',
          url: '/',
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        },
        Buffer.from(form.toString()),
      );
      const text = answer.body.toString('utf8');
      const inTags = /<Tags>([\s\S]*?)<\/Tags>/.exec(text)?.[1] ?? '';
      return Object.fromEntries(
        [...inTags.matchAll(/<member>([\s\S]*?)<\/member>/g)].map((m) => [
          /<Key>([^<]*)<\/Key>/.exec(m[1]!)?.[1] ?? '',
          /<Value>([^<]*)<\/Value>/.exec(m[1]!)?.[1] ?? '',
        ]),
      );
    }
    if (ref.kind === 'ecs-arn')
      return fromList((await ecs('ListTagsForResource', { resourceArn: ref.arn })).tags);
    if (ref.kind === 'ecs-service') {
      const out = await ecs('DescribeServices', {
        cluster: ref.cluster,
        services: [ref.service],
        include: ['TAGS'],
      });
      return fromList((out.services as { tags?: unknown }[] | undefined)?.[0]?.tags);
    }
    const out = await ecs('DescribeTasks', { cluster: ref.cluster, tasks: [ref.task], include: ['TAGS'] });
    return fromList((out.tasks as { tags?: unknown }[] | undefined)?.[0]?.tags);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = req.url ?? '/';

    const send = (status: number, headers: Headers, payload: Buffer) => {
      res.writeHead(status, { ...headers, 'content-length': String(payload.length) });
      res.end(payload);
    };

    if (url.startsWith('/moto-api')) {
      const answer = await forward(req, body);
      send(answer.status, answer.headers, answer.body);
      return;
    }

    const id = identify(req.method ?? 'GET', url, req.headers, body);
    const call: Call = {
      seq: calls.length + 1,
      ...id,
      injected: false,
      throttled: false,
      outcome: 'forwarded',
      at: Date.now(),
    };
    const agent = /\becs-actions\/([a-z0-9-]+)/.exec(String(req.headers['user-agent'] ?? ''))?.[1];
    if (agent) call.action = agent;
    calls.push(call);
    history.push(call);

    const fired = pickFault(id);
    if (fired) {
      call.injected = true;
      call.outcome = fired.rule.fault;
      switch (fired.rule.fault) {
        case 'drop':
          req.socket.destroy();
          return;
        case 'drop-after':
          await forward(req, body);
          req.socket.destroy();
          return;
        case 'throttle': {
          const answer = throttleError(id);
          call.status = answer.status;
          send(answer.status, answer.headers, answer.body);
          return;
        }
        case 'access-denied': {
          const answer = accessDenied(id);
          call.status = answer.status;
          send(answer.status, answer.headers, answer.body);
          return;
        }
        case 'empty': {
          call.status = 200;
          const xml = `<${id.operation}Response><${id.operation}Result></${id.operation}Result></${id.operation}Response>`;
          const isQuery = id.protocol === 'awsQuery' || id.protocol === 'ec2Query';
          send(
            200,
            { 'content-type': isQuery ? 'text/xml' : 'application/x-amz-json-1.1' },
            Buffer.from(isQuery ? xml : '{}'),
          );
          return;
        }
        case 'server-error': {
          const answer = serverError(id, fired.rule.status ?? 500);
          call.status = answer.status;
          send(answer.status, answer.headers, answer.body);
          return;
        }
      }
    }

    if (!takeToken(id)) {
      throttledCount += 1;
      call.throttled = true;
      call.outcome = 'rate-limited';
      const answer = throttleError(id);
      call.status = answer.status;
      send(answer.status, answer.headers, answer.body);
      return;
    }

    const policy = call.action && iamPolicyOf ? iamPolicyOf(call.action) : undefined;
    if (policy && id.protocol !== 'rest') {
      const params = paramsOf(id.protocol, body);
      const refs = resourcesOf(id.service, id.operation, params);
      const tags = await Promise.all(refs.map((ref) => tagsOfResource(ref, req.headers)));
      const iamAction = iamActionOf(id);
      const denied = authorizationsOf(iamAction, params, tags).find((a) => !allowingStatement(policy, a));
      if (denied) {
        iamDenials.push(`${call.action} → ${denied.action} (${JSON.stringify(denied.keys)})`);
        call.outcome = 'refused';
        const answer = accessDenied({ ...id, operation: denied.action.split(':')[1]! });
        call.status = answer.status;
        send(answer.status, answer.headers, answer.body);
        return;
      }
    }

    if (realism && id.protocol !== 'rest') {
      const refused = await refusal(
        { ...id, params: paramsOf(id.protocol, body) },
        {
          // Asks moto with the caller's own headers (region and account), as a DescribeTaskDefinition.
          async networkModeOf(taskDefinition) {
            const answer = await forward(
              {
                method: 'POST',
                url: '/',
                headers: {
                  ...req.headers,
                  'x-amz-target': 'AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition',
                  'content-type': 'application/x-amz-json-1.1',
                },
              },
              Buffer.from(JSON.stringify({ taskDefinition })),
            );
            if (answer.status !== 200) return undefined;
            return (JSON.parse(answer.body.toString('utf8')) as { taskDefinition?: { networkMode?: string } })
              .taskDefinition?.networkMode;
          },
          async listenerProtocolOf(listenerArn) {
            const form = new URLSearchParams({
              Action: 'DescribeListeners',
              Version: '2015-12-01',
              'ListenerArns.member.1': listenerArn,
            });
            const answer = await forward(
              {
                method: 'POST',
                url: '/',
                headers: { ...req.headers, 'content-type': 'application/x-www-form-urlencoded' },
              },
              Buffer.from(form.toString()),
            );
            if (answer.status !== 200) return undefined;
            return /<Protocol>([A-Z]+)<\/Protocol>/.exec(answer.body.toString('utf8'))?.[1];
          },
          hasOidcSecret: (ruleArn) => oidcSecrets.has(ruleArn),
        },
      );
      if (refused) {
        call.outcome = 'refused';
        const answer = errorAnswer(id, refused.status, refused.code, refused.message);
        call.status = answer.status;
        send(answer.status, answer.headers, answer.body);
        return;
      }
    }

    try {
      const answer = await forward(req, body);
      call.status = answer.status;
      if (answer.status === 200) answer.body = complete(id, body, answer.body);
      if (answer.status === 200 && id.service === 'elasticloadbalancing') {
        answer.body = keepOidcSecrets(id, body, answer.body);
      }
      send(answer.status, answer.headers, answer.body);
    } catch (err) {
      call.outcome = 'upstream-error';
      call.status = 502;
      throw err;
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // moto unreachable or the client went away: answer 502 if we still can.
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    calls,
    history,
    oidcSecretOf: (ruleArn) => oidcSecrets.get(ruleArn),
    counts() {
      const out: Record<string, number> = {};
      for (const call of calls) {
        const key = `${call.service}:${call.operation}`;
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    },
    resetCounts() {
      calls.length = 0;
      throttledCount = 0;
    },
    inject(rule) {
      if ((rule.nth ?? 1) < 1 || (rule.times ?? 1) < 1) throw new Error('inject: nth and times must be >= 1');
      const live: LiveRule = { rule: { ...rule }, seen: 0, injected: 0 };
      rules.push(live);
      return {
        rule: live.rule,
        get seen() {
          return live.seen;
        },
        get injected() {
          return live.injected;
        },
        remove() {
          rules = rules.filter((r) => r !== live);
        },
      };
    },
    clearFaults() {
      rules = [];
    },
    setRateLimits(limits) {
      const now = performance.now();
      buckets = new Map(
        Object.entries(limits).map(([key, b]) => [
          key,
          { ...b, tokens: b.burst, last: now } satisfies LiveBucket,
        ]),
      );
    },
    throttled() {
      return throttledCount;
    },
    setRealism(on) {
      realism = on;
    },
    enforceIam(policyOf) {
      iamPolicyOf = policyOf;
    },
    iamDenials,
    stop() {
      return new Promise<void>((resolveStop) => {
        server.close(() => resolveStop());
        server.closeAllConnections();
      });
    },
  };
}

type Headers = Record<string, string | string[]>;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

/** The request's parameters for the realism layer: JSON as it is, awsQuery forms as nested objects. */
function paramsOf(protocol: Protocol, body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (protocol === 'awsQuery' || protocol === 'ec2Query') return fromQuery(new URLSearchParams(text));
  if (protocol === 'awsJson') {
    try {
      return (JSON.parse(text || '{}') as Record<string, unknown>) ?? {};
    } catch {
      return {};
    }
  }
  return {};
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

interface ErrorAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

function throttleError(id: Identified): ErrorAnswer {
  if (id.protocol === 'ec2Query')
    return errorAnswer(id, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
  if (id.protocol === 'awsQuery') return errorAnswer(id, 400, 'Throttling', 'Rate exceeded');
  return errorAnswer(id, 400, 'ThrottlingException', 'Rate exceeded');
}

function accessDenied(id: Identified): ErrorAnswer {
  const message = `User: arn:aws:sts::123456789012:assumed-role/previews/gha is not authorized to perform: ${id.service}:${id.operation} because no identity-based policy allows the ${id.service}:${id.operation} action`;
  if (id.protocol === 'ec2Query') return errorAnswer(id, 403, 'UnauthorizedOperation', message);
  if (id.protocol === 'awsQuery') return errorAnswer(id, 403, 'AccessDenied', message);
  return errorAnswer(id, 400, 'AccessDeniedException', message);
}

function serverError(id: Identified, status: 500 | 503): ErrorAnswer {
  if (id.protocol === 'ec2Query') {
    return status === 503
      ? errorAnswer(id, 503, 'Unavailable', 'The server is overloaded and cannot handle the request.')
      : errorAnswer(id, 500, 'InternalError', 'An internal error has occurred.');
  }
  return status === 503
    ? errorAnswer(id, 503, 'ServiceUnavailable', 'Service is unavailable. Please try again later.')
    : errorAnswer(
        id,
        500,
        'InternalFailure',
        'The request processing has failed because of an unknown error.',
      );
}

/** An error in the wire format of the request's protocol, as AWS sends it. */
function errorAnswer(id: Identified, status: number, code: string, message: string): ErrorAnswer {
  const requestId = randomUUID();
  switch (id.protocol) {
    case 'ec2Query':
      return {
        status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: Buffer.from(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code>` +
            `<Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
        ),
      };
    case 'awsQuery':
      return {
        status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: Buffer.from(
          `<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code>` +
            `<Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        ),
      };
    case 'rpcv2Cbor':
      return {
        status,
        headers: {
          'content-type': 'application/cbor',
          'smithy-protocol': 'rpc-v2-cbor',
          'x-amzn-requestid': requestId,
        },
        body: cborTextMap({ __type: code, message }),
      };
    default:
      return {
        status,
        headers: {
          'content-type': id.protocol === 'awsJson' ? 'application/x-amz-json-1.1' : 'application/json',
          'x-amzn-errortype': code,
          'x-amzn-requestid': requestId,
        },
        body: Buffer.from(JSON.stringify({ __type: code, message })),
      };
  }
}

/** The CBOR encoding of a map of short text strings (all the error bodies need). */
function cborTextMap(map: Record<string, string>): Buffer {
  const head = (major: number, length: number): Buffer => {
    if (length < 24) return Buffer.from([(major << 5) | length]);
    if (length < 256) return Buffer.from([(major << 5) | 24, length]);
    const out = Buffer.alloc(3);
    out[0] = (major << 5) | 25;
    out.writeUInt16BE(length, 1);
    return out;
  };
  const text = (value: string) => {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  };
  const entries = Object.entries(map);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [text(k), text(v)])]);
}
