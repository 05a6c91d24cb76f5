import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isScalar, LineCounter, parse, parseDocument } from 'yaml';
import { repoRoot } from '../harness/runner.js';

// What the workflow tests know about GitHub workflows and action.yml files: just enough structure to check the
// contracts between a workflow and what it calls. Everything is read from disk at test time (the actions'
// input lists change while their engineers finish them), and every check is a pure function over parsed
// YAML, so a test can feed it a bad workflow held in memory.

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

export interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, unknown> | 'inherit';
  outputs?: Record<string, unknown>;
  permissions?: unknown;
  steps?: Step[];
}

export interface WorkflowCallInterface {
  inputs?: Record<
    string,
    { description?: string; required?: boolean; default?: unknown; type?: string } | null
  >;
  secrets?: Record<string, { required?: boolean } | null>;
  outputs?: Record<string, { value?: string } | null>;
}

export interface Workflow {
  name?: string;
  on?: unknown;
  permissions?: unknown;
  jobs: Record<string, Job>;
}

export interface ActionDefinition {
  inputs: Record<string, { required?: boolean | string; default?: unknown } | null>;
  outputs: Record<string, unknown>;
}

/** One workflow file: where it is, its text and its parsed content. */
export interface WorkflowFile {
  path: string;
  text: string;
  workflow: Workflow;
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

/** Every workflow of the repository and every example a user copies, parsed. */
export function allWorkflows(): WorkflowFile[] {
  return [
    ...yamlFiles(join(repoRoot, '.github/workflows')),
    ...yamlFiles(join(repoRoot, 'examples/workflows')),
  ].map((file) => {
    const text = readFileSync(file, 'utf8');
    return { path: relative(repoRoot, file), text, workflow: parse(text) as Workflow };
  });
}

/** A workflow given as text, for tests that prove a check can fail. */
export function workflowFromText(path: string, text: string): WorkflowFile {
  return { path, text, workflow: parse(text) as Workflow };
}

/** How a check finds what a workflow calls; the default reads this repository. */
export interface Resolver {
  action(name: string): ActionDefinition | undefined;
  workflow(file: string): Workflow | undefined;
}

export const repositoryResolver: Resolver = {
  action(name) {
    const file = join(repoRoot, 'actions', name, 'action.yml');
    if (!existsSync(file)) return undefined;
    const parsed = parse(readFileSync(file, 'utf8')) as Partial<ActionDefinition>;
    return { inputs: parsed.inputs ?? {}, outputs: parsed.outputs ?? {} };
  },
  workflow(file) {
    const path = join(repoRoot, '.github/workflows', file);
    if (!existsSync(path)) return undefined;
    return parse(readFileSync(path, 'utf8')) as Workflow;
  },
};

/** The suite's public name: how examples (and users) reference its actions and workflows. */
export const SUITE = 'ecs-actions/ecs-actions';

/**
 * The action of this repository a `uses:` names, or undefined for anything else: `$/actions/x` (the
 * workflow's own repository at the running commit), `./actions/x`, or `ecs-actions/ecs-actions/actions/x@ref`.
 */
export function localAction(uses: string): string | undefined {
  const match =
    /^\$\/actions\/([\w.-]+)$/.exec(uses) ??
    /^\.\/actions\/([\w.-]+)\/?$/.exec(uses) ??
    new RegExp(`^${SUITE}/actions/([\\w.-]+)@\\S+$`).exec(uses);
  return match?.[1];
}

/** The reusable workflow of this repository a job's `uses:` names (its file name), or undefined. */
export function localWorkflow(uses: string): string | undefined {
  const match =
    /^\.\/\.github\/workflows\/([\w.-]+\.ya?ml)$/.exec(uses) ??
    new RegExp(`^${SUITE}/\\.github/workflows/([\\w.-]+\\.ya?ml)@\\S+$`).exec(uses);
  return match?.[1];
}

/** Every string anywhere in a value (keys not included), for scanning expressions. */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

const isRequired = (spec: { required?: boolean | string; default?: unknown } | null | undefined) =>
  (spec?.required === true || spec?.required === 'true') && spec?.default === undefined;

/** The workflow_call interface of a workflow, or undefined when it is not reusable. */
export function workflowCall(workflow: Workflow): WorkflowCallInterface | undefined {
  const on = workflow.on;
  if (!on || typeof on !== 'object' || Array.isArray(on) || !('workflow_call' in on)) return undefined;
  return ((on as Record<string, unknown>).workflow_call ?? {}) as WorkflowCallInterface;
}

const needsOf = (job: Job) =>
  job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];

/**
 * The contract between each workflow and what it calls. Returns problems as `file: job.step: message`; an
 * empty list means every step passes only inputs its action declares, gives every required one, reads only
 * outputs its action declares; every reusable-workflow call likewise; and every `needs.<job>.outputs.<x>`
 * and workflow output names an output that exists.
 */
