import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { node24, repoRoot } from '../harness/runner.js';

describe('npm run demo', () => {
  it('creates, updates and destroys a preview against the embedded emulator, leaving nothing', () => {
    const demo = spawnSync(
      node24(),
      [
        '--experimental-transform-types',
        '--no-warnings=ExperimentalWarning',
        '--import',
        './scripts/ts-resolve.mjs',
        'test/demo.ts',
      ],
      { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 },
    );
    expect(demo.stderr).toBe('');
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain('URL: https://pr-42.preview.example.com');
    expect(demo.stdout).toContain('"created": "true"');
    expect(demo.stdout).toContain('"created": "false"');
    expect(demo.stdout).toContain('"destroyed": "true"');
    expect(demo.stdout).toContain("nothing with PR #42's tags is left");
    expect(demo.stdout).toContain('(emulated:');
    expect(demo.stdout).toMatch(
      /GitHub deployment \d+ \(preview:pr-42\) in environment 'preview': in_progress → success/,
    );
    // Not a terminal: no ANSI escape codes.
    expect(demo.stdout).not.toContain('\x1b[');
  });
});
