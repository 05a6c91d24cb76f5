import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createFiveXxAlarm } from '../e2e/deploy-fixture.js';
import { awsEnv, type PreviewWorld, REPOSITORY, TOKEN, usePreviewWorld } from '../e2e/preview-env.js';
import { awsClientConfig } from '../harness/aws/clients.js';
import { builtAction } from '../harness/runner.js';
import { type JobRecord, replayWorkflow } from './replay.js';

// The deploy workflow replayed job by job (see replay.ts): its plan, gates, waves, rollback and report against
// moto (three rolling services, one per wave, and a CloudWatch alarm) and the GitHub fake (environments with and
// without required reviewers, the approval gate's tracking issue, the run's reviews). The image build is a stub
// whose output is a revision registered here. The test writes the approver's comment and fires the alarm while the
// workflow runs.
const world = usePreviewWorld();
let cloudwatch: CloudWatchClient;
let services: { red: string; yellow: string; green: string };
let alarm: string;

beforeAll(async () => {
  builtAction('deploy');
  builtAction('approval');
  const w = world();
  cloudwatch = new CloudWatchClient(awsClientConfig(w.moto.endpoint, w.sandbox.region));
  alarm = `${w.sandbox.name}-5xx`;
  await createFiveXxAlarm(cloudwatch, alarm);
  services = {
    red: `${w.sandbox.name}-red`,
    yellow: `${w.sandbox.name}-yellow`,
    green: `${w.sandbox.name}-green`,
  };
  for (const name of Object.values(services)) {
    await w.clients.ecs.send(
      new CreateServiceCommand({
        cluster: w.sandbox.clusterName,
        serviceName: name,
        taskDefinition: w.sandbox.taskDefinitionArn,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: [...w.sandbox.subnetIds],
            securityGroups: [w.sandbox.securityGroupId],
          },
        },
      }),
    );
  }
  w.gh.state.setRole('lead', 'maintain');
});

/** A new revision of the sandbox's family, as the build job registers one. */
async function newRevision(w: PreviewWorld, tag: string): Promise<string> {
  const { taskDefinition } = await w.clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: w.sandbox.taskDefinitionFamily,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: w.sandbox.containerName,
          image: `public.ecr.aws/nginx/nginx:${tag}`,
          essential: true,
          portMappings: [{ containerPort: w.sandbox.containerPort }],
        },
      ],
    }),
  );
  return taskDefinition!.taskDefinitionArn!;
}

async function revisionOf(w: PreviewWorld, service: string): Promise<string | undefined> {
  const { services: found } = await w.clients.ecs.send(
    new DescribeServicesCommand({ cluster: w.sandbox.clusterName, services: [service] }),
  );
  return found?.[0]?.taskDefinition;
}

function workspace(w: PreviewWorld, production: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-ws-'));
  mkdirSync(join(dir, '.github'));
  writeFileSync(
    join(dir, '.github/ecs-environments.yml'),
    stringify({
      environments: {
        production: {
          cluster: w.sandbox.clusterName,
          waves: {
            'production-red': services.red,
            'production-yellow': services.yellow,
            'production-green': services.green,
          },
          interval: '100ms',
          'poll-interval': '200ms',
          'approval-timeout': '2m',
          ...production,
        },
      },
    }),
  );
  return dir;
}

async function replay(w: PreviewWorld, dir: string, target: string) {
  const run = w.gh.state.addWorkflowRun({
    workflow: 'deploy.yml',
    event: 'workflow_dispatch',
    headBranch: 'main',
    headSha: 'd'.repeat(40),
    status: 'in_progress',
  });
  const built: JobRecord = {
    result: 'success',
    outputs: { 'task-definition-arn': target, image: 'public.ecr.aws/nginx/nginx:new' },
    steps: [],
  };
  const jobs = replayWorkflow('.github/workflows/deploy.yml', {
    event: { name: 'workflow_call', payload: { repository: { full_name: REPOSITORY } } },
    inputs: {
      environment: 'production',
      ref: 'main',
      'ecr-repository': 'shop',
      'role-to-assume': 'arn:aws:iam::123456789012:role/deploy',
      'aws-region': w.sandbox.region,
      config: '.github/ecs-environments.yml',
      'docker-context': '.',
      'container-name': '',
      'pre-deploy-command': '',
    },
    workspace: dir,
    env: { ...awsEnv(w), GITHUB_ACTOR: 'maya', GITHUB_TRIGGERING_ACTOR: 'maya' },
    token: TOKEN,
    apiUrl: w.gh.url,
    repository: REPOSITORY,
    runId: run.id,
    stubs: { build: built },
  });
  return { run, jobs };
}

