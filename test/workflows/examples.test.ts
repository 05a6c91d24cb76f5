import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvironments } from '../../packages/kit/src/config.js';
import { repoRoot } from '../harness/runner.js';
import { allWorkflows, localAction, repositoryResolver } from './model.js';

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
interface Policy {
  Version: string;
  Statement: Statement[];
}

const readJson = <T>(path: string) => JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as T;
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const matches = (pattern: string, action: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  ).test(action);

describe('examples/ecs-environments.yml', () => {
  const path = 'examples/ecs-environments.yml';
  const file = parseEnvironments(readFileSync(join(repoRoot, path), 'utf8'), path);

  it('is valid against the schema (parsed by the kit, as the actions parse it)', () => {
    expect(Object.keys(file.environments)).toContain('preview');
  });

  it('gives preview-create everything the preview workflow does not pass itself', () => {
    const settings = { ...file.defaults, ...file.environments.preview };
    for (const key of ['cluster', 'listener-arn', 'host']) expect(settings, key).toHaveProperty(key);
    expect('task-definition' in settings || 'template-service' in settings).toBe(true);
    if (!('template-service' in settings)) {
      expect(settings).toHaveProperty('subnets');
      expect(settings).toHaveProperty('security-groups');
    }
    expect(String(settings.host)).toContain('{pr}');
  });

  it('gives branch previews (examples/workflows/preview-branches.yml) their own environment and host', () => {
    const review = { ...file.defaults, ...file.environments.review };
    expect(String(review.host)).toContain('{branch}');
    expect(String(review.host)).not.toContain('{pr}');
    expect(review['listener-arn']).toBe(file.defaults['listener-arn']);
  });

  it('uses the environment name the example workflows use (the default of the workflows’ `environment`)', () => {
    for (const name of ['preview.yml', 'preview-cleanup.yml']) {
      const iface = repositoryResolver.workflow(name)?.on as {
        workflow_call: { inputs: Record<string, { default?: string }> };
      };
      expect(file.environments).toHaveProperty(iface.workflow_call.inputs.environment?.default ?? '');
    }
  });
});

describe('examples/iam: the policy of the workflows’ role', () => {
  const policy = readJson<Policy>('examples/iam/workflows-policy.json');
  const allows = policy.Statement.filter((s) => s.Effect === 'Allow');
  const reusable = allWorkflows().filter((w) =>
    [
      '.github/workflows/preview.yml',
      '.github/workflows/preview-cleanup.yml',
      '.github/workflows/commands.yml',
    ].includes(w.path),
  );
  const used = [
    ...new Set(
      reusable.flatMap((w) =>
        Object.values(w.workflow.jobs).flatMap((j) =>
          (j.steps ?? []).map((s) => (s.uses ? localAction(s.uses) : undefined)),
        ),
      ),
    ),
  ]
    .filter((a): a is string => a !== undefined)
    .sort();
  // The build job's own AWS calls (not an action of this repository): log in to ECR, look for the commit's
  // image, push it.
  const ownActions = [
    'ecr:GetAuthorizationToken',
    'ecr:DescribeImages',
    'ecr:BatchGetImage',
    'ecr:BatchCheckLayerAvailability',
    'ecr:InitiateLayerUpload',
    'ecr:UploadLayerPart',
    'ecr:CompleteLayerUpload',
    'ecr:PutImage',
  ];

  it('covers the actions the workflows call', () => {
    expect(used).toEqual([
      'command',
      'pr-comment',
      'preview-create',
      'preview-destroy',
      'preview-sweep',
      'run-task',
    ]);
  });

  it.each(used)(
    'allows everything actions/%s/iam-policy.json allows, under the same conditions',
    (action) => {
      const file = `actions/${action}/iam-policy.json`;
      if (!existsSync(join(repoRoot, file))) {
        // Only actions that never call AWS may have no policy: those have no `region` input.
        expect(repositoryResolver.action(action)?.inputs, `${file} is missing`).not.toHaveProperty('region');
        return;
      }
      for (const statement of readJson<Policy>(file).Statement.filter((s) => s.Effect === 'Allow')) {
        for (const name of list(statement.Action)) {
          const granting = allows.filter((s) => list(s.Action).some((p) => matches(p, name)));
          expect(granting, `${name} (${action}) is not allowed`).not.toHaveLength(0);
          // Not more than the action's own policy: a condition it has is kept.
          expect(
            granting.some(
              (s) => JSON.stringify(s.Condition ?? {}) === JSON.stringify(statement.Condition ?? {}),
            ),
            `${name} (${action}) is allowed without the condition ${JSON.stringify(statement.Condition ?? {})}`,
          ).toBe(true);
        }
      }
    },
  );

  it('allows nothing beyond the actions’ policies and the image push', () => {
    const fromActions = used
      .filter((a) => existsSync(join(repoRoot, `actions/${a}/iam-policy.json`)))
      .flatMap((a) =>
        readJson<Policy>(`actions/${a}/iam-policy.json`)
          .Statement.filter((s) => s.Effect === 'Allow')
          .flatMap((s) => list(s.Action)),
      );
    for (const name of allows.flatMap((s) => list(s.Action))) {
      expect(name, 'no wildcard actions').not.toContain('*');
      expect([...fromActions, ...ownActions], `${name} is not needed`).toContain(name);
    }
    const push = allows.filter((s) => list(s.Action).includes('ecr:PutImage'));
    expect(push.flatMap((s) => list(s.Resource ?? '*'))).not.toContain('*');
  });
});

describe('examples/iam/trust-policy.json', () => {
  const trust = readJson<Policy>('examples/iam/trust-policy.json');

  it('lets only GitHub OIDC tokens of one repository (its PRs and its default branch) assume the role', () => {
    expect(trust.Statement).toHaveLength(1);
    const [statement] = trust.Statement;
    expect(statement?.Action).toBe('sts:AssumeRoleWithWebIdentity');
    const equals = statement?.Condition?.StringEquals ?? {};
    expect(equals['token.actions.githubusercontent.com:aud']).toBe('sts.amazonaws.com');
    const subjects = list(equals['token.actions.githubusercontent.com:sub'] as string | string[]);
    expect(subjects).toEqual(['repo:my-org/shop:pull_request', 'repo:my-org/shop:ref:refs/heads/main']);
    expect(JSON.stringify(statement?.Condition)).not.toContain('*');
  });
});

// scripts/lint-workflows.mjs hands zizmor the examples/workflows directory, which zizmor does not collect from
// (it looks for .github/workflows): name each example file, so the examples are audited too.
describe.runIf(existsSync(join(repoRoot, '.venv/bin/zizmor')))('zizmor over each example file', () => {
  const examples = allWorkflows().filter((w) => w.path.startsWith('examples/'));
  it.each(examples.map((w) => w.path))('%s', (path) => {
    const z = spawnSync(
      join(repoRoot, '.venv/bin/zizmor'),
      ['--offline', '--no-progress', '--min-severity', 'low', path],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(z.stdout + z.stderr).toContain('completed');
    expect(z.status, z.stdout + z.stderr).toBe(0);
  });
});
