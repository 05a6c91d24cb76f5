// The slice of GitHub's GraphQL API the actions use: minimizeComment (and unminimizeComment) and reading a
// comment's minimized state through node/nodes. Bots' `login` is GraphQL's (`github-actions`, no `[bot]`).
//
// GraphQL is not in the OpenAPI description, so this file checks requests itself: the POST body shape,
// the query's syntax (a small parser of the executable subset of the language), every selected field
// against a small schema mirroring GitHub's types, arguments, variables and enum values. A request that
// would fail validation on GitHub is answered like GitHub does (HTTP 200, `errors`, no `data`) and is
// reported as a violation. Execution errors GitHub also produces at run time (NOT_FOUND, FORBIDDEN) are
// answered the same way but are not violations.
import type { CommentRecord, GitHubState, MinimizeReason, UserRef } from './state.js';

export interface GraphqlViewer extends UserRef {
  permissions: 'read' | 'write';
}

export interface GraphqlResult {
  status: number;
  body: Record<string, unknown>;
  violations: string[];
}

// ---------------------------------------------------------------- parsing

type Value =
  | { kind: 'variable'; name: string }
  | { kind: 'int' | 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'enum'; value: string }
  | { kind: 'list'; values: Value[] }
  | { kind: 'object'; fields: Map<string, Value> };

interface Location {
  line: number;
  column: number;
}
interface Directive {
  name: string;
  args: Map<string, Value>;
}
interface FieldNode {
  kind: 'field';
  alias: string | undefined;
  name: string;
  args: Map<string, Value>;
  directives: Directive[];
  selections: Selection[] | undefined;
  loc: Location;
}
interface InlineFragmentNode {
  kind: 'inline';
  typeCondition: string | undefined;
  directives: Directive[];
  selections: Selection[];
  loc: Location;
}
interface SpreadNode {
  kind: 'spread';
  name: string;
  directives: Directive[];
  loc: Location;
}
type Selection = FieldNode | InlineFragmentNode | SpreadNode;
interface VariableDefinition {
  name: string;
  type: string;
  defaultValue: Value | undefined;
}
interface OperationNode {
  operation: 'query' | 'mutation' | 'subscription';
  name: string | undefined;
  variables: VariableDefinition[];
  selections: Selection[];
  loc: Location;
}
interface FragmentNode {
  name: string;
  typeCondition: string;
  selections: Selection[];
}
interface DocumentNode {
  operations: OperationNode[];
  fragments: Map<string, FragmentNode>;
}

interface Token {
  kind: 'punct' | 'name' | 'int' | 'float' | 'string' | 'eof';
  value: string;
  loc: Location;
}

class GraphqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly loc: Location,
  ) {
    super(message);
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const loc = (at: number): Location => ({ line, column: at - lineStart + 1 });
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '\n') {
      i++;
      line++;
      lineStart = i;
    } else if (ch === ' ' || ch === '\t' || ch === '\r' || ch === ',' || ch === '\ufeff') {
      i++;
    } else if (ch === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (source.startsWith('...', i)) {
      tokens.push({ kind: 'punct', value: '...', loc: loc(i) });
      i += 3;
    } else if ('!$()&:=@[]{}|'.includes(ch)) {
      tokens.push({ kind: 'punct', value: ch, loc: loc(i) });
      i++;
    } else if (/[_A-Za-z]/.test(ch)) {
      const m = /^[_A-Za-z][_0-9A-Za-z]*/.exec(source.slice(i))!;
      tokens.push({ kind: 'name', value: m[0], loc: loc(i) });
      i += m[0].length;
    } else if (/[-0-9]/.test(ch)) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(i));
      if (!m) throw new GraphqlSyntaxError(`Unexpected character "${ch}"`, loc(i));
      tokens.push({ kind: m[2] || m[3] ? 'float' : 'int', value: m[0], loc: loc(i) });
      i += m[0].length;
    } else if (source.startsWith('"""', i)) {
      const end = source.indexOf('"""', i + 3);
      if (end < 0) throw new GraphqlSyntaxError('Unterminated string', loc(i));
      tokens.push({ kind: 'string', value: source.slice(i + 3, end), loc: loc(i) });
      for (const c of source.slice(i, end)) if (c === '\n') line++;
      i = end + 3;
    } else if (ch === '"') {
      const m = /^"((?:[^"\\\n]|\\.)*)"/.exec(source.slice(i));
      if (!m) throw new GraphqlSyntaxError('Unterminated string', loc(i));
      tokens.push({ kind: 'string', value: JSON.parse(`"${m[1]}"`) as string, loc: loc(i) });
      i += m[0].length;
    } else {
      throw new GraphqlSyntaxError(`Unexpected character "${ch}"`, loc(i));
    }
  }
  tokens.push({ kind: 'eof', value: '<EOF>', loc: loc(i) });
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  document(): DocumentNode {
    const doc: DocumentNode = { operations: [], fragments: new Map() };
    while (this.peek().kind !== 'eof') {
      const t = this.peek();
      if (t.kind === 'punct' && t.value === '{') {
        doc.operations.push({
          operation: 'query',
          name: undefined,
          variables: [],
          selections: this.selectionSet(),
          loc: t.loc,
        });
      } else if (
        t.kind === 'name' &&
        (t.value === 'query' || t.value === 'mutation' || t.value === 'subscription')
      ) {
        this.next();
        const name = this.peek().kind === 'name' ? this.next().value : undefined;
        const variables = this.isPunct('(') ? this.variableDefinitions() : [];
        this.directives();
        doc.operations.push({
          operation: t.value,
          name,
          variables,
          selections: this.selectionSet(),
          loc: t.loc,
        });
      } else if (t.kind === 'name' && t.value === 'fragment') {
        this.next();
        const name = this.expect('name').value;
        this.expectName('on');
        const typeCondition = this.expect('name').value;
        this.directives();
        doc.fragments.set(name, { name, typeCondition, selections: this.selectionSet() });
      } else {
        throw this.unexpected();
      }
    }
    return doc;
  }

  private variableDefinitions(): VariableDefinition[] {
    this.expectPunct('(');
    const out: VariableDefinition[] = [];
    while (!this.isPunct(')')) {
      this.expectPunct('$');
      const name = this.expect('name').value;
      this.expectPunct(':');
      const type = this.type();
      let defaultValue: Value | undefined;
      if (this.isPunct('=')) {
        this.next();
        defaultValue = this.value(true);
      }
      this.directives();
      out.push({ name, type, defaultValue });
    }
    this.next();
    return out;
  }

  private type(): string {
    let text: string;
    if (this.isPunct('[')) {
      this.next();
      text = `[${this.type()}]`;
      this.expectPunct(']');
    } else {
      text = this.expect('name').value;
    }
    if (this.isPunct('!')) {
      this.next();
      text += '!';
    }
    return text;
  }

  private selectionSet(): Selection[] {
    this.expectPunct('{');
    const out: Selection[] = [];
    while (!this.isPunct('}')) out.push(this.selection());
    this.next();
    if (out.length === 0) throw this.unexpected();
    return out;
  }

  private selection(): Selection {
    const t = this.peek();
    if (t.kind === 'punct' && t.value === '...') {
      this.next();
      if (this.peek().kind === 'name' && this.peek().value !== 'on') {
        return { kind: 'spread', name: this.next().value, directives: this.directives(), loc: t.loc };
      }
      let typeCondition: string | undefined;
      if (this.peek().kind === 'name' && this.peek().value === 'on') {
        this.next();
        typeCondition = this.expect('name').value;
      }
      const directives = this.directives();
      return { kind: 'inline', typeCondition, directives, selections: this.selectionSet(), loc: t.loc };
    }
    let name = this.expect('name').value;
    let alias: string | undefined;
    if (this.isPunct(':')) {
      this.next();
      alias = name;
      name = this.expect('name').value;
    }
    const args = this.isPunct('(') ? this.arguments(false) : new Map<string, Value>();
    const directives = this.directives();
    const selections = this.isPunct('{') ? this.selectionSet() : undefined;
    return { kind: 'field', alias, name, args, directives, selections, loc: t.loc };
  }

  private arguments(constant: boolean): Map<string, Value> {
    this.expectPunct('(');
    const args = new Map<string, Value>();
    while (!this.isPunct(')')) {
      const name = this.expect('name').value;
      this.expectPunct(':');
      args.set(name, this.value(constant));
    }
    this.next();
    return args;
  }

  private directives(): Directive[] {
    const out: Directive[] = [];
    while (this.isPunct('@')) {
      this.next();
      const name = this.expect('name').value;
      out.push({ name, args: this.isPunct('(') ? this.arguments(false) : new Map() });
    }
    return out;
  }

  private value(constant: boolean): Value {
    const t = this.next();
    if (t.kind === 'punct' && t.value === '$' && !constant)
      return { kind: 'variable', name: this.expect('name').value };
    if (t.kind === 'int') return { kind: 'int', value: Number(t.value) };
    if (t.kind === 'float') return { kind: 'float', value: Number(t.value) };
    if (t.kind === 'string') return { kind: 'string', value: t.value };
    if (t.kind === 'name') {
      if (t.value === 'true' || t.value === 'false') return { kind: 'boolean', value: t.value === 'true' };
      if (t.value === 'null') return { kind: 'null' };
      return { kind: 'enum', value: t.value };
    }
    if (t.kind === 'punct' && t.value === '[') {
      const values: Value[] = [];
      while (!this.isPunct(']')) values.push(this.value(constant));
      this.next();
      return { kind: 'list', values };
    }
    if (t.kind === 'punct' && t.value === '{') {
      const fields = new Map<string, Value>();
      while (!this.isPunct('}')) {
        const name = this.expect('name').value;
        this.expectPunct(':');
        fields.set(name, this.value(constant));
      }
      this.next();
      return { kind: 'object', fields };
    }
    this.pos--;
    throw this.unexpected();
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.kind !== 'eof') this.pos++;
    return t;
  }
  private isPunct(value: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.value === value;
  }
  private expect(kind: Token['kind']): Token {
    if (this.peek().kind !== kind) throw this.unexpected();
    return this.next();
  }
  private expectPunct(value: string): void {
    if (!this.isPunct(value)) throw this.unexpected();
    this.next();
  }
  private expectName(value: string): void {
    const t = this.peek();
    if (t.kind !== 'name' || t.value !== value) throw this.unexpected();
    this.next();
  }
  private unexpected(): GraphqlSyntaxError {
    const t = this.peek();
    const what =
      t.kind === 'eof'
        ? 'end of file'
        : `${t.kind === 'name' ? 'IDENTIFIER' : t.kind.toUpperCase()} "${t.value}"`;
    return new GraphqlSyntaxError(`Parse error on ${what} (${t.value})`, t.loc);
  }
}

// ---------------------------------------------------------------- schema

