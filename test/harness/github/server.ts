// A local stand-in for api.github.com, held to GitHub's OpenAPI description.
//
// Each request is routed by the description's path templates, authenticated, and validated (path and
// query parameters, JSON body). Each response is validated before it is sent. Whatever does not
// conform is recorded in `violations`: a bad request is answered 422 (or 404 for a path GitHub does not
// have), a bad response is replaced by a 500. Tests call `assertNoViolations()` in afterEach.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { executeGraphql } from './graphql.js';
import { OpenApiSpec, type SpecOperation } from './openapi.js';
import {
  errorBody,
  type FakeResponse,
  forbidden,
  HANDLERS,
  notFound,
  type RouteContext,
  type TokenIdentity,
  validationFailed,
} from './routes.js';
import { type AuthorAssociation, GITHUB_ACTIONS_BOT, GitHubState, idForLogin } from './state.js';

export type { TokenIdentity } from './routes.js';
export {
  type CommentRecord,
  type DeploymentRecord,
  type DeploymentStatusRecord,
  GITHUB_ACTIONS_BOT,
  GitHubState,
  type PullRequestInput,
  type PullRequestRecord,
} from './state.js';

export interface GitHubServerOptions {
  /** Owner of the repository the fake starts with (default `octo-org`). */
  owner?: string;
  /** Name of that repository (default `hello-world`). */
  repo?: string;
  /** Clock for timestamps (default: the real one). */
  now?: () => Date;
  /** A token to register right away as github-actions[bot] with write access (the usual GITHUB_TOKEN). */
  token?: string;
}

export interface TokenOptions {
  /** Default `github-actions[bot]`. */
  login?: string;
  /** Default 41898282 for github-actions[bot], else a stable number derived from the login. */
  id?: number;
  /** Default `Bot` for logins ending in `[bot]`, else `User`. */
  type?: 'Bot' | 'User';
  /** `read` is what pull requests from forks get: every POST/PATCH/PUT/DELETE answers 403. Default `write`. */
  permissions?: 'write' | 'read';
  /** Whether GET /user answers 200 (default: only for `User` tokens; installation tokens get 403). */
  canReadUser?: boolean;
  /** Whether the token may read organization teams (default: only `User` tokens, standing for a PAT with read:org). */
  canReadOrg?: boolean;
  /** author_association of comments this token writes (default NONE for bots, else OWNER or COLLABORATOR). */
  authorAssociation?: AuthorAssociation;
  name?: string;
  email?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path without query string, e.g. `/repos/octo-org/hello-world/issues/1/comments`. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, the raw text if it was not JSON, undefined if empty. */
  body: unknown;
  status: number;
  /** Login of the token's identity; undefined when unauthenticated. */
  login: string | undefined;
  /** The description's operationId (`graphql` for POST /graphql), undefined when the path is unknown. */
  operationId: string | undefined;
}

