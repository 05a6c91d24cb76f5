import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../harness/runner.js';

/** The deploy action as users run it: actions/deploy with the committed bundle (`pnpm build`). */
export async function deployAction(): Promise<string> {
  const dir = join(repoRoot, 'actions', 'deploy');
  if (!existsSync(join(dir, 'dist', 'index.js')))
    throw new Error('actions/deploy/dist is missing: run pnpm build');
  return dir;
}