interface ArgumentSpec {
  type: string;
}
interface TypeSpec {
  kind: 'object' | 'interface' | 'scalar' | 'enum' | 'input';
  fields?: Record<string, { type: string; args?: Record<string, ArgumentSpec> }>;
  /** Object types: interfaces implemented. Interfaces: their possible types. */
  related?: string[];
  values?: string[];
}

const CLASSIFIERS = ['ABUSE', 'DUPLICATE', 'OFF_TOPIC', 'OUTDATED', 'RESOLVED', 'SPAM'] as const;
const ACTOR_FIELDS = {
  login: { type: 'String!' },
  avatarUrl: { type: 'URI!' },
  url: { type: 'URI!' },
  resourcePath: { type: 'URI!' },
};
const NODE_FIELDS = { id: { type: 'ID!' } };
const MINIMIZABLE_FIELDS = {
  isMinimized: { type: 'Boolean!' },
  minimizedReason: { type: 'String' },
  viewerCanMinimize: { type: 'Boolean!' },
};
const COMMENT_FIELDS = {
  ...NODE_FIELDS,
  author: { type: 'Actor' },
  body: { type: 'String!' },
  createdAt: { type: 'DateTime!' },
  updatedAt: { type: 'DateTime!' },
  viewerDidAuthor: { type: 'Boolean!' },
};

const SCHEMA: Record<string, TypeSpec> = {
  Query: {
    kind: 'object',
    fields: {
      node: { type: 'Node', args: { id: { type: 'ID!' } } },
      nodes: { type: '[Node]!', args: { ids: { type: '[ID!]!' } } },
      repository: {
        type: 'Repository',
        args: { owner: { type: 'String!' }, name: { type: 'String!' }, followRenames: { type: 'Boolean' } },
      },
    },
  },
  Repository: {
    kind: 'object',
    related: ['Node'],
    fields: {
      ...NODE_FIELDS,
      nameWithOwner: { type: 'String!' },
      pullRequest: { type: 'PullRequest', args: { number: { type: 'Int!' } } },
      ref: { type: 'Ref', args: { qualifiedName: { type: 'String!' } } },
      deployments: {
        type: 'DeploymentConnection!',
        args: { environments: { type: '[String!]' }, first: { type: 'Int' }, after: { type: 'String' } },
      },
    },
  },
  PullRequest: {
    kind: 'object',
    related: ['Node'],
    fields: {
      ...NODE_FIELDS,
      number: { type: 'Int!' },
      state: { type: 'PullRequestState!' },
      merged: { type: 'Boolean!' },
      comments: {
        type: 'IssueCommentConnection!',
        args: { first: { type: 'Int' }, after: { type: 'String' } },
      },
    },
  },
  PullRequestState: { kind: 'enum', values: ['OPEN', 'CLOSED', 'MERGED'] },
  IssueCommentConnection: {
    kind: 'object',
    fields: {
      nodes: { type: '[IssueComment]' },
      pageInfo: { type: 'PageInfo!' },
      totalCount: { type: 'Int!' },
    },
  },
  DeploymentConnection: {
    kind: 'object',
    fields: {
      nodes: { type: '[Deployment]' },
      pageInfo: { type: 'PageInfo!' },
      totalCount: { type: 'Int!' },
    },
  },
  Ref: {
    kind: 'object',
    related: ['Node'],
    fields: { ...NODE_FIELDS, name: { type: 'String!' }, prefix: { type: 'String!' } },
  },
  PageInfo: {
    kind: 'object',
    fields: { hasNextPage: { type: 'Boolean!' }, endCursor: { type: 'String' } },
  },
  Deployment: {
    kind: 'object',
    related: ['Node'],
    fields: {
      ...NODE_FIELDS,
      databaseId: { type: 'Int' },
      task: { type: 'String' },
      environment: { type: 'String' },
      state: { type: 'DeploymentState' },
      createdAt: { type: 'DateTime!' },
    },
  },
  DeploymentState: {
    kind: 'enum',
    values: [
      'ABANDONED',
      'ACTIVE',
      'DESTROYED',
      'ERROR',
      'FAILURE',
      'INACTIVE',
      'IN_PROGRESS',
      'PENDING',
      'QUEUED',
      'WAITING',
    ],
  },
  Mutation: {
    kind: 'object',
    fields: {
      minimizeComment: { type: 'MinimizeCommentPayload', args: { input: { type: 'MinimizeCommentInput!' } } },
      unminimizeComment: {
        type: 'UnminimizeCommentPayload',
        args: { input: { type: 'UnminimizeCommentInput!' } },
      },
    },
  },
  MinimizeCommentPayload: {
    kind: 'object',
    fields: { clientMutationId: { type: 'String' }, minimizedComment: { type: 'Minimizable' } },
  },
  UnminimizeCommentPayload: {
    kind: 'object',
    fields: { clientMutationId: { type: 'String' }, unminimizedComment: { type: 'Minimizable' } },
  },
  Node: {
    kind: 'interface',
    fields: NODE_FIELDS,
    related: ['IssueComment', 'User', 'Bot', 'Repository', 'PullRequest', 'Deployment'],
  },
  Minimizable: { kind: 'interface', fields: MINIMIZABLE_FIELDS, related: ['IssueComment'] },
  Comment: { kind: 'interface', fields: COMMENT_FIELDS, related: ['IssueComment'] },
  Actor: { kind: 'interface', fields: ACTOR_FIELDS, related: ['User', 'Bot'] },
  IssueComment: {
    kind: 'object',
    related: ['Node', 'Minimizable', 'Comment'],
    fields: { ...COMMENT_FIELDS, ...MINIMIZABLE_FIELDS, databaseId: { type: 'Int' }, url: { type: 'URI!' } },
  },
  User: {
    kind: 'object',
    related: ['Node', 'Actor'],
    fields: { ...NODE_FIELDS, ...ACTOR_FIELDS, databaseId: { type: 'Int' }, name: { type: 'String' } },
  },
  Bot: { kind: 'object', related: ['Node', 'Actor'], fields: { ...NODE_FIELDS, ...ACTOR_FIELDS } },
  MinimizeCommentInput: {
    kind: 'input',
    fields: {
      subjectId: { type: 'ID!' },
      classifier: { type: 'ReportedContentClassifiers!' },
      clientMutationId: { type: 'String' },
    },
  },
  UnminimizeCommentInput: {
    kind: 'input',
    fields: { subjectId: { type: 'ID!' }, clientMutationId: { type: 'String' } },
  },
  ReportedContentClassifiers: { kind: 'enum', values: [...CLASSIFIERS] },
  ID: { kind: 'scalar' },
  String: { kind: 'scalar' },
  Boolean: { kind: 'scalar' },
  Int: { kind: 'scalar' },
  URI: { kind: 'scalar' },
  DateTime: { kind: 'scalar' },
};

