import { join } from 'node:path';
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildSuite } from '../../scripts/build-suite.mjs';
import { repoRoot } from './runner.js';

let built: Promise<string> | undefined;

/** Builds the test-only probe action with the suite's own build (ncc + shared chunks) once per process. */
export function buildProbe(): Promise<string> {
  built ??= (async () => {
    const dir = join(repoRoot, 'test', 'fixtures', 'probe');
    await buildSuite({
      actions: [{ name: 'probe', dir, entries: ['main', 'post'] }],
      outDir: join(repoRoot, 'test', 'fixtures', '.suite'),
      workDir: join(repoRoot, 'test', 'fixtures', '.suite-src'),
    });
    return dir;
  })();
  return built;
}
