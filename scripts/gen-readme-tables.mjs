// Writes the inputs and outputs tables of each action's README.md from its action.yml, between
// `<!-- inputs:start -->`/`<!-- inputs:end -->` and `<!-- outputs:start -->`/`<!-- outputs:end -->`.
// `--check` fails when a README is out of date (run by `pnpm check-dist` through `pnpm build`'s output).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listActions } from './actions.mjs';

const cell = (text) =>
  String(text ?? '')
    .trim()
    .replace(/\|/g, '\\|')
    .replace(/\r?\n\s*\n/g, '<br><br>')
    .replace(/\r?\n/g, ' ');

function inputsTable(inputs) {
  const rows = Object.entries(inputs ?? {}).map(
    ([name, i]) =>
      `| \`${name}\` | ${i.required ? 'yes' : 'no'} | ${i.default === undefined ? '' : `\`${cell(i.default)}\``} | ${cell(i.description)} |`,
  );
  return ['| input | required | default | description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function outputsTable(outputs) {
  const rows = Object.entries(outputs ?? {}).map(([name, o]) => `| \`${name}\` | ${cell(o.description)} |`);
  return ['| output | description |', '| --- | --- |', ...rows].join('\n');
}

function replaceBetween(text, name, content, file) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file} lacks the ${start} … ${end} markers`);
  return `${text.slice(0, a + start.length)}\n${content}\n${text.slice(b)}`;
}

let stale = [];
for (const action of listActions()) {
  const file = join(action.dir, 'README.md');
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file} is missing: every action documents itself`);
  }
  let next = replaceBetween(text, 'inputs', inputsTable(action.manifest.inputs), file);
  next = replaceBetween(next, 'outputs', outputsTable(action.manifest.outputs), file);
  if (next !== text) {
    stale.push(file);
    if (!process.argv.includes('--check')) writeFileSync(file, next);
  }
}
if (process.argv.includes('--check') && stale.length > 0) {
  console.error(`README tables out of date: ${stale.join(', ')}. Run \`pnpm build\` and commit.`);
  process.exit(1);
}
stale = [];