const results = (jobs: Record<string, JobRecord[]>) =>
  Object.fromEntries(Object.entries(jobs).map(([id, runs]) => [id, runs.map((r) => r.result).join(',')]));
const why = (jobs: Record<string, JobRecord[]>) =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(jobs).map(([id, runs]) => [
        id,
        runs.map((r) =>
          r.steps.map((s) => `${s.uses ?? s.id ?? 'run'}: ${s.outcome} ${s.result?.errors.join(' ') ?? ''}`),
        ),
      ]),
    ),
    null,
    1,
  );

async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the deploy workflow, replayed', () => {
  it('holds each wave that needs an approval: environment reviewers where the environment has them, else the approval gate; the report says who and when', async () => {
    const w = world();
    w.gh.state.setEnvironment('production-red');
    w.gh.state.setEnvironment('production-yellow', { reviewers: ['sam'] });
    // production-green was never created: no reviewers, so the approval gate asks `approvers`.
    const dir = workspace(w, {
      approval: { 'production-yellow': 'required', 'production-green': 'required' },
      approvers: 'lead',
    });
    const target = await newRevision(w, 'v2');
    const before = await revisionOf(w, services.red);
    const { run, jobs: running } = await replay(w, dir, target);
    // The environment gate of production-yellow: GitHub holds the wave job until sam approves (the fake records it).
    w.gh.state.reviewRun(run.id, { user: 'sam', environments: ['production-yellow'], comment: 'ok' });
    // The approval gate of production-green asks on a tracking issue; lead approves there.
    const request = await until(
      () =>
        w.gh.state
          .comments()
          .find(
            (c) => c.body.startsWith('<!-- ecs-actions/approval -->') && c.body.includes('production-green'),
          ),
      'the approval request',
    );
    w.gh.state.addComment({ issueNumber: request.issueNumber, body: '/approve', user: 'lead' });
    const jobs = await running;

    expect(results(jobs), why(jobs)).toMatchObject({
      plan: 'success',
      'gate-1': 'skipped',
      'wave-1': 'success',
      'gate-2': 'skipped',
      'wave-2': 'success',
      'gate-3': 'success',
      'wave-3': 'success',
      'wave-4': 'skipped',
      'rollback-plan': 'skipped',
      rollback: 'skipped',
      report: 'success',
    });
    const plan = jobs.plan![0]!;
    expect(JSON.parse(plan.outputs.waves!)).toEqual([
      { name: 'production-red', services: [services.red], gate: 'none' },
      { name: 'production-yellow', services: [services.yellow], gate: 'environment' },
      { name: 'production-green', services: [services.green], gate: 'approval' },
    ]);
    expect(JSON.parse(plan.outputs.previous!)).toEqual({
      [services.red]: before,
      [services.yellow]: before,
      [services.green]: before,
    });
    const planStep = plan.steps.find((s) => s.uses === '$/actions/deploy')!;
    // sam's environment does not prevent self-review: the plan says so (GitHub would let maya approve her deploy).
    expect(planStep.result!.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
      expect.stringContaining(
        `GitHub environment 'production-yellow' lets the person who started the deploy approve it`,
      ),
    ]);
    const planSummary = planStep.summary!;
    expect(planSummary).toContain('| 2 | production-yellow | 🔒 environment (required reviewers: sam) |');
    expect(planSummary).toContain('| 3 | production-green | 🔒 approval gate (approvers: lead) |');
    expect(jobs['gate-3']![0]!.outputs['approved-by']).toBe('lead');
    for (const service of Object.values(services)) expect(await revisionOf(w, service)).toBe(target);
    expect(w.gh.state.issue(request.issueNumber)).toMatchObject({ state: 'closed' });

    const report = jobs.report![0]!.steps.find((s) => s.uses === '$/actions/deploy')!.summary!;
    const short = target.split('/').pop();
    expect(report).toContain(`| 1 (production-red) | ${services.red} | ${short} | ✅ deployed | — | — |`);
    expect(report).toMatch(
      new RegExp(
        `\\| 2 \\(production-yellow\\) \\| ${services.yellow} \\| ${short} \\| ✅ deployed \\| — \\| sam before \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(environment reviewers\\) \\|`,
      ),
    );
    expect(report).toMatch(
      new RegExp(
        `\\| 3 \\(production-green\\) \\| ${services.green} \\| ${short} \\| ✅ deployed \\| — \\| lead at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(approval gate\\) \\|`,
      ),
    );
  });

  it('an alarm in the second wave stops the rollout and, with rollback-on-alarm, puts the first wave back too', async () => {
    const w = world();
    const dir = workspace(w, { bake: '3s', alarms: [alarm], 'rollback-on-alarm': true });
    const before = await revisionOf(w, services.red);
    expect(await revisionOf(w, services.green)).toBe(before);
    const target = await newRevision(w, 'v3');
    const { jobs: running } = await replay(w, dir, target);
    // The first wave bakes calmly; once the second wave's service runs the new revision, the alarm fires.
    await until(async () => ((await revisionOf(w, services.yellow)) === target ? true : undefined), 'wave 2');
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: alarm,
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 57',
      }),
    );
    const jobs = await running;
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'OK', StateReason: 'calm' }),
    );

    expect(results(jobs), why(jobs)).toMatchObject({
      'wave-1': 'success',
      'wave-2': 'failure',
      'gate-3': 'skipped',
      'wave-3': 'skipped',
      'rollback-plan': 'success',
      rollback: 'success,success',
      report: 'success',
    });
    expect(jobs['wave-2']![0]!.outputs.alarm).toBe(alarm);
    expect(JSON.parse(jobs['rollback-plan']![0]!.outputs.services!)).toEqual(
      [
        { service: services.red, revision: before },
        { service: services.yellow, revision: before },
      ].sort((a, b) => a.service.localeCompare(b.service)),
    );
    // In moto afterwards: every service on the revision from before the deploy; green was never touched.
    for (const service of Object.values(services)) expect(await revisionOf(w, service)).toBe(before);
    const reverts = jobs.rollback!.map((r) => r.steps.find((s) => s.uses === '$/actions/deploy')!.result!);
    expect(reverts.map((r) => r.outputs.status)).toEqual(['rolled-back', 'rolled-back']);
    // The second wave's own step already put its service back: the revert finds nothing to do there.
    expect(reverts.map((r) => r.summary).join('\n')).toContain(
      `nothing to do: the service already runs ${before}`,
    );

    const report = jobs.report![0]!.steps.find((s) => s.uses === '$/actions/deploy')!.summary!;
    const short = before!.split('/').pop();
    expect(report).toContain(`| 1 (production-red) | ${services.red} | ${short} | ↩️ rolled back | — | — |`);
    expect(report).toContain(
      `| 2 (production-yellow) | ${services.yellow} | ${short} | ↩️ rolled back | 🚨 ${alarm} | — |`,
    );
    expect(report).toContain(
      `| 3 (production-green) | ${services.green} | ${short} | ⏭️ not reached | — | — |`,
    );
  });

  it('a wave that needs an approval nothing can give fails the plan, and nothing is built or deployed', async () => {
    const w = world();
    w.gh.state.setEnvironment('production-green');
    const dir = workspace(w, { approval: { 'production-green': 'required' } });
    const before = await revisionOf(w, services.red);
    const target = await newRevision(w, 'v4');
    const { jobs: running } = await replay(w, dir, target);
    const jobs = await running;
    expect(results(jobs)).toMatchObject({
      plan: 'failure',
      build: 'skipped',
      'wave-1': 'skipped',
      'gate-3': 'skipped',
      report: 'skipped',
    });
    const errors = jobs.plan![0]!.steps.find((s) => s.uses === '$/actions/deploy')!.result!.errors.join('\n');
    expect(errors).toContain(
      "wave 'production-green': its GitHub environment has no required reviewers, and 'approvers' names nobody for it",
    );
    expect(errors).toContain('Nothing was built or deployed.');
    for (const service of Object.values(services)) expect(await revisionOf(w, service)).toBe(before);
  });
});
