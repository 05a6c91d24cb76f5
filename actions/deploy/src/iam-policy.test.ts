import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README promises that iam-policy.json allows every AWS operation the code calls: hold it to that.
const here = new URL('.', import.meta.url).pathname;
const PREFIX: Record<string, string> = {
  'client-ecs': 'ecs',
  'client-codedeploy': 'codedeploy',
  'client-cloudwatch': 'cloudwatch',
};

function operationsInSource(): Set<string> {
  const used = new Set<string>();
  for (const file of readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = readFileSync(join(here, file), 'utf8');
    for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z-]+)'/g)) {
      const prefix = PREFIX[m[2]!];
      for (const name of m[1]!.matchAll(/\b(\w+)Command\b/g)) {
        if (new RegExp(`new ${name[1]}Command\\(`).test(text)) used.add(`${prefix}:${name[1]}`);
      }
    }
  }
  // The rollout waiter of the kit, reused for rolling updates.
  for (const op of ['DescribeServices', 'ListTasks', 'DescribeTasks']) used.add(`ecs:${op}`);
  return used;
}

describe('iam-policy.json', () => {
  it('allows every operation the action calls', () => {
    const policy = JSON.parse(readFileSync(join(here, '..', 'iam-policy.json'), 'utf8')) as {
      Statement: { Action: string | string[] }[];
    };
    const allowed = new Set(
      policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
    );
    const used = operationsInSource();
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((op) => !allowed.has(op))).toEqual([]);
  });

  it('is the policy shown in the README', () => {
    const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
    const policy = readFileSync(join(here, '..', 'iam-policy.json'), 'utf8').trim();
    expect(readme).toContain(policy);
  });
});
