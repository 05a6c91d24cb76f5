import { parseDuration } from './duration.js';
import { UserError } from './errors.js';

/** One resolved setting and where it came from, so that errors can point at the right place. */
export interface InputValue {
  value: string;
  /** `input` for the step's `with:`, or `file:line` of the environments file. */
  origin: string;
}

/** Looks a setting up by its input name; undefined when nobody set it. */
export type InputLookup = (name: string) => InputValue | undefined;

/** Reads the step's own inputs the way the runner passes them (`INPUT_<NAME>`), empty meaning unset. */
export function stepInputs(env: NodeJS.ProcessEnv = process.env): InputLookup {
  return (name) => {
    const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
    if (value === undefined || value.trim() === '') return undefined;
    return { value: value.trim(), origin: 'input' };
  };
}

/** The first lookup that knows the setting wins: the step's input, then the environments file. */
export function firstOf(...lookups: InputLookup[]): InputLookup {
  return (name) => {
    for (const lookup of lookups) {
      const found = lookup(name);
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

/**
 * Typed, validated access to an action's inputs. Every error names the input, where its value came
 * from and an accepted example, and is a UserError, so it fails the step before any AWS call.
 */
export class Inputs {
  constructor(private readonly lookup: InputLookup) {}

  /** Where a setting came from, for messages; undefined when unset. */
  origin(name: string): string | undefined {
    return this.lookup(name)?.origin;
  }

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    return this.lookup(name)?.value ?? fallback;
  }

  required(name: string, hint?: string): string {
    const found = this.lookup(name);
    if (found === undefined) {
      throw new UserError(
        `Input '${name}' is required${hint ? `: ${hint}` : ''}. Set it in the step's 'with:' or in the environments file.`,
      );
    }
    return found.value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const found = this.lookup(name);
    if (found === undefined) return fallback;
    const v = found.value.toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(v)) return true;
    if (['false', 'no', 'off', '0'].includes(v)) return false;
    throw this.invalid(name, found, 'is not a boolean', 'true or false');
  }

  integer(name: string, options: { fallback?: number; min?: number; max?: number } = {}): number | undefined {
    const found = this.lookup(name);
    if (found === undefined) return options.fallback;
    if (!/^-?\d+$/.test(found.value)) throw this.invalid(name, found, 'is not a whole number', '3');
    const n = Number(found.value);
    if (options.min !== undefined && n < options.min) {
      throw this.invalid(name, found, `is below the minimum of ${options.min}`, String(options.min));
    }
    if (options.max !== undefined && n > options.max) {
      throw this.invalid(name, found, `is above the maximum of ${options.max}`, String(options.max));
    }
    return n;
  }

  /** A duration such as `30s`, `10m`, `7d`, in milliseconds. */
  duration(name: string, fallback: string, options: { min?: number; max?: number } = {}): number {
    const found = this.lookup(name) ?? { value: fallback, origin: 'default' };
    const millis = parseDuration(found.value);
    if (millis === undefined) throw this.invalid(name, found, 'is not a duration', '30s, 10m, 2h or 7d');
    if (options.min !== undefined && millis < options.min) {
      throw this.invalid(name, found, `is shorter than the minimum of ${options.min / 1000}s`, '10m');
    }
    if (options.max !== undefined && millis > options.max) {
      throw this.invalid(name, found, `is longer than the maximum of ${options.max / 1000}s`, '10m');
    }
    return millis;
  }

  /** Items separated by newlines or commas, trimmed, empty ones dropped. */
  list(name: string): string[] {
    const found = this.lookup(name);
    if (found === undefined) return [];
    return splitList(found.value);
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const found = this.lookup(name);
    if (found === undefined) return fallback;
    const match = allowed.find((a) => a === found.value.toLowerCase());
    if (match === undefined)
      throw this.invalid(name, found, 'is not one of the accepted values', allowed.join(', '));
    return match;
  }

  /** Multi-line `KEY=value` pairs (comments with `#` and blank lines ignored). */
  keyValues(name: string): Record<string, string> {
    const found = this.lookup(name);
    const result: Record<string, string> = {};
    if (found === undefined) return result;
    for (const raw of found.value.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const eq = line.indexOf('=');
      const key = eq > 0 ? line.slice(0, eq).trim() : '';
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        throw this.invalid(
          name,
          found,
          `has a line that is not KEY=value (${JSON.stringify(line)})`,
          'LOG_LEVEL=debug',
        );
      }
      result[key] = line.slice(eq + 1).trim();
    }
    return result;
  }

  private invalid(name: string, found: InputValue, problem: string, example: string): UserError {
    const where = found.origin === 'input' ? '' : ` (from ${found.origin})`;
    return new UserError(
      `Input '${name}'${where}: ${JSON.stringify(found.value)} ${problem}. Accepted: ${example}.`,
    );
  }
}

/** Splits a list given on several lines or separated by commas. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * A setting that may differ per deploy wave: one value for every wave (`required`, `alice, octo-org/sre`), or
 * `wave=value` lines (a mapping in the environments file, `production-green: alice`). Returns the mapping (by
 * wave), or undefined when the text is one value for all.
 */
export function perWaveEntries(text: string): Map<string, string> | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const pairs = lines.map((l) => /^([A-Za-z0-9][A-Za-z0-9._ -]*?)\s*=\s*(.*)$/.exec(l));
  if (lines.length === 0 || pairs.some((p) => p === null)) return undefined;
  return new Map(pairs.map((p) => [p![1]!, p![2]!.trim()]));
}

/** The value of a per-wave setting for one wave: the wave's entry of a mapping, or the one value for all. */
export function perWave(text: string | undefined, wave: string): string | undefined {
  if (text === undefined) return undefined;
  const entries = perWaveEntries(text);
  return entries ? entries.get(wave) : text;
}
