import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chooseContainer,
  readTaskDefinitionFile,
  setEnvironment,
  specHash,
  taskDefinitionRef,
  toSpec,
} from './taskdef.js';

const registered: TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3',
  family: 'web',
  revision: 3,
  status: 'ACTIVE',
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
  compatibilities: ['EC2', 'FARGATE'],
  registeredAt: new Date(0),
  registeredBy: 'arn:aws:iam::123456789012:role/ci',
  containerDefinitions: [{ name: 'web', image: 'web:1', essential: true }],
};

const dir = mkdtempSync(join(tmpdir(), 'ecs-td-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('task-definition files, one reader for every action', () => {
  it('reads JSON and YAML, plain or wrapped as describe-task-definition prints it, without read-only fields', () => {
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ taskDefinition: registered, tags: [] }));
    writeFileSync(
      join(dir, 'b.yml'),
      'family: web\ncontainerDefinitions:\n  - name: web\n    image: web:1\n',
    );
    writeFileSync(
      join(dir, 'c.yaml'),
      'taskDefinition:\n  family: web\n  revision: 4\n  containerDefinitions: [{name: web}]\n',
    );
    const a = readTaskDefinitionFile(join(dir, 'a.json'));
    // Everything describe-task-definition adds (arn, revision, status, requires/compatibilities, registered*)
    // and the wrapper's tags are gone; what RegisterTaskDefinition takes stays.
    expect(Object.keys(a).sort()).toEqual(['containerDefinitions', 'family']);
    expect(a).toMatchObject({ family: 'web', containerDefinitions: [{ name: 'web', image: 'web:1' }] });
    expect(readTaskDefinitionFile(join(dir, 'b.yml')).containerDefinitions?.[0]?.name).toBe('web');
    expect(readTaskDefinitionFile(join(dir, 'c.yaml'))).toEqual({
      family: 'web',
      containerDefinitions: [{ name: 'web' }],
    });
  });

  it('refuses what is not a task definition, naming the input and the file', () => {
    writeFileSync(join(dir, 'd.yml'), 'containerDefinitions:\n  - image: x\n');
    writeFileSync(join(dir, 'e.json'), '{"family": "web"');
    writeFileSync(join(dir, 'f.yml'), 'services: []\n');
    expect(() => readTaskDefinitionFile(join(dir, 'd.yml'))).toThrowError(
      /^Input 'task-definition': .*each with a 'name'/,
    );
    expect(() => readTaskDefinitionFile(join(dir, 'e.json'), 'td')).toThrowError(
      /^Input 'td': .*e\.json is not valid JSON or YAML/,
    );
    expect(() => readTaskDefinitionFile(join(dir, 'f.yml'))).toThrowError(/no 'containerDefinitions' list/);
    expect(() => readTaskDefinitionFile(join(dir, 'missing.json'))).toThrowError(/cannot read/);
  });

  it('tells a file from a family, family:revision or ARN the same way everywhere', () => {
    writeFileSync(join(dir, 'td'), '{}');
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:12';
    expect(taskDefinitionRef(arn)).toEqual({ kind: 'registered', ref: arn });
    expect(taskDefinitionRef('web:12')).toEqual({ kind: 'registered', ref: 'web:12' });
    expect(taskDefinitionRef('web')).toEqual({ kind: 'registered', ref: 'web' });
    expect(taskDefinitionRef(join(dir, 'td'))).toEqual({ kind: 'file', path: join(dir, 'td') });
    expect(taskDefinitionRef('deploy/web.yml', 'task-definition', () => true)).toEqual({
      kind: 'file',
      path: 'deploy/web.yml',
    });
    expect(() => taskDefinitionRef('deploy/web.yml')).toThrowError(
      /the file 'deploy\/web.yml' does not exist/,
    );
    expect(() => taskDefinitionRef('arn:aws:ecs:us-east-1:1:service/x')).toThrowError(
      /not a task-definition revision ARN/,
    );
    expect(() => taskDefinitionRef('web app')).toThrowError(/neither a file/);
  });

  it('hashes a spec stably: key order and read-only fields do not matter', () => {
    const spec = toSpec(registered);
    const reordered = toSpec({
      containerDefinitions: registered.containerDefinitions,
      family: 'web',
      revision: 9,
    });
    expect(specHash(reordered)).toBe(specHash(spec));
    expect(specHash(toSpec({ ...registered, cpu: '256' }))).not.toBe(specHash(spec));
  });

  it('chooses the container: named, load-balanced, only, or only essential; else names the input', () => {
    const two = [
      { name: 'web', essential: true },
      { name: 'log-router', essential: false },
    ];
    expect(chooseContainer(two, {}).name).toBe('web');
    expect(chooseContainer(two, { loadBalanced: 'log-router' }).name).toBe('log-router');
    expect(() => chooseContainer(two, { name: 'api', family: 'web' })).toThrowError(
      /^Input 'container-name': the task definition web has no container 'api'. Its containers: web, log-router/,
    );
    expect(() => chooseContainer([{ name: 'a' }, { name: 'b' }], {})).toThrowError(
      /^Input 'container-name' is required/,
    );
  });

  it('sets environment variables, reporting only what changed', () => {
    const container = { name: 'web', environment: [{ name: 'A', value: '1' }] };
    expect(setEnvironment(container, { A: '1', B: '2' })).toEqual(['web: B=2']);
    expect(container.environment).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
  });
});
