// GitHub's published OpenAPI description (from @octokit/openapi) as a router and a validator.
//
// The description is 13 MB of JSON. It is parsed once per process and shared by every fake server;
// only `components.schemas` is registered with ajv (under SPEC_ID, so `#/components/...` references
// resolve), and each operation's validators are compiled on first use and cached.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

export const SPEC_ID = 'https://api.github.com/openapi.json';
const GENERIC_DOCS = 'https://docs.github.com/rest';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type JsonSchema = { [keyword: string]: unknown };
interface Reference {
  $ref: string;
}
interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
  explode?: boolean;
}
interface MediaTypeObject {
  schema?: JsonSchema;
}
interface RequestBodyObject {
  required?: boolean;
  content?: Record<string, MediaTypeObject>;
}
interface ResponseObject {
  description?: string;
  content?: Record<string, MediaTypeObject>;
}
interface OperationObject {
  operationId: string;
  parameters?: Array<ParameterObject | Reference>;
  requestBody?: RequestBodyObject | Reference;
  responses: Record<string, ResponseObject | Reference>;
  externalDocs?: { url: string };
}
type PathItemObject = { [M in HttpMethod]?: OperationObject } & {
  parameters?: Array<ParameterObject | Reference>;
};
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, ParameterObject | Reference>;
    responses: Record<string, ResponseObject | Reference>;
    requestBodies?: Record<string, RequestBodyObject | Reference>;
  };
}

/** One operation of the description, with what the router and validators need. */
export interface SpecOperation {
  method: HttpMethod;
  /** The path template as written in the description, e.g. `/repos/{owner}/{repo}/pulls`. */
  template: string;
  operationId: string;
  docsUrl: string;
  parameters: ParameterObject[];
  raw: OperationObject;
}

export type RouteMatch =
  | { kind: 'operation'; operation: SpecOperation; params: Record<string, string> }
  | { kind: 'no-path' }
  | { kind: 'no-method'; template: string };

/** A schema violation in a request, in GitHub's vocabulary for 422 bodies. */
export interface RequestIssue {
  location: 'path' | 'query' | 'body';
  /** Dotted field name, or '' for the whole body. */
  field: string;
  code: 'missing_field' | 'invalid';
  /** A GitHub-style sentence, e.g. `For 'properties/body', 123 is not a string.` */
  message: string;
}

export interface RequestInput {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body, or undefined when the request had none. */
  body: unknown;
}

export interface ValidatedRequest {
  issues: RequestIssue[];
  /** Path parameters converted to their schema types (integers become numbers). */
  params: Record<string, unknown>;
  /** Query parameters the operation declares, converted to their schema types. */
  query: Record<string, unknown>;
}

interface Segment {
  literal?: string;
  param?: string;
}
interface PathEntry {
  template: string;
  segments: Segment[];
  operations: Map<HttpMethod, SpecOperation>;
}

/** Statuses GitHub can answer on any operation even where the description does not list them. */
const UNIVERSAL_ERROR_STATUSES = new Set([400, 401, 403, 404, 429, 500, 502, 503]);

export interface LoadTimings {
  readMs: number;
  parseMs: number;
  prepareMs: number;
}

export class OpenApiSpec {
  readonly timings: LoadTimings;
  private readonly doc: OpenApiDocument;
  private readonly ajv: Ajv;
  private readonly paths: PathEntry[];
  private readonly validators = new Map<string, ValidateFunction | null>();

  private constructor(doc: OpenApiDocument, timings: LoadTimings) {
    const started = performance.now();
    this.doc = doc;
    for (const schema of Object.values(doc.components.schemas)) normalizeSchema(schema);
    this.ajv = new Ajv({
      strict: false,
      validateSchema: false,
      allErrors: false,
      unicodeRegExp: false,
      // Share compiled code of referenced components between operations instead of inlining it.
      inlineRefs: false,
      // Validation must not change the data the fake is about to send.
      useDefaults: false,
      coerceTypes: false,
    });
    addFormatsModule.default(this.ajv);
    // GitHub sends "" for unset URL fields (a deployment status' target_url, log_url and environment_url,
    // for one) although the description declares them `format: uri`; accept "" and absolute URLs.
    this.ajv.addFormat('uri', {
      type: 'string',
      validate: (value: string) => value === '' || isAbsoluteUri(value),
    });
    this.ajv.addFormat('repo.nwo', /^[^/\s]+\/[^/\s]+$/);
    this.ajv.addSchema({ $id: SPEC_ID, components: { schemas: doc.components.schemas } });
    this.paths = Object.entries(doc.paths).map(([template, item]) => {
      const operations = new Map<HttpMethod, SpecOperation>();
      for (const method of HTTP_METHODS) {
        const raw = item[method];
        if (!raw) continue;
        const parameters = [...(item.parameters ?? []), ...(raw.parameters ?? [])].map((p) =>
          this.resolve<ParameterObject>(p),
        );
        operations.set(method, {
          method,
          template,
          operationId: raw.operationId,
          docsUrl: raw.externalDocs?.url ?? GENERIC_DOCS,
          parameters,
          raw,
        });
      }
      return { template, segments: parseTemplate(template), operations };
    });
    this.timings = { ...timings, prepareMs: performance.now() - started };
  }

