import { describe, expect, it } from 'vitest';
import { allWorkflows, injectionProblems, permissionProblems, scripts, workflowFromText } from './model.js';

const workflows = allWorkflows();
const cases = workflows.map((w) => [w.path, w] as const);

describe('injection safety: no expression is pasted into a script', () => {
  it('has scripts to look at', () => {
    expect(workflows.flatMap((w) => scripts(w.workflow)).length).toBeGreaterThan(3);
  });

  it.each(cases)('%s', (_, file) => {
    expect(injectionProblems(file)).toEqual([]);
  });

  it('fails a script that interpolates a PR title or branch (the check is not vacuous)', () => {
    const bad = workflowFromText(
      'bad.yml',
      `
on: pull_request
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - name: title
        run: echo "\${{ github.event.pull_request.title }}"
      - run: |
          git push origin "\${{ github.head_ref }}"
      - name: safe
        env:
          TITLE: \${{ github.event.pull_request.title }}
        run: echo "$TITLE"
      - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea # v7.0.1
        with:
          script: console.log('\${{ github.event.pull_request.body }}')
`,
    );
    expect(injectionProblems(bad)).toEqual([
      `bad.yml: j.title: interpolates \${{ github.event.pull_request.title }} into a script; pass it through env: instead`,
      `bad.yml: j.step 2: interpolates \${{ github.head_ref }} into a script; pass it through env: instead`,
      `bad.yml: j.step 4: interpolates \${{ github.event.pull_request.body }} into a script; pass it through env: instead`,
    ]);
  });
});

describe('permissions: explicit everywhere, each scope with a reason', () => {
  it.each(cases)('%s', (_, file) => {
    expect(permissionProblems(file)).toEqual([]);
  });

  it('fails missing, blanket and unexplained permissions (the check is not vacuous)', () => {
    const bad = workflowFromText(
      'bad.yml',
      `
on: push
jobs:
  none:
    runs-on: ubuntu-latest
    steps: [{ run: 'true' }]
  blanket:
    permissions: write-all
    runs-on: ubuntu-latest
    steps: [{ run: 'true' }]
  silent:
    permissions:
      contents: read # check out
      id-token: write
    runs-on: ubuntu-latest
    steps: [{ run: 'true' }]
  flow:
    permissions: { contents: read }
    runs-on: ubuntu-latest
    steps: [{ run: 'true' }]
  explained-above:
    # one scope, explained on the line above the block
    permissions:
      contents: read
    runs-on: ubuntu-latest
    steps: [{ run: 'true' }]
`,
    );
    expect(permissionProblems(bad)).toEqual([
      'bad.yml: workflow: no permissions: (say what it needs, or {} for nothing)',
      'bad.yml: jobs.none: no permissions: (say what it needs, or {} for nothing)',
      'bad.yml: jobs.blanket: permissions: write-all; list the scopes it needs instead',
      "bad.yml: jobs.silent: permission 'id-token' has no reason comment",
      "bad.yml: jobs.flow: permission 'contents' must be a block entry 'scope: level # reason'",
    ]);
  });
});

describe('third-party actions are pinned by full commit SHA with the version beside it', () => {
  const pins = new Map<string, Set<string>>();
  for (const file of workflows) {
    for (const line of file.text.split('\n')) {
      const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
      if (!m?.[1] || m[1].startsWith('$/') || m[1].startsWith('./') || m[1].startsWith('docker://')) continue;
      const [uses, rest] = [m[1], m[2] ?? ''];
      const version = /#\s*(v\d+\.\d+\.\d+)\b/.exec(rest)?.[1];
      const set = pins.get(uses) ?? new Set<string>();
      set.add(`${file.path} ${version ?? '(no version)'}`);
      pins.set(uses, set);
    }
  }

  it.each([...pins.keys()])('%s', (uses) => {
    expect(uses).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
    for (const where of pins.get(uses)!) expect(where).toMatch(/ v\d+\.\d+\.\d+$/);
  });

  it('pins one action at one SHA and version everywhere', () => {
    const byAction = new Map<string, Set<string>>();
    for (const [uses, wheres] of pins) {
      const [action] = uses.split('@');
      if (!action || action.startsWith('ecs-actions/ecs-actions/')) continue; // examples: a placeholder release
      const set = byAction.get(action) ?? new Set<string>();
      for (const where of wheres) set.add(`${uses.split('@')[1]} ${where.split(' ')[1]}`);
      byAction.set(action, set);
    }
    for (const [action, versions] of byAction) expect([...versions], action).toHaveLength(1);
  });
});