function namedType(type: string): string {
  return type.replace(/[[\]!]/g, '');
}

// ---------------------------------------------------------------- validation

interface GraphqlError {
  message: string;
  locations?: Location[];
  path?: (string | number)[];
  type?: string;
  extensions?: Record<string, unknown>;
}

class Validator {
  readonly errors: GraphqlError[] = [];
  private readonly used = new Set<string>();

  constructor(
    private readonly doc: DocumentNode,
    private readonly op: OperationNode,
    private readonly variables: Record<string, unknown>,
  ) {}

  run(): void {
    const root =
      this.op.operation === 'mutation' ? 'Mutation' : this.op.operation === 'query' ? 'Query' : undefined;
    if (!root) {
      this.errors.push({ message: 'Subscriptions are not supported', locations: [this.op.loc] });
      return;
    }
    this.selections(root, this.op.selections, [this.op.operation], new Set());
    for (const def of this.op.variables) {
      if (!this.used.has(def.name)) {
        this.errors.push({
          message: `Variable $${def.name} is declared by anonymous ${this.op.operation} but not used`,
        });
      }
      const given = this.variables[def.name];
      if (
        def.type.endsWith('!') &&
        def.defaultValue === undefined &&
        (given === undefined || given === null)
      ) {
        this.errors.push({
          message: `Variable $${def.name} of type ${def.type} was provided invalid value`,
          extensions: { value: null, problems: [{ path: [], explanation: 'Expected value to not be null' }] },
        });
      }
    }
  }

  private selections(typeName: string, selections: Selection[], path: string[], spreads: Set<string>): void {
    const type = SCHEMA[typeName];
    for (const s of selections) {
      this.checkDirectives(s.directives);
      if (s.kind === 'inline') {
        const target = s.typeCondition ?? typeName;
        if (!SCHEMA[target]) {
          this.errors.push({
            message: `No such type ${target}, so it can't be a fragment condition`,
            locations: [s.loc],
          });
          continue;
        }
        this.selections(target, s.selections, path, spreads);
      } else if (s.kind === 'spread') {
        const fragment = this.doc.fragments.get(s.name);
        if (!fragment || spreads.has(s.name)) {
          this.errors.push({ message: `Fragment ${s.name} was used, but not defined`, locations: [s.loc] });
          continue;
        }
        if (!SCHEMA[fragment.typeCondition]) {
          this.errors.push({
            message: `No such type ${fragment.typeCondition}, so it can't be a fragment condition`,
          });
          continue;
        }
        this.selections(fragment.typeCondition, fragment.selections, path, new Set([...spreads, s.name]));
      } else {
        const fieldPath = [...path, s.alias ?? s.name];
        if (s.name === '__typename') continue;
        const field = type?.fields?.[s.name];
        if (!field) {
          this.errors.push({
            message: `Field '${s.name}' doesn't exist on type '${typeName}'`,
            locations: [s.loc],
            path: fieldPath,
            extensions: { code: 'undefinedField', typeName, fieldName: s.name },
          });
          continue;
        }
        this.checkArguments(typeName, s, field.args ?? {}, fieldPath);
        const resultType = SCHEMA[namedType(field.type)]!;
        const composite = resultType.kind === 'object' || resultType.kind === 'interface';
        if (composite && !s.selections) {
          this.errors.push({
            message: `Field must have selections (field '${s.name}' returns ${namedType(field.type)} but has no selections. Did you mean '${s.name} { ... }'?)`,
            locations: [s.loc],
            path: fieldPath,
          });
        } else if (!composite && s.selections) {
          this.errors.push({
            message: `Selections can't be made on scalars (field '${s.name}' returns ${field.type} but has selections [${s.selections.map((x) => (x.kind === 'field' ? x.name : '...')).join(', ')}])`,
            locations: [s.loc],
            path: fieldPath,
          });
        } else if (s.selections) {
          this.selections(namedType(field.type), s.selections, fieldPath, spreads);
        }
      }
    }
  }

  private checkDirectives(directives: Directive[]): void {
    for (const d of directives) {
      if (d.name !== 'include' && d.name !== 'skip')
        this.errors.push({ message: `Directive @${d.name} is not defined` });
      for (const v of d.args.values()) this.markUsed(v);
    }
  }

