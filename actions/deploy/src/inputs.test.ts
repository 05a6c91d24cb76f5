import { type InputLookup, Inputs } from '@ecs-actions/kit';
import { describe, expect, it } from 'vitest';
import { parseInputs, parseWaves } from './inputs.js';

const lookup =
  (values: Record<string, string>, origin = 'input'): InputLookup =>
  (name) =>
    values[name] === undefined ? undefined : { value: values[name]!, origin };
const parse = (values: Record<string, string>) => parseInputs(new Inputs(lookup(values)));
const base = { cluster: 'shop', service: 'web' };

describe('parseInputs', () => {
  it('has documented defaults', () => {
    const inputs = parse(base);
    expect(inputs).toMatchObject({
      mode: 'deploy',
      waitUntil: 'complete',
      timeoutMs: 30 * 60_000,
      intervalMs: 15_000,
      stopOnCancel: true,
      source: { kind: 'service' },
    });
  });

  it('refuses task-definition-arn together with things that would need a new revision', () => {
    expect(() =>
      parse({
        ...base,
        'task-definition-arn': 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3',
        image: 'x',
      }),
    ).toThrow(/cannot be combined with 'image'/);
    expect(() => parse({ ...base, 'task-definition-arn': 'web:3' })).toThrow(/Input 'task-definition-arn'/);
  });

  it('continue and rollback need only a deployment id, and refuse what does not fit', () => {
    expect(parse({ mode: 'continue', 'deployment-id': 'd-A1B2C3D4E' })).toMatchObject({
      mode: 'continue',
      deploymentId: 'd-A1B2C3D4E',
      service: '',
      cluster: '',
    });
    expect(() => parse({ mode: 'rollback' })).toThrow(
      /Input 'deployment-id' is required with mode: rollback/,
    );
    expect(() => parse({ mode: 'continue', 'deployment-id': 'abc' })).toThrow(
      /Input 'deployment-id': "abc" is not a CodeDeploy deployment id/,
    );
    expect(() => parse({ ...base, 'deployment-id': 'd-A1B2C3D4E' })).toThrow(
      /is for mode: continue or rollback/,
    );
    expect(() =>
      parse({ mode: 'continue', 'deployment-id': 'd-A1B2C3D4E', 'wait-until': 'test-traffic' }),
    ).toThrow(/with mode: continue use complete, traffic-shifted or none/);
  });

  it('bake and alarms need a deployment that production runs, and rollback-on-alarm needs alarms', () => {
    expect(parse({ ...base, bake: '10m', alarms: 'web-5xx, web-latency' })).toMatchObject({
      bakeMs: 600_000,
      alarms: ['web-5xx', 'web-latency'],
      rollbackOnAlarm: false,
    });
    expect(parse(base)).toMatchObject({ bakeMs: 0, alarms: [] });
    expect(() => parse({ ...base, bake: '5m', 'wait-until': 'test-traffic' })).toThrow(/returns before that/);
    expect(() => parse({ ...base, 'rollback-on-alarm': 'true' })).toThrow(
      /Input 'rollback-on-alarm' needs 'alarms'/,
    );
    expect(() => parse({ ...base, mode: 'register', alarms: 'x' })).toThrow(
      /with mode: register there is none/,
    );
  });

  it('names the input and the accepted values', () => {
    expect(() => parse({ ...base, 'wait-until': 'halfway' })).toThrow(
      /Input 'wait-until': "halfway" is not one of the accepted values. Accepted: complete, traffic-shifted, test-traffic, none/,
    );
    expect(() => parse({ ...base, hooks: 'Install=arn:lambda' })).toThrow(
      /'Install' is not an ECS lifecycle hook/,
    );
    expect(() => parse({ ...base, service: 'web, api' })).toThrow(/a deploy step deploys one/);
    expect(() => parse({ cluster: 'shop' })).toThrow(/Input 'service' is required/);
  });

  it('tells a task definition file from a family or ARN', () => {
    expect(parse({ ...base, 'task-definition': 'package.json' }).source).toEqual({
      kind: 'file',
      path: 'package.json',
    });
    expect(() => parse({ ...base, 'task-definition': 'deploy/web.yml' })).toThrow(
      /Input 'task-definition': the file 'deploy\/web.yml' does not exist/,
    );
    expect(parse({ ...base, 'task-definition': 'web:12' }).source).toEqual({
      kind: 'registered',
      ref: 'web:12',
    });
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:12';
    expect(parse({ ...base, 'task-definition': arn }).source).toEqual({ kind: 'registered', ref: arn });
  });

  it("validates 'image' before any AWS call, with the same rule as preview-create", () => {
    expect(() => parse({ ...base, image: 'public.ecr.aws/acme/web: v2' })).toThrow(
      /^Input 'image': "public.ecr.aws\/acme\/web: v2" is not an image reference/,
    );
    expect(parse({ ...base, image: 'public.ecr.aws/acme/web:v2' }).image).toBe('public.ecr.aws/acme/web:v2');
  });
});

describe('parseWaves', () => {
  it('keeps the order of the file and splits services', () => {
    const inputs = new Inputs(
      lookup(
        {
          waves:
            'production-red=web-red, worker-red\nproduction-yellow=web-yellow\nproduction-green=web-green',
        },
        'envs.yml:4',
      ),
    );
    expect(parseWaves(inputs, 'production')).toEqual([
      { name: 'production-red', services: ['web-red', 'worker-red'] },
      { name: 'production-yellow', services: ['web-yellow'] },
      { name: 'production-green', services: ['web-green'] },
    ]);
  });

  it('without waves: one wave named after the environment with every service', () => {
    expect(parseWaves(new Inputs(lookup({ service: 'web\nworker' })), 'staging')).toEqual([
      { name: 'staging', services: ['web', 'worker'] },
    ]);
  });

  it('points at the file line of a malformed wave', () => {
    expect(() => parseWaves(new Inputs(lookup({ waves: 'just-a-name' }, 'envs.yml:7')), 'p')).toThrow(
      /from envs.yml:7/,
    );
  });

  it('mode: revert needs the revision to go back to, and is never stopped on cancel (that would undo the rollback)', () => {
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3';
    expect(() => parse({ ...base, mode: 'revert' })).toThrow(
      "Input 'task-definition-arn' is required with mode: revert",
    );
    expect(
      parse({ ...base, mode: 'revert', 'task-definition-arn': arn, 'stop-on-cancel': 'true' }),
    ).toMatchObject({
      mode: 'revert',
      stopOnCancel: false,
      taskDefinitionArn: arn,
    });
  });
});
