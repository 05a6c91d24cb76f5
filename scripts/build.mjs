// `pnpm build`: regenerates the environments-file schema and the README input tables, then bundles
// every action (see build-suite.mjs for the layout).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { listActions, root } from './actions.mjs';
import { buildSuite, entriesOf } from './build-suite.mjs';

// Two builds at once would write the same dist/: take a lock (a directory, created atomically).
const lock = join(root, '.build.lock');
for (let waited = 0; ; waited += 200) {
  try {
    mkdirSync(lock);
    break;
  } catch {
    if (waited > 120_000) throw new Error(`Another build holds ${lock}; remove it if no build is running.`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
process.on('exit', () => rmSync(lock, { recursive: true, force: true }));

if (process.argv.length <= 2) {
  execFileSync(process.execPath, [join(root, 'scripts/gen-schema.mjs')], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'scripts/gen-readme-tables.mjs')], { stdio: 'inherit' });
}
// `pnpm build NAME…` (while developing) bundles those actions plus every action already built, so a
// partial build never drops another action from the shared bundle; CI's dist check builds them all.
const named = process.argv.slice(2);
const only = named.length
  ? listActions().flatMap((a) =>
      named.includes(a.name) || existsSync(join(a.dir, 'dist', 'index.js')) ? [a.name] : [],
    )
  : [];
const actions = listActions(only).map((a) => ({ name: a.name, dir: a.dir, entries: entriesOf(a.dir) }));
if (actions.length === 0) {
  console.log('No actions under actions/ yet: nothing to bundle.');
} else {
  await buildSuite({ actions, outDir: join(root, 'dist'), workDir: join(root, '.build') });
  console.log(`Bundled ${actions.map((a) => a.name).join(', ')} into dist/.`);
}