  /** Loads (once per process) and prepares the description shipped in @octokit/openapi. */
  static load(): Promise<OpenApiSpec> {
    loading ??= (async () => {
      const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
      const t0 = performance.now();
      const text = await readFile(file, 'utf8');
      const t1 = performance.now();
      const doc = JSON.parse(text) as OpenApiDocument;
      const t2 = performance.now();
      return new OpenApiSpec(doc, { readMs: t1 - t0, parseMs: t2 - t1, prepareMs: 0 });
    })();
    return loading;
  }

  /** Finds the operation for a request path (already without query string). */
  match(method: string, pathname: string): RouteMatch {
    const parts = pathname.split('/').slice(1);
    let best: { entry: PathEntry; params: Record<string, string>; score: number[] } | undefined;
    for (const entry of this.paths) {
      const params = matchSegments(entry.segments, parts);
      if (!params) continue;
      const score = entry.segments.map((s) => (s.literal === undefined ? 0 : 1));
      if (!best || compareScores(score, best.score) > 0) best = { entry, params, score };
    }
    if (!best) return { kind: 'no-path' };
    const operation = best.entry.operations.get(method.toLowerCase() as HttpMethod);
    if (!operation) return { kind: 'no-method', template: best.entry.template };
    return { kind: 'operation', operation, params: best.params };
  }

  /** Validates path and query parameters and the JSON body of a request against its operation. */
  validateRequest(operation: SpecOperation, input: RequestInput): ValidatedRequest {
    const issues: RequestIssue[] = [];
    const params: Record<string, unknown> = {};
    const query: Record<string, unknown> = {};
    for (const parameter of operation.parameters) {
      if (parameter.in === 'path') {
        const value = input.params[parameter.name];
        if (value !== undefined) params[parameter.name] = this.coerce(parameter, [value]);
      } else if (parameter.in === 'query') {
        const values = input.query.getAll(parameter.name);
        if (values.length > 0) query[parameter.name] = this.coerce(parameter, values);
      }
    }
    for (const [location, values] of [
      ['path', params],
      ['query', query],
    ] as const) {
      const validate = this.validator(`${operation.operationId} ${location}`, () =>
        this.parametersSchema(operation, location),
      );
      if (validate && !validate(values)) issues.push(...toIssues(location, validate.errors ?? [], values));
    }
    const requestBody =
      operation.raw.requestBody && this.resolve<RequestBodyObject>(operation.raw.requestBody);
    const media = requestBody?.content && jsonMedia(requestBody.content);
    if (media?.schema) {
      // GitHub reads a missing body as no parameters at all.
      const body = input.body === undefined ? {} : input.body;
      const validate = this.validator(`${operation.operationId} body`, () => media.schema);
      if (validate && !validate(body)) issues.push(...toIssues('body', validate.errors ?? [], body));
    }
    return { issues, params, query };
  }

