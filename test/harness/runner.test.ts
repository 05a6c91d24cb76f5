import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProbe } from './fixtures.js';
import { parseFileCommand, runAction, runWithPost } from './runner.js';

let probe: string;
beforeAll(async () => {
  probe = await buildProbe();
});

function workspaceWith(file: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ws-'));
  mkdirSync(join(dir, '.github'), { recursive: true });
  writeFileSync(join(dir, file), text);
  return dir;
}

const ENVIRONMENTS = `defaults:
  cluster: dev
environments:
  staging:
    cluster: stg
`;

describe('runner helper through a built bundle', () => {
  it('passes inputs as INPUT_*, resolves the environments file, and reads outputs, summary and state', async () => {
    const workspace = workspaceWith('.github/ecs-environments.yml', ENVIRONMENTS);
    const { main, post } = await runWithPost({
      action: probe,
      workspace,
      inputs: { environment: 'staging' },
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs).toMatchObject({
      cluster: 'stg',
      'cluster-origin': '.github/ecs-environments.yml:5',
      'multi-line': 'one\ntwo',
    });
    expect(main.summary).toContain('Cluster **stg**');
    expect(main.state).toEqual({ cluster: 'stg' });
    expect(post.exitCode).toBe(0);
    expect(post.summary).toContain('Post saw cluster stg');
  });

  it("gives the step's own input precedence over the file", async () => {
    const workspace = workspaceWith('.github/ecs-environments.yml', ENVIRONMENTS);
    const result = await runAction({
      action: probe,
      workspace,
      inputs: { environment: 'staging', cluster: 'mine' },
    });
    expect(result.outputs).toMatchObject({ cluster: 'mine', 'cluster-origin': 'input' });
  });

  it('fails a bad environments file with a file:line annotation on the offending key', async () => {
    const workspace = workspaceWith('envs.yml', 'defaults:\n  clustr: dev\n');
    const result = await runAction({
      action: probe,
      workspace,
      inputs: { config: 'envs.yml', cluster: 'x' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.annotations).toContainEqual({
      level: 'error',
      message: "defaults: unknown key 'clustr' (did you mean 'cluster'?)",
      properties: { title: 'Environments file', file: 'envs.yml', line: '2', col: '3' },
    });
  });

  it('fails a user error with its message and a bug as a bug', async () => {
    const user = await runAction({ action: probe, inputs: { fail: 'user', cluster: 'x' } });
    expect(user.exitCode).toBe(1);
    expect(user.errors).toEqual(["Input 'fail' asked for a user error."]);
    const bug = await runAction({ action: probe, inputs: { fail: 'bug', cluster: 'x' } });
    expect(bug.exitCode).toBe(1);
    expect(bug.errors[0]).toMatch(/^Unexpected error \(a bug in ecs-actions.*\): something is undefined$/);
  });

  it('names the input of a bad value before doing anything', async () => {
    const result = await runAction({ action: probe, inputs: { cluster: 'x', timeout: 'soon' } });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toEqual([
      'Input \'timeout\': "soon" is not a duration. Accepted: 30s, 10m, 2h or 7d.',
    ]);
  });

  it('rejects an input that action.yml does not declare, like a typo in a workflow', () => {
    expect(() => runAction({ action: probe, inputs: { clustr: 'x' } })).toThrowError(
      /'clustr' is not declared/,
    );
  });

  it('parses both file-command forms', () => {
    expect(parseFileCommand('a=1\nb<<EOF_1\nx\ny\nEOF_1\n')).toEqual({ a: '1', b: 'x\ny' });
    expect(() => parseFileCommand('b<<D\nx\n')).toThrowError(/Unterminated/);
  });
});