  private checkArguments(
    typeName: string,
    node: FieldNode,
    specs: Record<string, ArgumentSpec>,
    path: string[],
  ) {
    for (const [name, value] of node.args) {
      const spec = specs[name];
      if (!spec) {
        this.errors.push({
          message: `Field '${node.name}' doesn't accept argument '${name}'`,
          locations: [node.loc],
          path: [...path, name],
          extensions: { code: 'argumentNotAccepted', name: node.name, typeName: 'Field', argumentName: name },
        });
        continue;
      }
      this.checkValue(value, spec.type, `Argument '${name}' on Field '${node.name}'`, node.loc);
    }
    for (const [name, spec] of Object.entries(specs)) {
      if (spec.type.endsWith('!') && !node.args.has(name)) {
        this.errors.push({
          message: `Field '${node.name}' is missing required arguments: ${name}`,
          locations: [node.loc],
          path,
          extensions: {
            code: 'missingRequiredArguments',
            className: 'Field',
            name: node.name,
            arguments: name,
          },
        });
      }
    }
    void typeName;
  }

  /** Checks a literal (or a variable's value) against an input type. */
  private checkValue(value: Value, type: string, what: string, loc: Location): void {
    if (value.kind === 'variable') {
      this.markUsed(value);
      const def = this.op.variables.find((v) => v.name === value.name);
      if (!def) {
        this.errors.push({
          message: `Variable $${value.name} is used by anonymous ${this.op.operation} but not declared`,
          locations: [loc],
        });
        return;
      }
      const given = value.name in this.variables ? this.variables[value.name] : undefined;
      if (given !== undefined) this.checkJson(given, def.type, `Variable $${value.name} of type ${def.type}`);
      return;
    }
    const invalid = () =>
      this.errors.push({
        message: `${what} has an invalid value (${printValue(value)}). Expected type '${type}'.`,
        locations: [loc],
      });
    const named = namedType(type);
    const spec = SCHEMA[named];
    if (value.kind === 'null') {
      if (type.endsWith('!')) invalid();
      return;
    }
    if (type.startsWith('[')) {
      const inner = type.replace(/^\[/, '').replace(/\]!?$/, '');
      for (const v of value.kind === 'list' ? value.values : [value]) this.checkValue(v, inner, what, loc);
      return;
    }
    if (spec?.kind === 'enum') {
      if (value.kind !== 'enum' || !spec.values?.includes(value.value)) invalid();
    } else if (spec?.kind === 'input') {
      if (value.kind !== 'object') return void invalid();
      for (const [k, v] of value.fields) {
        const field = spec.fields?.[k];
        if (!field) {
          this.errors.push({
            message: `InputObject '${named}' doesn't accept argument '${k}'`,
            locations: [loc],
          });
        } else {
          this.checkValue(v, field.type, `Argument '${k}' on InputObject '${named}'`, loc);
        }
      }
      for (const [k, field] of Object.entries(spec.fields ?? {})) {
        if (field.type.endsWith('!') && !value.fields.has(k)) {
          this.errors.push({
            message: `Argument '${k}' on InputObject '${named}' is required. Expected type ${field.type}`,
            locations: [loc],
          });
        }
      }
    } else if (named === 'Int') {
      if (value.kind !== 'int') invalid();
    } else if (named === 'Boolean') {
      if (value.kind !== 'boolean') invalid();
    } else if (named === 'ID') {
      if (value.kind !== 'string' && value.kind !== 'int') invalid();
    } else if (value.kind !== 'string') {
      invalid();
    }
  }

  /** Checks a variable's JSON value against its declared type. */
  private checkJson(value: unknown, type: string, what: string): void {
    const problem = jsonProblem(value, type);
    if (problem) {
      this.errors.push({
        message: `${what} was provided invalid value${problem.path.length ? ` for ${problem.path.join('.')}` : ''}`,
        extensions: { value, problems: [problem] },
      });
    }
  }

  private markUsed(value: Value): void {
    if (value.kind === 'variable') this.used.add(value.name);
    else if (value.kind === 'list') for (const v of value.values) this.markUsed(v);
    else if (value.kind === 'object') for (const v of value.fields.values()) this.markUsed(v);
  }
}

function jsonProblem(
  value: unknown,
  type: string,
  path: string[] = [],
): { path: string[]; explanation: string } | undefined {
  if (value === null || value === undefined) {
    return type.endsWith('!') ? { path, explanation: 'Expected value to not be null' } : undefined;
  }
  const nullable = type.replace(/!$/, '');
  if (nullable.startsWith('[')) {
    const inner = nullable.slice(1, -1);
    const items = Array.isArray(value) ? value : [value];
    for (const [i, item] of items.entries()) {
      const p = jsonProblem(item, inner, [...path, String(i)]);
      if (p) return p;
    }
    return undefined;
  }
  const spec = SCHEMA[nullable];
  const fail = (explanation: string) => ({ path, explanation });
  if (spec?.kind === 'enum') {
    return typeof value === 'string' && spec.values?.includes(value)
      ? undefined
      : fail(`Expected "${String(value)}" to be one of: ${spec.values?.join(', ')}`);
  }
  if (spec?.kind === 'input') {
    if (typeof value !== 'object' || Array.isArray(value))
      return fail(`Expected ${JSON.stringify(value)} to be a key-value object.`);
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      if (!spec.fields?.[k])
        return { path: [...path, k], explanation: `Field is not defined on ${nullable}` };
    }
    for (const [k, field] of Object.entries(spec.fields ?? {})) {
      const p = jsonProblem(record[k], field.type, [...path, k]);
      if (p) return p;
    }
    return undefined;
  }
  if (nullable === 'Int') return Number.isInteger(value) ? undefined : fail('Could not coerce value to Int');
  if (nullable === 'Boolean')
    return typeof value === 'boolean' ? undefined : fail('Could not coerce value to Boolean');
  if (nullable === 'ID') {
    return typeof value === 'string' || Number.isInteger(value)
      ? undefined
      : fail('Could not coerce value to ID');
  }
  return typeof value === 'string'
    ? undefined
    : fail(`Could not coerce value ${JSON.stringify(value)} to ${nullable}`);
}