  /**
   * Validates a response the fake is about to send. Returns the problems, empty when it conforms.
   * `body` is undefined for a response without one (204).
   */
  validateResponse(operation: SpecOperation | undefined, status: number, body: unknown): string[] {
    const documented = operation && this.documentedResponse(operation, status);
    let schema: JsonSchema | undefined;
    let key: string;
    if (documented) {
      const media = documented.content && jsonMedia(documented.content);
      key = `${operation.operationId} ${status}`;
      if (!media) {
        return body === undefined
          ? []
          : [`${status} is documented without a JSON body, but the fake sent one`];
      }
      schema = media.schema;
    } else if (UNIVERSAL_ERROR_STATUSES.has(status) || status === 422) {
      const name = status === 422 ? 'validation-error' : 'basic-error';
      key = `#${name}`;
      schema = { $ref: `#/components/schemas/${name}` };
    } else {
      const where = operation ? operation.operationId : 'an unknown path';
      return [`status ${status} is not a documented response of ${where}`];
    }
    if (body === undefined)
      return schema ? [`${status} is documented with a JSON body, but the fake sent none`] : [];
    const validate = this.validator(key, () => schema);
    if (!validate || validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '(root)'} ${e.message ?? ''} (${e.schemaPath})`,
    );
  }

  /** Whether the operation documents `status` with a JSON body; undefined when it does not document it. */
  documentsJsonBody(operation: SpecOperation, status: number): boolean | undefined {
    const response = this.documentedResponse(operation, status);
    return response && Boolean(response.content && jsonMedia(response.content));
  }

  /** Whether an operation documents its 422 errors as plain strings (validation-error-simple). */
  validationErrorsAreStrings(operation: SpecOperation): boolean {
    const response = this.documentedResponse(operation, 422);
    const schema = response?.content && jsonMedia(response.content)?.schema;
    return schema?.$ref === '#/components/schemas/validation-error-simple';
  }

  /** Statistics for the curious: how many validators have been compiled so far. */
  get compiledValidators(): number {
    return this.validators.size;
  }

  private documentedResponse(operation: SpecOperation, status: number): ResponseObject | undefined {
    const responses = operation.raw.responses;
    const found = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    return found && this.resolve<ResponseObject>(found);
  }

  private validator(key: string, schema: () => JsonSchema | undefined): ValidateFunction | null {
    let validate = this.validators.get(key);
    if (validate === undefined) {
      const source = schema();
      validate = source ? this.ajv.compile(prepareFragment(source)) : null;
      this.validators.set(key, validate);
    }
    return validate;
  }

  private parametersSchema(operation: SpecOperation, location: 'path' | 'query'): JsonSchema | undefined {
    const own = operation.parameters.filter((p) => p.in === location);
    if (own.length === 0) return undefined;
    const properties: Record<string, JsonSchema> = {};
    for (const p of own) properties[p.name] = p.schema ?? {};
    const required = own.filter((p) => p.required).map((p) => p.name);
    return { type: 'object', properties, required };
  }

  /** Converts query or path strings to the type the parameter's schema asks for, where they parse. */
  private coerce(parameter: ParameterObject, values: string[]): unknown {
    const schema = this.derefSchema(parameter.schema ?? {});
    const scalar = (text: string, type: unknown): unknown => {
      if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
      if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
      return text;
    };
    if (schema.type === 'array') {
      const items = this.derefSchema((schema.items as JsonSchema | undefined) ?? {});
      const all = parameter.explode === false ? values.flatMap((v) => v.split(',')) : values;
      return all.map((v) => scalar(v, items.type));
    }
    // Repeated keys: Rails, and so GitHub, keeps the last one.
    return scalar(values[values.length - 1] ?? '', schema.type);
  }

  private derefSchema(schema: JsonSchema): JsonSchema {
    let current = schema;
    for (let depth = 0; typeof current.$ref === 'string' && depth < 10; depth++) {
      current = this.resolve<JsonSchema>(current as unknown as Reference);
    }
    return current;
  }

  private resolve<T>(value: T | Reference): T {
    let current: unknown = value;
    for (let depth = 0; isReference(current) && depth < 10; depth++) {
      const ref = current.$ref;
      if (!ref.startsWith('#/')) throw new Error(`unsupported reference ${ref}`);
      let target: unknown = this.doc;
      for (const part of ref.slice(2).split('/')) {
        target = (target as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
      }
      if (target === undefined) throw new Error(`unresolvable reference ${ref}`);
      current = target;
    }
    return current as T;
  }
}

let loading: Promise<OpenApiSpec> | undefined;

function isReference(value: unknown): value is Reference {
  return typeof value === 'object' && value !== null && typeof (value as Reference).$ref === 'string';
}

function isAbsoluteUri(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value);
}

function jsonMedia(content: Record<string, MediaTypeObject>): MediaTypeObject | undefined {
  if (content['application/json']) return content['application/json'];
  const key = Object.keys(content).find((k) => /[/+]json$/.test(k));
  return key === undefined ? undefined : content[key];
}

function parseTemplate(template: string): Segment[] {
  return template
    .split('/')
    .slice(1)
    .map((part) => {
      const m = /^\{([^}]+)\}$/.exec(part);
      return m ? { param: m[1] } : { literal: part };
    });
}

const GREEDY_PARAMS = new Set(['path', 'ref', 'basehead', 'branch']);

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  // A file path, ref or branch may hold slashes unencoded: such a last parameter takes the rest of the path.
  const last = segments[segments.length - 1];
  const greedy = last?.param !== undefined && GREEDY_PARAMS.has(last.param) && parts.length > segments.length;
  if (parts.length !== segments.length && !greedy) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const isLast = i === segments.length - 1;
    const part = isLast && greedy ? parts.slice(i).join('/') : parts[i]!;
    if (segment.literal !== undefined) {
      if (segment.literal !== part) return undefined;
    } else {
      if (part === '') return undefined;
      let decoded: string;
      try {
        decoded = decodeURIComponent(part);
      } catch {
        return undefined;
      }
      params[segment.param!] = decoded;
    }
  }
  return params;
}

/** Literal segments beat parameters, earlier segments first; an exact-length match beats a greedy one. */
function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  }
  return a.length - b.length;
}

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', 'definitions'] as const;
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'] as const;
const SUBSCHEMA_SINGLE = ['items', 'additionalProperties', 'not'] as const;

/**
 * Makes OpenAPI 3.0 `nullable` something ajv accepts and means what GitHub means, in place:
 * - `nullable: true` next to `type` is native to ajv, but an `enum` must then list null too
 *   (GitHub marks 69 enums nullable without listing null);
 * - `nullable: true` without `type` (next to allOf/anyOf/oneOf, 135 places) makes ajv throw, so it is
 *   rewritten to `anyOf: [{ type: 'null' }, <the rest>]`.
 */
function normalizeSchema(schema: unknown): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return;
  const node = schema as JsonSchema;
  if (node.nullable === true) {
    if (node.type === undefined) {
      delete node.nullable;
      const constraining = Object.keys(node).filter((k) => !ANNOTATIONS.has(k));
      if (constraining.length > 0) {
        const inner: JsonSchema = {};
        for (const k of constraining) {
          inner[k] = node[k];
          delete node[k];
        }
        node.anyOf = [{ type: 'null' }, inner];
      }
    } else if (Array.isArray(node.enum) && !node.enum.includes(null)) {
      node.enum = [...node.enum, null];
    }
  }
  for (const key of SUBSCHEMA_MAPS) {
    const map = node[key];
    if (map && typeof map === 'object') for (const sub of Object.values(map)) normalizeSchema(sub);
  }
  for (const key of SUBSCHEMA_LISTS) {
    const list = node[key];
    if (Array.isArray(list)) for (const sub of list) normalizeSchema(sub);
  }
  for (const key of SUBSCHEMA_SINGLE) normalizeSchema(node[key]);
}

const ANNOTATIONS = new Set([
  'description',
  'title',
  'example',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

/** Copies an operation-level schema, pointing its `#/components/...` references at the registered document. */
function prepareFragment(schema: JsonSchema): JsonSchema {
  const copy = rewriteRefs(schema) as JsonSchema;
  normalizeSchema(copy);
  return copy;
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) out[k] = `${SPEC_ID}${v}`;
    else if (k === 'example' || k === 'examples') continue;
    else out[k] = rewriteRefs(v);
  }
  return out;
}

