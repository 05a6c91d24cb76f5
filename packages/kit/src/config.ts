import { existsSync, readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { CST, isMap, isScalar, LineCounter, type Node, Parser, parseDocument, type YAMLMap } from 'yaml';
import { UserError } from './errors.js';
import validate, { settingKeys, topLevelKeys } from './generated/validate-environments.js';
import { firstOf, type InputLookup, Inputs, stepInputs } from './inputs.js';

/** Where users keep their settings when the `config` input is not given. */
export const DEFAULT_CONFIG_PATH = '.github/ecs-environments.yml';

type Scalar = string | number | boolean;
type SettingValue = Scalar | Scalar[] | Record<string, Scalar>;
type Settings = Record<string, SettingValue>;

/** One problem in the environments file, located for an annotation. */
export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** A rejected environments file: every problem at once, each with file, line and key. */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `The environments file is not valid:\n${problems.map((p) => `  ${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n')}`,
    );
  }
}

/** A parsed, validated environments file. */
export interface EnvironmentsFile {
  path: string;
  defaults: Settings;
  environments: Record<string, Settings>;
  /** `file:line` of each setting, by `defaults.key` or `environments.name.key`. */
  locations: Map<string, string>;
}

/**
 * Reads the environments file. A missing file is fine when the path is the default one (the user has
 * none); an explicitly named file that is missing is an error.
 */
export function loadEnvironments(path: string | undefined): EnvironmentsFile | undefined {
  const file = path ?? DEFAULT_CONFIG_PATH;
  if (!existsSync(file)) {
    if (path === undefined) return undefined;
    throw new UserError(`Input 'config': the environments file '${file}' does not exist.`);
  }
  return parseEnvironments(readFileSync(file, 'utf8'), file);
}

/** Parses and validates the text of an environments file; `file` is used in messages only. */
export function parseEnvironments(text: string, file: string): EnvironmentsFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const message = e.message.split('\n')[0] ?? e.message;
        // The parser reports an unclosed quote where the file ends; the mistake is where the quote opens.
        const opened = e.code === 'MISSING_CHAR' ? unclosedQuoteAt(text) : undefined;
        if (opened !== undefined) {
          const start = at(opened);
          const end = at(e.pos[0]);
          return {
            file,
            line: start.line,
            column: start.col,
            message: `${message}: the quote opened here is never closed (the parser reached line ${end.line})`,
          };
        }
        const pos = at(e.pos[0]);
        return { file, line: pos.line, column: pos.col, message };
      }),
    );
  }
  const data: unknown = doc.toJS() ?? {};
  if (!validate(data)) {
    const problems = dedupe(validate.errors ?? []).map((error) => locate(error, doc.contents, file, at));
    throw new ConfigError(problems);
  }
  const content = data as { defaults?: Settings; environments?: Record<string, Settings> };
  const locations = new Map<string, string>();
  const root = doc.contents;
  for (const [section, value] of [
    ['defaults', content.defaults],
    ...Object.keys(content.environments ?? {}).map(
      (n) => [`environments.${n}`, content.environments?.[n]] as const,
    ),
  ] as const) {
    if (!value) continue;
    for (const key of Object.keys(value)) {
      const node = findKey(root, [...section.split('.'), key]);
      const pos = node?.range ? at(node.range[0]) : undefined;
      locations.set(`${section}.${key}`, pos ? `${file}:${pos.line}` : file);
    }
  }
  return {
    path: file,
    defaults: content.defaults ?? {},
    environments: content.environments ?? {},
    locations,
  };
}

/**
 * Settings for one environment as an InputLookup: `environments.<name>` first, then `defaults`.
 * An unknown environment name is an error that lists the known ones.
 */
export function environmentLookup(
  config: EnvironmentsFile | undefined,
  environment: string | undefined,
): InputLookup {
  if (environment !== undefined && config === undefined) {
    throw new UserError(
      `Input 'environment' is '${environment}', but there is no environments file (looked for '${DEFAULT_CONFIG_PATH}'; set 'config' to its path).`,
    );
  }
  if (config === undefined) return () => undefined;
  let own: Settings = {};
  if (environment !== undefined) {
    const found = config.environments[environment];
    if (found === undefined) {
      const known = Object.keys(config.environments);
      throw new UserError(
        `Input 'environment': '${environment}' is not in ${config.path}. Known environments: ${known.length ? known.join(', ') : '(none)'}.`,
      );
    }
    own = found;
  }
  return (name) => {
    for (const [section, settings] of [
      [`environments.${environment}`, own],
      ['defaults', config.defaults],
    ] as const) {
      const value = settings[name];
      if (value !== undefined) {
        return {
          value: asInputText(value),
          origin: config.locations.get(`${section}.${name}`) ?? config.path,
        };
      }
    }
    return undefined;
  };
}