export interface FailureInjection {
  /** HTTP method to match (any when omitted). */
  method?: string;
  /**
   * A path template from the description (`/repos/{owner}/{repo}/deployments`), an exact path, or a
   * RegExp tested against the path. `/graphql` matches GraphQL requests.
   */
  path: string | RegExp;
  status: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Message of the GitHub-shaped error body (ignored when `body` is given). */
  message?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface GitHubFake {
  /** Base URL, e.g. `http://127.0.0.1:41234`; use as Octokit's baseUrl and as GITHUB_API_URL. */
  readonly url: string;
  /** GraphQL endpoint, `${url}/graphql` (GITHUB_GRAPHQL_URL). */
  readonly graphqlUrl: string;
  readonly state: GitHubState;
  /** Every request handled, oldest first. */
  readonly requests: RecordedRequest[];
  /** Every schema or protocol violation seen, oldest first. */
  readonly violations: string[];
  readonly spec: OpenApiSpec;
  addToken(token: string, options?: TokenOptions): TokenIdentity;
  /** Makes the next `times` requests matching method and path fail with `status`. */
  injectFailure(failure: FailureInjection): void;
  /** Throws one error listing every violation recorded so far. */
  assertNoViolations(): void;
  /** Returns the violations recorded so far and forgets them (for tests that provoke violations on purpose). */
  takeViolations(): string[];
  /** Empties state, requests, violations and pending failures; tokens stay. */
  reset(): void;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_BODY = 25 * 1024 * 1024;

class Fake implements GitHubFake {
  url = '';
  readonly state: GitHubState;
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  private readonly tokens = new Map<string, TokenIdentity>();
  private failures: Array<FailureInjection & { remaining: number }> = [];
  private readonly server: Server;

  constructor(
    readonly spec: OpenApiSpec,
    private readonly options: Required<Omit<GitHubServerOptions, 'token'>>,
  ) {
    this.state = new GitHubState(options);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.violations.push(
          `${req.method} ${req.url}: the fake crashed: ${(error as Error).stack ?? String(error)}`,
        );
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(errorBody('Server Error', 500, 'https://docs.github.com/rest')));
        } else {
          res.end();
        }
      });
    });
  }

  get graphqlUrl(): string {
    return `${this.url}/graphql`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server.unref();
    const address = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}`;
  }

  addToken(token: string, options: TokenOptions = {}): TokenIdentity {
    const defaultBot = options.login === undefined;
    const login = options.login ?? GITHUB_ACTIONS_BOT.login;
    const type = options.type ?? (defaultBot || login.endsWith('[bot]') ? 'Bot' : 'User');
    const owner = this.options.owner.toLowerCase();
    const identity: TokenIdentity = {
      login,
      id: options.id ?? (defaultBot ? GITHUB_ACTIONS_BOT.id : idForLogin(login)),
      type,
      permissions: options.permissions ?? 'write',
      canReadUser: options.canReadUser ?? type === 'User',
      canReadOrg: options.canReadOrg ?? type === 'User',
      authorAssociation:
        options.authorAssociation ??
        (type === 'Bot' ? 'NONE' : login.toLowerCase() === owner ? 'OWNER' : 'COLLABORATOR'),
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.email !== undefined ? { email: options.email } : {}),
    };
    this.tokens.set(token, identity);
    return identity;
  }

  injectFailure(failure: FailureInjection): void {
    this.failures.push({ ...failure, remaining: failure.times ?? 1 });
  }

  assertNoViolations(): void {
    if (this.violations.length === 0) return;
    const list = this.violations.map((v, i) => `  ${i + 1}. ${v}`).join('\n');
    throw new Error(`The GitHub fake recorded ${this.violations.length} violation(s):\n${list}`);
  }

  takeViolations(): string[] {
    return this.violations.splice(0);
  }

  reset(): void {
    this.state.reset();
    this.requests.length = 0;
    this.violations.length = 0;
    this.failures = [];
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- pipeline

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    const where = `${method} ${url.pathname}`;
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      status: 0,
      login: undefined,
      operationId: undefined,
    };
    this.requests.push(record);
    const send = (response: FakeResponse, operation: SpecOperation | undefined, validate = true) => {
      let final = response;
      if (validate) {
        const problems = this.spec.validateResponse(operation, response.status, response.body);
        if (problems.length > 0) {
          this.violations.push(
            `${where}: the fake's ${response.status} response does not match the description: ${problems.join('; ')}`,
          );
          final = { status: 500, body: errorBody('Server Error', 500, 'https://docs.github.com/rest') };
        }
      }
      // Conditional requests, as GitHub answers them: a GET's 200 carries an ETag; the same request with
      // If-None-Match of that ETag gets 304 and no body (which GitHub does not count against the rate limit).
      if (method === 'GET' && final.status === 200 && final.body !== undefined) {
        const etag = `W/"${createHash('sha1').update(JSON.stringify(final.body)).digest('hex')}"`;
        if (req.headers['if-none-match'] === etag) final = { status: 304, headers: { etag } };
        else final = { ...final, headers: { ...final.headers, etag } };
      }
      record.status = final.status;
      this.write(res, final, url.pathname === '/graphql' ? 'graphql' : 'core');
    };

    let body: unknown;
    let bodyError: string | undefined;
    if (raw.length > 0) {
      const text = raw.toString('utf8');
      try {
        body = JSON.parse(text);
      } catch (error) {
        body = text;
        bodyError = (error as Error).message;
      }
    }
    record.body = body;

    // GraphQL is not in the OpenAPI description.
    if (url.pathname === '/graphql') {
      record.operationId = 'graphql';
      if (method !== 'POST') {
        this.violations.push(`${where}: GraphQL takes POST only`);
        return send(notFound(undefined), undefined);
      }
      const identity = this.authenticate(req);
      if (identity) record.login = identity.login;
      if (!identity) {
        const docs =
          'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql';
        return send(
          {
            status: 401,
            body: { message: 'This endpoint requires you to be authenticated.', documentation_url: docs },
          },
          undefined,
        );
      }
      const injected = this.takeFailure(method, url.pathname, '/graphql', undefined);
      if (injected) return send(injected, undefined, false);
      const result = executeGraphql(bodyError ? undefined : body, this.state, identity);
      for (const v of result.violations) this.violations.push(`${where}: ${v}`);
      return send({ status: result.status, body: result.body }, undefined, false);
    }

    const match = this.spec.match(method, url.pathname);
    if (match.kind !== 'operation') {
      this.violations.push(
        match.kind === 'no-path'
          ? `${where}: no such path in GitHub's REST API description`
          : `${where}: ${match.template} has no ${method} operation in GitHub's REST API description`,
      );
      return send(notFound(undefined), undefined);
    }
    const { operation } = match;
    record.operationId = operation.operationId;

    const identity = this.authenticate(req);
    if (identity) record.login = identity.login;
    if (!identity) {
      const message = req.headers.authorization ? 'Bad credentials' : 'Requires authentication';
      return send({ status: 401, body: errorBody(message, 401, 'https://docs.github.com/rest') }, operation);
    }

    if (bodyError) {
      this.violations.push(`${where} (${operation.operationId}): body is not JSON: ${bodyError}`);
      return send(
        { status: 400, body: errorBody('Problems parsing JSON', 400, operation.docsUrl) },
        operation,
      );
    }
    const validated = this.spec.validateRequest(operation, {
      params: match.params,
      query: url.searchParams,
      body,
    });
    for (const issue of validated.issues) {
      this.violations.push(
        `${where} (${operation.operationId}): request ${issue.location}: ${issue.message}`,
      );
    }

    const injected = this.takeFailure(method, url.pathname, operation.template, operation);
    if (injected) return send(injected, operation);

    if (validated.issues.length > 0) {
      const message = `Invalid request.\n\n${validated.issues.map((i) => i.message).join('\n')}`;
      return send(validationFailed(this.spec, operation, message, validated.issues), operation);
    }
    if (WRITE_METHODS.has(method) && identity.permissions === 'read')
      return send(forbidden(operation), operation);

    const handler = HANDLERS[operation.operationId];
    if (!handler) {
      this.violations.push(
        `${where}: ${operation.operationId} is in GitHub's API but not implemented by the fake`,
      );
      const message = `The GitHub fake does not implement ${operation.operationId}`;
      return send({ status: 501, body: errorBody(message, 501, operation.docsUrl) }, operation, false);
    }
    const ctx: RouteContext = {
      state: this.state,
      spec: this.spec,
      operation,
      api: this.url,
      url,
      params: validated.params,
      query: validated.query,
      body:
        typeof body === 'object' && body !== null && !Array.isArray(body)
          ? (body as Record<string, unknown>)
          : {},
      identity,
    };
    const response = handler(ctx);
    if (response.violation)
      this.violations.push(`${where} (${operation.operationId}): ${response.violation}`);
    return send(response, operation);
  }

  private authenticate(req: IncomingMessage): TokenIdentity | undefined {
    const header = req.headers.authorization;
    const m = header === undefined ? null : /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
    return m ? this.tokens.get(m[1]!) : undefined;
  }

  private takeFailure(
    method: string,
    path: string,
    template: string,
    operation: SpecOperation | undefined,
  ): FakeResponse | undefined {
    const failure = this.failures.find(
      (f) =>
        f.remaining > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (typeof f.path === 'string' ? f.path === path || f.path === template : f.path.test(path)),
    );
    if (!failure) return undefined;
    failure.remaining--;
    this.failures = this.failures.filter((f) => f.remaining > 0);
    const message = failure.message ?? defaultMessage(failure.status);
    const headers = failure.headers ? { headers: failure.headers } : {};
    // A status the operation documents without a body (409 on POST /deployments, say) is sent without one.
    if (
      failure.body === undefined &&
      operation &&
      this.spec.documentsJsonBody(operation, failure.status) === false
    ) {
      return { status: failure.status, ...headers };
    }
    return {
      status: failure.status,
      body:
        failure.body ??
        errorBody(message, failure.status, operation?.docsUrl ?? 'https://docs.github.com/rest'),
      ...headers,
    };
  }

  private write(res: ServerResponse, response: FakeResponse, resource: 'core' | 'graphql'): void {
    const headers: Record<string, string> = {
      'x-github-request-id': randomUUID().toUpperCase().slice(0, 23),
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-used': '1',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': resource,
      ...response.headers,
    };
    if (response.body === undefined) {
      res.writeHead(response.status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(response.body);
    res.writeHead(response.status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return 'Bad credentials';
    case 403:
      return 'Resource not accessible by integration';
    case 404:
      return 'Not Found';
    case 429:
      return 'API rate limit exceeded';
    case 502:
      return 'Server Error';
    case 503:
      return 'Service Unavailable';
    default:
      return status >= 500 ? 'Server Error' : 'Request failed';
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body over 25 MB'));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts a fake on 127.0.0.1 (random port). The description is loaded once per process and shared. */
export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubFake> {
  const spec = await OpenApiSpec.load();
  const fake = new Fake(spec, {
    owner: options.owner ?? 'octo-org',
    repo: options.repo ?? 'hello-world',
    now: options.now ?? (() => new Date()),
  });
  if (options.token !== undefined) fake.addToken(options.token);
  await fake.listen();
  return fake;
}
