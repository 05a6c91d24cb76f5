// What a PR comment asks for. Pure: the comment's text in, a command (or why it is not one) out. Nothing of the
// text ever reaches a shell; every argument is checked against the narrow form it must have.
import { parseDuration } from '@ecs-actions/kit/duration';
import { validBranch } from '@ecs-actions/kit/preview-key';

export const PREVIEW_VERBS = ['redeploy', 'destroy', 'extend', 'seed', 'wake'] as const;
export type PreviewVerb = (typeof PREVIEW_VERBS)[number];

/** The name of a command in the environments file's `commands` setting: a preview verb, or `deploy`. */
export type CommandName = PreviewVerb | 'deploy';

export type Command =
  | { kind: 'preview'; verb: PreviewVerb; text: string; extendMs?: number }
  | { kind: 'deploy'; environment: string; ref?: string; text: string };

export type Parsed =
  /** Not a command of ours (an ordinary comment, or another bot's `/command`): ignored silently. */
  | { type: 'none' }
  | { type: 'command'; command: Command }
  /** Looks like one of ours but is not valid: refused with `reason`, nothing run. */
  | { type: 'invalid'; text: string; reason: string };

/** The longest command text kept (in replies and the sticky comment). */
export const TEXT_LIMIT = 100;

const USAGE = [
  '`/preview redeploy`',
  '`/preview destroy`',
  '`/preview extend [duration]`',
  '`/preview seed`',
  '`/preview wake`',
  '`/deploy <environment> [ref]`',
].join(', ');

/** Environment names as the environments file allows them. */
const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** A ref argument: a branch or tag name of plain characters (no shell or glob characters at all). */
const REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;

export function commandName(command: Command): CommandName {
  return command.kind === 'deploy' ? 'deploy' : command.verb;
}

/**
 * Reads the first line of a comment. `/preview …` and `/deploy …` (any case) are ours; a first word that starts
 * with `/` and holds characters outside ASCII (a look-alike such as `/dеploy` with a Cyrillic е) is refused, so
 * nobody is left wondering why nothing happened; any other text is not a command.
 */
export function parseComment(body: string): Parsed {
  const line = (body.replace(/^\s+/, '').split(/\r?\n/, 1)[0] ?? '').trim();
  const text = shorten(line);
  const [word = '', ...args] = line.split(/[ \t]+/);
  const name = word.toLowerCase();
  if (name !== '/preview' && name !== '/deploy') {
    if (word.startsWith('/') && /[^\x21-\x7e]/.test(word) && looksLikeOurs(word)) {
      return {
        type: 'invalid',
        text,
        reason: `\`${printable(word)}\` is not a command: commands are written in plain ASCII (${USAGE}).`,
      };
    }
    return { type: 'none' };
  }
  if (/[^\x20-\x7e\t]/.test(line)) {
    return {
      type: 'invalid',
      text,
      reason:
        'the command holds characters outside plain ASCII (look-alike letters, invisible or control characters): type it again in plain text.',
    };
  }
  return name === '/deploy' ? parseDeploy(args, text) : parsePreview(args, text);
}

function parsePreview(args: string[], text: string): Parsed {
  const [verb = '', ...rest] = args;
  const known = PREVIEW_VERBS.find((v) => v === verb.toLowerCase());
  if (!known) {
    return {
      type: 'invalid',
      text,
      reason: verb
        ? `\`/preview ${printable(verb)}\` is not a command. Commands: ${USAGE}.`
        : `\`/preview\` needs a command. Commands: ${USAGE}.`,
    };
  }
  if (known === 'extend') {
    if (rest.length > 1)
      return tooMany(text, '`/preview extend` takes one duration at most (`/preview extend 2d`).');
    if (rest.length === 1) {
      const ms = parseDuration(rest[0]!);
      if (ms === undefined || ms <= 0)
        return {
          type: 'invalid',
          text,
          reason: `\`${printable(rest[0]!)}\` is not a duration: write it like \`12h\`, \`2d\` or \`1w\`.`,
        };
      return { type: 'command', command: { kind: 'preview', verb: known, text, extendMs: ms } };
    }
    return { type: 'command', command: { kind: 'preview', verb: known, text } };
  }
  if (rest.length > 0) return tooMany(text, `\`/preview ${known}\` takes no arguments.`);
  return { type: 'command', command: { kind: 'preview', verb: known, text } };
}

function parseDeploy(args: string[], text: string): Parsed {
  const [environment, ref, ...rest] = args;
  if (!environment) {
    return {
      type: 'invalid',
      text,
      reason: '`/deploy` needs an environment: `/deploy staging` (and optionally a ref).',
    };
  }
  if (rest.length > 0)
    return tooMany(text, '`/deploy` takes an environment and an optional ref, nothing more.');
  if (!ENVIRONMENT.test(environment)) {
    return {
      type: 'invalid',
      text,
      reason: `\`${printable(environment)}\` is not an environment name (letters, digits, \`.\`, \`_\`, \`-\`).`,
    };
  }
  if (ref !== undefined && (!REF.test(ref) || !validBranch(ref))) {
    return {
      type: 'invalid',
      text,
      reason: `\`${printable(ref)}\` is not a branch or tag name this command accepts (letters, digits, \`.\`, \`_\`, \`-\`, \`/\`).`,
    };
  }
  return { type: 'command', command: { kind: 'deploy', environment, ...(ref ? { ref } : {}), text } };
}

function tooMany(text: string, reason: string): Parsed {
  return { type: 'invalid', text, reason };
}

/** A word whose ASCII letters, once look-alikes are dropped, still spell one of our commands' start. */
function looksLikeOurs(word: string): boolean {
  const skeleton = word
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\x21-\x7e]/g, '');
  // `/dploy` (е dropped), `/prview`: most letters of a command survive.
  return ['/preview', '/deploy'].some((name) => sharedLetters(skeleton, name) >= name.length - 3);
}

function sharedLetters(a: string, b: string): number {
  let i = 0;
  let shared = 0;
  for (const ch of a) {
    const at = b.indexOf(ch, i);
    if (at >= 0) {
      shared++;
      i = at + 1;
    }
  }
  return shared;
}

/** Shows user text inside a code span safely: backticks and invisible characters become visible escapes. */
export function printable(text: string): string {
  return shorten(
    Array.from(text)
      .map((ch) => (/[\x20-\x7e]/.test(ch) && ch !== '`' ? ch : `\\u{${ch.codePointAt(0)!.toString(16)}}`))
      .join(''),
  );
}

function shorten(text: string): string {
  const chars = Array.from(text);
  return chars.length > TEXT_LIMIT ? `${chars.slice(0, TEXT_LIMIT - 1).join('')}…` : text;
}