function printValue(value: Value): string {
  switch (value.kind) {
    case 'variable':
      return `$${value.name}`;
    case 'string':
      return JSON.stringify(value.value);
    case 'null':
      return 'null';
    case 'list':
      return `[${value.values.map(printValue).join(', ')}]`;
    case 'object':
      return `{${[...value.fields].map(([k, v]) => `${k}: ${printValue(v)}`).join(', ')}}`;
    default:
      return String(value.value);
  }
}

// ---------------------------------------------------------------- execution

type Runtime =
  | { __typename: 'IssueComment'; comment: CommentRecord }
  /** Objects whose fields are plain values or runtimes (repository, pull request, connections, …). */
  | { __typename: string; plain: Record<string, unknown> }
  | { __typename: 'User' | 'Bot'; user: UserRef }
  | {
      __typename: 'MinimizeCommentPayload' | 'UnminimizeCommentPayload';
      clientMutationId: string | null;
      comment: CommentRecord;
    };

class FieldError extends Error {
  constructor(
    message: string,
    readonly type: string,
  ) {
    super(message);
  }
}

/** GraphQL's deployment state from the latest REST status. */
const DEPLOYMENT_STATES: Record<string, string> = {
  success: 'ACTIVE',
  inactive: 'INACTIVE',
  in_progress: 'IN_PROGRESS',
  queued: 'QUEUED',
  pending: 'PENDING',
  failure: 'FAILURE',
  error: 'ERROR',
};

const REASONS: Record<(typeof CLASSIFIERS)[number], MinimizeReason> = {
  ABUSE: 'abuse',
  DUPLICATE: 'duplicate',
  OFF_TOPIC: 'off-topic',
  OUTDATED: 'outdated',
  RESOLVED: 'resolved',
  SPAM: 'spam',
};

class Executor {
  readonly errors: GraphqlError[] = [];

  constructor(
    private readonly doc: DocumentNode,
    private readonly variables: Record<string, unknown>,
    private readonly state: GitHubState,
    private readonly viewer: GraphqlViewer,
  ) {}

  selections(typeName: string, parent: Runtime | null, selections: Selection[], path: (string | number)[]) {
    const out: Record<string, unknown> = {};
    for (const s of this.collect(typeName, selections)) {
      const key = s.alias ?? s.name;
      const fieldPath = [...path, key];
      try {
        const value = this.resolve(typeName, parent, s);
        out[key] = this.complete(typeName, s, value, fieldPath);
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        out[key] = null;
        this.errors.push({ type: error.type, path: fieldPath, locations: [s.loc], message: error.message });
      }
    }
    return out;
  }

  private complete(typeName: string, field: FieldNode, value: unknown, path: (string | number)[]): unknown {
    if (value === null || value === undefined || !field.selections) return value ?? null;
    if (Array.isArray(value)) {
      return value.map((v: Runtime | null, i) =>
        v === null ? null : this.selections(v.__typename, v, field.selections!, [...path, i]),
      );
    }
    const runtime = value as Runtime;
    void typeName;
    return this.selections(runtime.__typename, runtime, field.selections, path);
  }

  /** Flattens fragments that apply to the runtime type, honouring @include and @skip. */
  private collect(typeName: string, selections: Selection[]): FieldNode[] {
    const out: FieldNode[] = [];
    for (const s of selections) {
      if (!this.included(s.directives)) continue;
      if (s.kind === 'field') out.push(s);
      else if (s.kind === 'inline') {
        if (!s.typeCondition || applies(s.typeCondition, typeName))
          out.push(...this.collect(typeName, s.selections));
      } else {
        const fragment = this.doc.fragments.get(s.name)!;
        if (applies(fragment.typeCondition, typeName))
          out.push(...this.collect(typeName, fragment.selections));
      }
    }
    return out;
  }

  private included(directives: Directive[]): boolean {
    for (const d of directives) {
      const condition = d.args.get('if');
      const value = condition ? this.literal(condition) : true;
      if (d.name === 'include' && value !== true) return false;
      if (d.name === 'skip' && value === true) return false;
    }
    return true;
  }

  private literal(value: Value): unknown {
    switch (value.kind) {
      case 'variable':
        return this.variables[value.name] ?? null;
      case 'null':
        return null;
      case 'list':
        return value.values.map((v) => this.literal(v));
      case 'object':
        return Object.fromEntries([...value.fields].map(([k, v]) => [k, this.literal(v)]));
      default:
        return value.value;
    }
  }

  private arg(field: FieldNode, name: string): unknown {
    const value = field.args.get(name);
    return value === undefined ? undefined : this.literal(value);
  }

