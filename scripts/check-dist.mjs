// CI: rebuilds and fails when the committed bundles or generated files differ from what the sources give.
import { execFileSync } from 'node:child_process';
import { root } from './actions.mjs';

execFileSync('pnpm', ['build'], { cwd: root, stdio: 'inherit' });
const generated = ['dist', 'actions', 'schemas', 'packages/kit/src/generated'];
const changed = execFileSync('git', ['status', '--porcelain', '--', ...generated], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((l) => l.trim() !== '' && /(^|\/)(dist\/|schemas\/|generated\/|README\.md)/.test(l));
if (changed.length > 0) {
  console.error(
    `The committed build output is out of date:\n${changed.join('\n')}\n\nFix: run \`pnpm build\` and commit the result.`,
  );
  execFileSync('git', ['diff', '--stat', '--', ...generated], { cwd: root, stdio: 'inherit' });
  process.exit(1);
}
console.log('dist/ and generated files match the sources.');
