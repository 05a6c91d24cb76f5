// The actions of the suite, read from actions/*/action.yml: one place for every script that needs them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const root = new URL('..', import.meta.url).pathname;

/** Every action folder (or only the named ones) with its parsed action.yml, sorted by name. */
export function listActions(only = []) {
  const dir = join(root, 'actions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'action.yml')))
    .filter((name) => only.length === 0 || only.includes(name))
    .sort()
    .map((name) => ({
      name,
      dir: join(dir, name),
      manifest: parse(readFileSync(join(dir, name, 'action.yml'), 'utf8')),
    }));
}