  private resolve(typeName: string, parent: Runtime | null, field: FieldNode): unknown {
    if (field.name === '__typename') return parent?.__typename ?? typeName;
    if (typeName === 'Query') {
      if (field.name === 'node') return this.node(String(this.arg(field, 'id')));
      if (field.name === 'nodes') {
        const ids = this.arg(field, 'ids');
        return (Array.isArray(ids) ? ids : [ids]).map((id, i) => {
          try {
            return this.node(String(id));
          } catch (error) {
            if (!(error instanceof FieldError)) throw error;
            this.errors.push({
              type: error.type,
              path: [field.alias ?? field.name, i],
              message: error.message,
            });
            return null;
          }
        });
      }
    }
    if (typeName === 'Query' && field.name === 'repository') return this.repository(field);
    if (typeName === 'Mutation') return this.mutate(field);
    if (!parent) return null;
    if ('plain' in parent) {
      const value = parent.plain[field.name];
      return typeof value === 'function' ? (value as (f: FieldNode) => unknown)(field) : (value ?? null);
    }
    if (parent.__typename === 'IssueComment') return this.commentField(parent.comment, field.name);
    if ('user' in parent) return userField(parent.user, field.name);
    if (field.name === 'clientMutationId') return parent.clientMutationId;
    return { __typename: 'IssueComment', comment: parent.comment };
  }

  private repository(field: FieldNode): Runtime | null {
    const repo = this.state.repository(`${this.arg(field, 'owner')}/${this.arg(field, 'name')}`);
    if (!repo) {
      throw new FieldError(
        `Could not resolve to a Repository with the name '${this.arg(field, 'owner')}/${this.arg(field, 'name')}'.`,
        'NOT_FOUND',
      );
    }
    const fullName = `${repo.owner.login}/${repo.name}`;
    return {
      __typename: 'Repository',
      plain: {
        id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
        nameWithOwner: fullName,
        pullRequest: (f: FieldNode) => {
          const number = Number(this.arg(f, 'number'));
          const pull = this.state.pullRequest(number, fullName);
          if (!pull) {
            throw new FieldError(
              `Could not resolve to a PullRequest with the number of ${number}.`,
              'NOT_FOUND',
            );
          }
          return {
            __typename: 'PullRequest',
            plain: {
              id: pull.nodeId,
              number: pull.number,
              merged: pull.merged,
              state: pull.merged ? 'MERGED' : pull.state === 'open' ? 'OPEN' : 'CLOSED',
              comments: (c: FieldNode) =>
                this.connection(
                  'IssueCommentConnection',
                  this.state.comments(number, fullName).map((comment) => ({
                    __typename: 'IssueComment' as const,
                    comment,
                  })),
                  c,
                ),
            },
          };
        },
        // GitHub answers null (no error) for a ref that does not exist.
        ref: (f: FieldNode) => {
          const qualified = String(this.arg(f, 'qualifiedName'));
          const match = /^(refs\/(?:heads|tags)\/)?(.+)$/.exec(qualified)!;
          const name = match[2]!;
          if (!repo.refs.has(name)) return null;
          return {
            __typename: 'Ref',
            plain: {
              id: Buffer.from(`047:Ref${repo.id}:${qualified}`).toString('base64'),
              name,
              prefix: match[1] ?? 'refs/heads/',
            },
          };
        },
        deployments: (f: FieldNode) => {
          const environments = this.arg(f, 'environments') as string[] | null | undefined;
          const deployments = this.state
            .deployments(fullName)
            .filter((d) => !environments || environments.includes(d.environment))
            .sort((a, b) => a.id - b.id)
            .map((d) => ({
              __typename: 'Deployment',
              plain: {
                id: d.nodeId,
                databaseId: d.id,
                task: d.task,
                environment: d.environment,
                createdAt: d.createdAt,
                state: DEPLOYMENT_STATES[this.state.deploymentState(d) ?? 'pending'],
              },
            }));
          return this.connection('DeploymentConnection', deployments, f);
        },
      },
    };
  }

  /** A page of a connection: `first` (1–100, required as on GitHub) from the opaque `after` cursor. */
  private connection(typeName: string, items: Runtime[], field: FieldNode): Runtime {
    const first = this.arg(field, 'first');
    if (typeof first !== 'number' || first < 1 || first > 100) {
      throw new FieldError(
        `You must provide a \`first\` or \`last\` value between 1 and 100 to properly paginate the \`${field.name}\` connection.`,
        'MISSING_PAGINATION_BOUNDARIES',
      );
    }
    const after = this.arg(field, 'after');
    const start =
      typeof after === 'string' ? Number(Buffer.from(after, 'base64').toString().slice(7)) + 1 : 0;
    const page = items.slice(start, start + first);
    const end = start + page.length - 1;
    return {
      __typename: typeName,
      plain: {
        nodes: page,
        totalCount: items.length,
        pageInfo: {
          __typename: 'PageInfo',
          plain: {
            hasNextPage: start + first < items.length,
            endCursor: page.length > 0 ? Buffer.from(`cursor:${end}`).toString('base64') : null,
          },
        },
      },
    };
  }

  private node(id: string): Runtime {
    const comment = this.state.commentByNodeId(id);
    if (!comment)
      throw new FieldError(`Could not resolve to a node with the global id of '${id}'`, 'NOT_FOUND');
    return { __typename: 'IssueComment', comment };
  }

  private mutate(field: FieldNode): Runtime {
    const input = (this.arg(field, 'input') ?? {}) as {
      subjectId?: unknown;
      classifier?: unknown;
      clientMutationId?: unknown;
    };
    const subjectId = String(input.subjectId);
    const comment = this.state.commentByNodeId(subjectId);
    if (!comment)
      throw new FieldError(`Could not resolve to a node with the global id of '${subjectId}'`, 'NOT_FOUND');
    if (this.viewer.permissions !== 'write')
      throw new FieldError('Resource not accessible by integration', 'FORBIDDEN');
    const reason =
      field.name === 'minimizeComment' ? REASONS[input.classifier as keyof typeof REASONS] : null;
    this.state.minimizeComment(comment.id, reason);
    return {
      __typename: field.name === 'minimizeComment' ? 'MinimizeCommentPayload' : 'UnminimizeCommentPayload',
      clientMutationId: typeof input.clientMutationId === 'string' ? input.clientMutationId : null,
      comment,
    };
  }

