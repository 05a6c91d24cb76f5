import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';
import { UserError } from './errors.js';
import { firstOf, Inputs, perWave, perWaveEntries, splitList, stepInputs } from './inputs.js';

const from = (values: Record<string, string>, origin = 'input') =>
  new Inputs((name) => (values[name] === undefined ? undefined : { value: values[name]!, origin }));

describe('inputs', () => {
  it('reads INPUT_ variables with the runner name mangling and treats empty as unset', () => {
    const lookup = stepInputs({ 'INPUT_LISTENER-ARN': ' arn:x ', INPUT_MY_INPUT: 'a', INPUT_EMPTY: '  ' });
    expect(lookup('listener-arn')).toEqual({ value: 'arn:x', origin: 'input' });
    expect(lookup('my input')).toEqual({ value: 'a', origin: 'input' });
    expect(lookup('empty')).toBeUndefined();
  });

  it('takes the first source that has a value', () => {
    const lookup = firstOf(
      (n) => (n === 'a' ? { value: '1', origin: 'input' } : undefined),
      (n) => ({ value: `file-${n}`, origin: 'f.yml:3' }),
    );
    expect(lookup('a')?.value).toBe('1');
    expect(lookup('b')).toEqual({ value: 'file-b', origin: 'f.yml:3' });
  });

  it('parses durations with units and rejects bare numbers, naming the input and origin', () => {
    expect(from({ t: '10m' }).duration('t', '1m')).toBe(600_000);
    expect(from({}).duration('t', '7d')).toBe(7 * 86_400_000);
    expect(from({ t: '1.5h' }).duration('t', '1m')).toBe(5_400_000);
    expect(() => from({ t: '10' }, 'cfg.yml:4').duration('t', '1m')).toThrowError(
      /Input 't' \(from cfg\.yml:4\): "10" is not a duration\. Accepted: 30s, 10m/,
    );
    expect(() => from({ t: '5s' }).duration('t', '1m', { min: 10_000 })).toThrowError(
      /shorter than the minimum/,
    );
  });

  it('parses booleans, integers with bounds and enums', () => {
    expect(from({ b: 'TRUE' }).boolean('b', false)).toBe(true);
    expect(from({}).boolean('b', true)).toBe(true);
    expect(() => from({ b: 'maybe' }).boolean('b', false)).toThrowError(UserError);
    expect(from({ n: '3' }).integer('n', { min: 0 })).toBe(3);
    expect(() => from({ n: '3.5' }).integer('n')).toThrowError(/'n'.*not a whole number/);
    expect(() => from({ n: '0' }).integer('n', { min: 1 })).toThrowError(/below the minimum of 1/);
    expect(from({ m: 'Rolling' }).oneOf('m', ['rolling', 'blue-green'] as const, 'blue-green')).toBe(
      'rolling',
    );
    expect(() => from({ m: 'canary' }).oneOf('m', ['rolling'] as const, 'rolling')).toThrowError(
      /Accepted: rolling/,
    );
  });

  it('splits lists on newlines and commas and reads KEY=value lines', () => {
    expect(splitList('a, b\n\n c,')).toEqual(['a', 'b', 'c']);
    expect(from({ e: 'A=1\n# note\nB = x=y\n' }).keyValues('e')).toEqual({ A: '1', B: 'x=y' });
    expect(() => from({ e: 'not a pair' }).keyValues('e')).toThrowError(/'e'.*not KEY=value/);
  });

  it('names the missing required input', () => {
    expect(() => from({}).required('cluster')).toThrowError(/Input 'cluster' is required/);
  });

  it('formats durations shortly', () => {
    expect(formatDuration(450)).toBe('450ms');
    expect(formatDuration(90_000)).toBe('1m 30s');
    expect(formatDuration(7_500_000)).toBe('2h 5m');
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
  });
});

describe('perWave', () => {
  it('reads one value for every wave, or the wave’s entry of a mapping (as the environments file gives it)', () => {
    expect(perWave('alice, octo-org/sre', 'production-red')).toBe('alice, octo-org/sre');
    expect(perWave('alice\nbob', 'production-red')).toBe('alice\nbob');
    const mapping = 'production-red=alice\nproduction-green=octo-org/sre, bob';
    expect(perWave(mapping, 'production-green')).toBe('octo-org/sre, bob');
    expect(perWave(mapping, 'production-yellow')).toBeUndefined();
    expect(perWave(undefined, 'production-red')).toBeUndefined();
    expect([...(perWaveEntries(mapping)?.keys() ?? [])]).toEqual(['production-red', 'production-green']);
    expect(perWaveEntries('required')).toBeUndefined();
  });
});
