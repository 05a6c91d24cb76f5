import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, environmentLookup, loadEnvironments, parseEnvironments } from './config.js';
import { firstOf, Inputs } from './inputs.js';

const FILE = `# settings
defaults:
  region: ap-northeast-1
  cluster: dev
  name-prefix: shop
environments:
  staging:
    cluster: stg
  production:
    cluster: prod
    region: eu-west-1
`;

function problemsOf(text: string) {
  try {
    parseEnvironments(text, 'envs.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the file to be rejected');
}

describe('environments file', () => {
  it('resolves input > environments.<name> > defaults', () => {
    const config = parseEnvironments(FILE, 'envs.yml');
    const step = (name: string) => (name === 'region' ? { value: 'us-west-2', origin: 'input' } : undefined);
    const prod = new Inputs(firstOf(step, environmentLookup(config, 'production')));
    expect(prod.string('region')).toBe('us-west-2');
    expect(prod.string('cluster')).toBe('prod');
    expect(prod.string('name-prefix')).toBe('shop');
    const staging = new Inputs(environmentLookup(config, 'staging'));
    expect(staging.string('region')).toBe('ap-northeast-1');
    expect(staging.string('cluster')).toBe('stg');
    expect(staging.origin('cluster')).toBe('envs.yml:8');
    expect(new Inputs(environmentLookup(config, undefined)).string('cluster')).toBe('dev');
  });

  it('lists the known environments for an unknown name', () => {
    const config = parseEnvironments(FILE, 'envs.yml');
    expect(() => environmentLookup(config, 'prod')).toThrowError(
      "Input 'environment': 'prod' is not in envs.yml. Known environments: staging, production.",
    );
  });

  it('reports an unknown key with file, line, column and a suggestion', () => {
    const problems = problemsOf('defaults:\n  region: x\nenvironments:\n  staging:\n    clustr: stg\n');
    expect(problems).toEqual([
      {
        file: 'envs.yml',
        line: 5,
        column: 5,
        message: "environments.staging: unknown key 'clustr' (did you mean 'cluster'?)",
      },
    ]);
  });

  it('reports every problem at once: wrong types, unknown top-level keys, bad names', () => {
    const problems = problemsOf(
      'defaults:\n  cluster: [[1]]\nenvironment:\n  x: {}\nenvironments:\n  "bad name": {}\n',
    );
    const text = problems.map((p) => `${p.line}:${p.message}`);
    expect(text).toContainEqual(
      '2:defaults.cluster: must be a text, number, boolean, list of texts, or a mapping of KEY: value',
    );
    expect(problems).toHaveLength(3);
    expect(text).toContainEqual("3:(top level): unknown key 'environment' (did you mean 'environments'?)");
    expect(text).toContainEqual(
      expect.stringMatching(/^6:environments: .bad name. is not a valid environment name/),
    );
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('defaults:\n  region: a\n  region: b\n');
    expect(problems[0]).toMatchObject({ file: 'envs.yml', line: 3 });
  });

  it('reports an unclosed quote at the line where the quote opens, not at the end of the file', () => {
    const lines = FILE.split('\n');
    lines.splice(8, 0, '  preview:', '    host: "pr-{pr}.preview.example.com'); // line 9 and 10 (1-based)
    const text = lines.join('\n');
    expect(text.split('\n')[9]).toContain('host: "pr-');
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'envs.yml', line: 10, column: 11 });
    expect(problems[0]!.message).toMatch(
      /Missing closing "quote.*never closed \(the parser reached line 1\d\)/,
    );
    expect(problemsOf("defaults:\n  cluster: 'dev\n")[0]).toMatchObject({ line: 2, column: 12 });
  });

  it('turns lists and mappings into input text', () => {
    const config = parseEnvironments('defaults:\n  cluster: [a, b]\n  region: { A: 1 }\n', 'f.yml');
    const inputs = new Inputs(environmentLookup(config, undefined));
    expect(inputs.list('cluster')).toEqual(['a', 'b']);
    expect(inputs.keyValues('region')).toEqual({ A: '1' });
  });

  it('treats a missing default file as no file, but a missing named file as an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envs-'));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(loadEnvironments(undefined)).toBeUndefined();
      expect(() => loadEnvironments('nope.yml')).toThrowError(
        /'config': the environments file 'nope.yml' does not exist/,
      );
      writeFileSync(join(dir, 'e.yml'), FILE);
      expect(loadEnvironments('e.yml')?.environments.staging).toEqual({ cluster: 'stg' });
      expect(() => environmentLookup(undefined, 'staging')).toThrowError(/no environments file/);
    } finally {
      process.chdir(cwd);
    }
  });
});