  private commentField(comment: CommentRecord, name: string): unknown {
    const repo = this.state.repository(comment.repoKey);
    const kind = repo && this.state.hasIssue(repo, comment.issueNumber) === 'pull' ? 'pull' : 'issues';
    switch (name) {
      case 'id':
        return comment.nodeId;
      case 'databaseId':
        return comment.id;
      case 'body':
        return comment.body;
      case 'url':
        return `https://github.com/${repo?.owner.login}/${repo?.name}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`;
      case 'isMinimized':
        return comment.minimized !== null;
      case 'minimizedReason':
        return comment.minimized?.reason ?? null;
      case 'viewerCanMinimize':
        return this.viewer.permissions === 'write';
      case 'viewerDidAuthor':
        return comment.user.login === this.viewer.login;
      case 'createdAt':
        return comment.createdAt;
      case 'updatedAt':
        return comment.updatedAt;
      case 'author':
        return { __typename: comment.user.type === 'Bot' ? 'Bot' : 'User', user: comment.user };
      default:
        return null;
    }
  }
}

function userField(user: UserRef, name: string): unknown {
  const login = user.login.replace(/\[bot\]$/, '');
  switch (name) {
    case 'login':
      return user.type === 'Bot' ? login : user.login;
    case 'id':
      return Buffer.from(`04:${user.type}${user.id}`).toString('base64');
    case 'databaseId':
      return user.id;
    case 'avatarUrl':
      return `https://avatars.githubusercontent.com/u/${user.id}?v=4`;
    case 'url':
      return user.type === 'Bot' ? `https://github.com/apps/${login}` : `https://github.com/${login}`;
    case 'resourcePath':
      return user.type === 'Bot' ? `/apps/${login}` : `/${login}`;
    case 'name':
      return user.name ?? null;
    default:
      return null;
  }
}

function applies(condition: string, runtimeType: string): boolean {
  if (condition === runtimeType) return true;
  return SCHEMA[runtimeType]?.related?.includes(condition) ?? false;
}

// ---------------------------------------------------------------- entry point

/** Answers one POST /graphql. `body` is the parsed JSON body (undefined when absent or not JSON). */
export function executeGraphql(body: unknown, state: GitHubState, viewer: GraphqlViewer): GraphqlResult {
  const violations: string[] = [];
  const fail = (errors: GraphqlError[], why: string): GraphqlResult => {
    violations.push(`GraphQL: ${why}`);
    return { status: 200, body: { errors }, violations };
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    violations.push('GraphQL: the request body is not a JSON object');
    return {
      status: 400,
      body: { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/graphql' },
      violations,
    };
  }
  const request = body as { query?: unknown; variables?: unknown; operationName?: unknown };
  if (typeof request.query !== 'string' || request.query.trim() === '') {
    const message = 'A query attribute must be specified and must be a string.';
    return fail([{ message }], message);
  }
  if (request.variables !== undefined && request.variables !== null) {
    if (typeof request.variables !== 'object' || Array.isArray(request.variables)) {
      const message = 'Variables must be a JSON object.';
      return fail([{ message }], `${message} Got ${JSON.stringify(request.variables)}`);
    }
  }
  if (
    request.operationName !== undefined &&
    request.operationName !== null &&
    typeof request.operationName !== 'string'
  ) {
    return fail([{ message: 'operationName must be a string' }], 'operationName is not a string');
  }
  const variables = (request.variables ?? {}) as Record<string, unknown>;
  let doc: DocumentNode;
  try {
    doc = new Parser(tokenize(request.query)).document();
  } catch (error) {
    if (!(error instanceof GraphqlSyntaxError)) throw error;
    return fail([{ message: error.message, locations: [error.loc] }], `syntax error: ${error.message}`);
  }
  const operations = doc.operations.filter(
    (o) => request.operationName == null || o.name === request.operationName,
  );
  if (operations.length !== 1) {
    const message =
      operations.length === 0
        ? `No operation named "${String(request.operationName)}"`
        : 'An operation name is required when the document holds several operations';
    return fail([{ message }], message);
  }
  const operation = operations[0]!;
  const defaults: Record<string, unknown> = {};
  for (const def of operation.variables) {
    if (def.defaultValue && !(def.name in variables)) defaults[def.name] = constantValue(def.defaultValue);
  }
  const allVariables = { ...defaults, ...variables };
  const validator = new Validator(doc, operation, allVariables);
  validator.run();
  if (validator.errors.length > 0) {
    const why = validator.errors.map((e) => e.message).join('; ');
    return fail(validator.errors, `${why} (GitHub would reject this, or the fake lacks the field)`);
  }
  const root = operation.operation === 'mutation' ? 'Mutation' : 'Query';
  const executor = new Executor(doc, allVariables, state, viewer);
  const data = executor.selections(root, null, operation.selections, []);
  const out: Record<string, unknown> = { data };
  if (executor.errors.length > 0) out.errors = executor.errors;
  return { status: 200, body: out, violations };
}

function constantValue(value: Value): unknown {
  switch (value.kind) {
    case 'variable':
    case 'null':
      return null;
    case 'list':
      return value.values.map(constantValue);
    case 'object':
      return Object.fromEntries([...value.fields].map(([k, v]) => [k, constantValue(v)]));
    default:
      return value.value;
  }
}
