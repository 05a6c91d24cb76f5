// GitHub's own workflow parser (@actions/workflow-parser, used by GitHub's language services) reads every
// workflow and example of the repository: what it rejects, GitHub would reject too. It accepts the
// self-repository `uses: $/actions/…` syntax of the reusable workflows.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/runner.js';

async function problemsOf(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const problems = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    problems.push(...(template.errors ?? []).map((e) => e.Message));
  }
  return problems;
}

const files = ['.github/workflows', 'examples/workflows'].flatMap((dir) =>
  readdirSync(join(repoRoot, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f)),
);

describe("GitHub's workflow parser", () => {
  it.each(files)('accepts %s', async (file) => {
    expect(await problemsOf(file, readFileSync(join(repoRoot, file), 'utf8'))).toEqual([]);
  });

  it('rejects what GitHub rejects (so the checks above can fail)', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      `      - run: echo \${{ github.sha`,
      '    permissions: { contents: maybe }',
      '',
    ].join('\n');
    expect((await problemsOf('broken.yml', broken)).length).toBeGreaterThan(0);
  });
});