export function contractProblems(file: WorkflowFile, resolver: Resolver = repositoryResolver): string[] {
  const problems: string[] = [];
  const { workflow } = file;
  const jobs = workflow.jobs ?? {};
  const report = (where: string, message: string) => problems.push(`${file.path}: ${where}: ${message}`);

  /** Outputs a job offers to the jobs that need it; undefined when unknown (a third-party workflow). */
  const jobOutputs = (jobId: string): string[] | undefined => {
    const job = jobs[jobId];
    if (!job) return undefined;
    if (job.uses) {
      const called = localWorkflow(job.uses);
      if (!called) return undefined;
      const callee = resolver.workflow(called);
      return callee ? Object.keys(workflowCall(callee)?.outputs ?? {}) : undefined;
    }
    return Object.keys(job.outputs ?? {});
  };

  for (const [jobId, job] of Object.entries(jobs)) {
    // needs.<job>.outputs.<name>, anywhere in the job.
    for (const text of strings(job)) {
      for (const [, needed, output] of text.matchAll(/\bneeds\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        if (!needed || !output) continue;
        if (!jobs[needed]) {
          report(jobId, `reads needs.${needed}.outputs.${output}, but there is no job '${needed}'`);
          continue;
        }
        if (!needsOf(job).includes(needed)) {
          report(jobId, `reads needs.${needed}.outputs.${output}, but does not list '${needed}' in needs`);
        }
        const offered = jobOutputs(needed);
        if (offered && !offered.includes(output)) {
          report(
            jobId,
            `reads needs.${needed}.outputs.${output}; job '${needed}' outputs: ${offered.join(', ') || '(none)'}`,
          );
        }
      }
    }

    // A call of one of this repository's reusable workflows.
    if (job.uses) {
      const called = localWorkflow(job.uses);
      if (!called) continue;
      const callee = resolver.workflow(called);
      if (!callee) {
        report(jobId, `calls ${job.uses}, but .github/workflows/${called} does not exist`);
        continue;
      }
      const iface = workflowCall(callee);
      if (!iface) {
        report(jobId, `calls ${called}, which has no 'on: workflow_call'`);
        continue;
      }
      const inputs = iface.inputs ?? {};
      for (const key of Object.keys(job.with ?? {})) {
        if (!(key in inputs)) report(jobId, `passes input '${key}' that ${called} does not declare`);
      }
      for (const [key, spec] of Object.entries(inputs)) {
        if (isRequired(spec) && !(key in (job.with ?? {})))
          report(jobId, `omits required input '${key}' of ${called}`);
      }
      const secrets = iface.secrets ?? {};
      if (job.secrets !== 'inherit') {
        for (const key of Object.keys(job.secrets ?? {})) {
          if (!(key in secrets)) report(jobId, `passes secret '${key}' that ${called} does not declare`);
        }
        for (const [key, spec] of Object.entries(secrets)) {
          if (spec?.required === true && !(key in (job.secrets ?? {})))
            report(jobId, `omits required secret '${key}' of ${called}`);
        }
      }
      continue;
    }

    // Steps that run one of this repository's actions.
    const steps = job.steps ?? [];
    const actionOfStep = new Map<string, string | undefined>();
    steps.forEach((step, index) => {
      const where = `${jobId}.${step.id ?? step.name ?? `step ${index + 1}`}`;
      const name = step.uses ? localAction(step.uses) : undefined;
      if (step.id) actionOfStep.set(step.id, name);
      if (!step.uses || !name) return;
      const action = resolver.action(name);
      if (!action) {
        report(where, `uses ${step.uses}, but actions/${name}/action.yml does not exist`);
        return;
      }
      for (const key of Object.keys(step.with ?? {})) {
        if (!(key in action.inputs))
          report(where, `passes input '${key}' that actions/${name} does not declare`);
      }
      for (const [key, spec] of Object.entries(action.inputs)) {
        if (isRequired(spec) && !(key in (step.with ?? {})))
          report(where, `omits required input '${key}' of actions/${name}`);
      }
    });
    // steps.<id>.outputs.<name>, anywhere in the job (step inputs, env, conditions, job outputs).
    for (const text of strings(job)) {
      for (const [, id, output] of text.matchAll(/\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        if (!id || !output) continue;
        if (!actionOfStep.has(id)) {
          report(jobId, `reads steps.${id}.outputs.${output}, but no step has the id '${id}'`);
          continue;
        }
        const name = actionOfStep.get(id);
        if (!name) continue; // a run: step or a third-party action: its outputs are not declared here
        const action = resolver.action(name);
        if (action && !(output in action.outputs)) {
          report(
            jobId,
            `reads steps.${id}.outputs.${output}; actions/${name} outputs: ${Object.keys(action.outputs).join(', ')}`,
          );
        }
      }
    }
  }

  // The outputs of a reusable workflow must name job outputs that exist.
  for (const [name, spec] of Object.entries(workflowCall(workflow)?.outputs ?? {})) {
    for (const [, jobId, output] of (spec?.value ?? '').matchAll(/\bjobs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      if (!jobId || !output) continue;
      const offered = jobOutputs(jobId);
      if (!jobs[jobId])
        report(`outputs.${name}`, `reads jobs.${jobId}.outputs.${output}, but there is no job '${jobId}'`);
      else if (offered && !offered.includes(output))
        report(
          `outputs.${name}`,
          `reads jobs.${jobId}.outputs.${output}; job '${jobId}' outputs: ${offered.join(', ') || '(none)'}`,
        );
    }
  }
  return problems;
}

/** Scripts a workflow runs: every `run:`, and the `script:` of actions/github-script. */
export function scripts(workflow: Workflow): { where: string; script: string }[] {
  const found: { where: string; script: string }[] = [];
  for (const [jobId, job] of Object.entries(workflow.jobs ?? {})) {
    (job.steps ?? []).forEach((step, index) => {
      const where = `${jobId}.${step.id ?? step.name ?? `step ${index + 1}`}`;
      if (typeof step.run === 'string') found.push({ where, script: step.run });
      if (step.uses?.startsWith('actions/github-script@') && typeof step.with?.script === 'string')
        found.push({ where, script: step.with.script });
    });
  }
  return found;
}

/**
 * `${{ … }}` expressions inside scripts. The rule is deliberately the simplest one that is still correct:
 * no expression at all in a script (the allow-list is empty), because an expression is pasted into the script
 * before the shell parses it, and whether its value is PR-controlled (a title, a branch name, an input that
 * carries one) is not decidable from the text. Values reach scripts through `env:` as variables.
 */
export function injectionProblems(file: WorkflowFile): string[] {
  return scripts(file.workflow)
    .filter(({ script }) => script.includes('${{'))
    .map(({ where, script }) => {
      const expression = /\$\{\{[^}]*\}\}/.exec(script)?.[0] ?? '${{';
      return `${file.path}: ${where}: interpolates ${expression} into a script; pass it through env: instead`;
    });
}

const SCOPE_LINE = /^\s*[\w-]+:\s*(read|write|none)\s*(#.*)?$/;

/**
 * Permissions: the workflow and every job say what they grant (`permissions:`; a single-job workflow may say
 * it at the top only), never `read-all` or `write-all`, and each granted scope has a reason, read from the raw text: a comment on the scope's own line,
 * or (for a block of one scope) the comment on the line just above `permissions:`.
 */
export function permissionProblems(file: WorkflowFile): string[] {
  const problems: string[] = [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter });
  const lines = file.text.split('\n');
  const lineOf = (offset: number) => lineCounter.linePos(offset).line; // 1-based

  const check = (where: string, node: unknown, keyOffset: number | undefined) => {
    if (node === undefined || node === null) {
      problems.push(`${file.path}: ${where}: no permissions: (say what it needs, or {} for nothing)`);
      return;
    }
    if (isScalar(node)) {
      problems.push(
        `${file.path}: ${where}: permissions: ${String(node.value)}; list the scopes it needs instead`,
      );
      return;
    }
    if (!isMap(node)) return;
    const pairs = node.items;
    for (const pair of pairs) {
      const key = pair.key as { value?: unknown; range?: [number, number, number] };
      const start = key.range?.[0];
      if (start === undefined) continue;
      const line = lines[lineOf(start) - 1] ?? '';
      if (!SCOPE_LINE.test(line)) {
        problems.push(
          `${file.path}: ${where}: permission '${String(key.value)}' must be a block entry 'scope: level # reason'`,
        );
        continue;
      }
      const onLine = /#\s*\S/.test(line);
      const above = keyOffset === undefined ? '' : (lines[lineOf(keyOffset) - 2] ?? '');
      const aboveBlock = pairs.length === 1 && /^\s*#\s*\S/.test(above);
      if (!onLine && !aboveBlock) {
        problems.push(`${file.path}: ${where}: permission '${String(key.value)}' has no reason comment`);
      }
    }
  };

  const root = doc.contents;
  if (!isMap(root)) return [`${file.path}: not a mapping`];
  const top = root.items.find((p) => (p.key as { value?: unknown }).value === 'permissions');
  check('workflow', top?.value ?? undefined, (top?.key as { range?: number[] } | undefined)?.range?.[0]);
  const jobs = root.get('jobs', true);
  // A workflow of one job may say it once, at the top (ci.yml); with several jobs each job grants only what it
  // needs, so each says so.
  if (isMap(jobs) && (jobs.items.length > 1 || top === undefined)) {
    for (const jobPair of jobs.items) {
      const jobId = String((jobPair.key as { value?: unknown }).value);
      const job = jobPair.value;
      if (!isMap(job)) continue;
      const perm = job.items.find((p) => (p.key as { value?: unknown }).value === 'permissions');
      check(
        `jobs.${jobId}`,
        perm?.value ?? undefined,
        (perm?.key as { range?: number[] } | undefined)?.range?.[0],
      );
    }
  }
  return problems;
}