/** YAML values become input text: lists one per line, mappings as KEY=value lines. */
function asInputText(value: SettingValue): string {
  if (Array.isArray(value)) return value.map(String).join('\n');
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('\n');
  }
  return String(value);
}

function dedupe(errors: ErrorObject[]): ErrorObject[] {
  // anyOf branches repeat one complaint per branch and per nested item: keep one per place.
  const seen = new Set<string>();
  return errors.filter((e) => {
    // Errors inside propertyNames repeat the propertyNames error itself.
    if (e.keyword === 'anyOf' || e.propertyName !== undefined) return false;
    const id = `${settingPath(e.instancePath).join('.')}|${e.keyword}|${e.params.additionalProperty ?? e.params.propertyName ?? ''}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The path of the setting an error is about: a problem inside a value is reported at the value. */
function settingPath(instancePath: string): string[] {
  const path = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return path.slice(0, path[0] === 'environments' ? 3 : 2);
}

function locate(
  error: ErrorObject,
  root: Node | null,
  file: string,
  at: (offset: number) => { line: number; col: number },
): ConfigProblem {
  const path = settingPath(error.instancePath);
  const where = path.length ? path.join('.') : '(top level)';
  let node: Node | undefined;
  let message: string;
  if (error.keyword === 'additionalProperties') {
    const key = String(error.params.additionalProperty);
    node = findKey(root, [...path, key]);
    const near = closest(key, knownKeys(path));
    message = `${where}: unknown key '${key}'${near ? ` (did you mean '${near}'?)` : ''}`;
  } else if (error.keyword === 'pattern' || error.keyword === 'propertyNames') {
    const name = String(error.params.propertyName ?? path[path.length - 1]);
    node = findKey(root, [...path, name]);
    message = `${where}: '${name}' is not a valid environment name (letters, digits, '.', '_', '-'; starting with a letter or digit)`;
  } else if (path.length === (path[0] === 'environments' ? 3 : 2)) {
    node = findValue(root, path) ?? findKey(root, path);
    message = `${where}: must be a text, number, boolean, list of texts, or a mapping of KEY: value`;
  } else {
    node = findValue(root, path) ?? findKey(root, path);
    message = `${where}: ${error.message ?? 'invalid'}`;
  }
  const pos = node?.range ? at(node.range[0]) : { line: 1, col: 1 };
  return { file, line: pos.line, column: pos.col, message };
}

/** The key node of a path (for pointing at `clustr:`), walking mappings only. */
function findKey(root: Node | null, path: string[]): Node | undefined {
  let current: unknown = root;
  for (let i = 0; i < path.length; i++) {
    if (!isMap(current)) return undefined;
    const pair = (current as YAMLMap).items.find((p) => isScalar(p.key) && String(p.key.value) === path[i]);
    if (!pair) return undefined;
    if (i === path.length - 1) return pair.key as Node;
    current = pair.value;
  }
  return undefined;
}

/** The value node at a path (for pointing at a value of the wrong type). */
function findValue(root: Node | null, path: string[]): Node | undefined {
  let current: unknown = root;
  for (const segment of path) {
    if (!isMap(current)) return undefined;
    current = (current as YAMLMap).items.find(
      (p) => isScalar(p.key) && String(p.key.value) === segment,
    )?.value;
  }
  return (current ?? undefined) as Node | undefined;
}

function knownKeys(path: string[]): string[] {
  return path.length === 0 ? topLevelKeys : settingKeys;
}

/** The known key nearest to a typo, if it is close enough to be a likely intent. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(word.length / 4)) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * An AWS action's inputs as the suite resolves them: the step's own inputs, then `environments.<name>`
 * of the environments file named by `config` (default path when absent), then its `defaults`.
 */
export function actionInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const step = new Inputs(stepInputs(env));
  const config = loadEnvironments(step.string('config'));
  return new Inputs(firstOf(stepInputs(env), environmentLookup(config, step.string('environment'))));
}

/** The offset of the first quoted scalar whose closing quote is missing, read from the YAML token stream. */
function unclosedQuoteAt(text: string): number | undefined {
  let found: number | undefined;
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    CST.visit(token, (item) => {
      for (const t of [item.key, item.value]) {
        if (found !== undefined || !t) continue;
        if (t.type !== 'double-quoted-scalar' && t.type !== 'single-quoted-scalar') continue;
        const quote = t.type === 'double-quoted-scalar' ? '"' : "'";
        if (t.source.length < 2 || !t.source.endsWith(quote)) found = t.offset;
      }
      return found === undefined ? undefined : CST.visit.BREAK;
    });
    if (found !== undefined) break;
  }
  return found;
}