function toIssues(location: RequestIssue['location'], errors: ErrorObject[], data: unknown): RequestIssue[] {
  return errors
    .filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword) || errors.length === 1)
    .map((e) => {
      const pointer = e.instancePath;
      const parts = pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointer);
      if (e.keyword === 'required') {
        const missing = String((e.params as { missingProperty: string }).missingProperty);
        const field = [...parts, missing].join('.');
        return { location, field, code: 'missing_field', message: `"${field}" wasn't supplied.` } as const;
      }
      const field = parts.join('.');
      const value = JSON.stringify(valueAt(data, parts)) ?? 'undefined';
      const where = parts.length === 0 ? location : parts.map((p) => `properties/${p}`).join('/');
      let message: string;
      if (e.keyword === 'type') {
        message = `For '${where}', ${value} is not ${article(String((e.params as { type: string }).type))}.`;
      } else if (e.keyword === 'enum') {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
        message = `For '${where}', ${value} is not one of ${JSON.stringify(allowed)}.`;
      } else {
        message = `For '${where}', ${value} ${e.message ?? 'is invalid'}.`;
      }
      return { location, field, code: 'invalid', message } as const;
    });
}

function article(type: string): string {
  const name = type === 'integer' ? 'integer' : type;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

function unescapePointer(part: string): string {
  return part.replaceAll('~1', '/').replaceAll('~0', '~');
}

function valueAt(data: unknown, parts: string[]): unknown {
  let current = data;
  for (const part of parts) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
