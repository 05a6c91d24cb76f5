import { describe, expect, it } from 'vitest';
import { parseCommand } from './inputs.js';

describe('parseCommand', () => {
  it('takes a JSON array as it is, and splits a line into words with quotes respected', () => {
    expect(parseCommand('["bin/rails", "db:migrate"]')).toEqual(['bin/rails', 'db:migrate']);
    expect(parseCommand(`bin/seed --name "Jane Doe" 'a b' c\\ d`)).toEqual([
      'bin/seed',
      '--name',
      'Jane Doe',
      'a b',
      'c d',
    ]);
    // No shell runs the command: variables stay as written.
    expect(parseCommand('echo $HOME')).toEqual(['echo', '$HOME']);
    expect(parseCommand('  ')).toBeUndefined();
  });

  it('refuses what needs a shell, and a JSON command that is not an array of strings, naming the input', () => {
    expect(() => parseCommand('a && b')).toThrowError(
      /^Input 'command': '&&' needs a shell.*\["sh", "-c", "a && b"\]/,
    );
    expect(() => parseCommand('ls > out.txt')).toThrowError(/^Input 'command': '>' needs a shell/);
    expect(() => parseCommand('rm *.log')).toThrowError(/^Input 'command': the glob \*\.log needs a shell/);
    expect(() => parseCommand('main;rm -rf /')).toThrowError(/^Input 'command': ';' needs a shell/);
    expect(() => parseCommand('["a", 1]')).toThrowError(/non-empty array of strings/);
    expect(() => parseCommand('[oops')).toThrowError(/not a JSON array/);
  });
});
