// `mode: report`: the deploy workflow's last job. One row per wave and service: the revision the service runs
// now (read from ECS, not assumed), what happened to it, the alarm its wave saw, and who let the wave go and
// when. The jobs' results and outputs come from the workflow (`toJSON(needs)`).
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { table } from '@ecs-actions/kit/step';
import type { Wave } from './inputs.js';

/** A job of the workflow as `needs` shows it. */
export interface JobResult {
  result?: string;
  outputs?: Record<string, string | undefined>;
}

/** A review of one of the run's environment gates (GET …/actions/runs/{id}/approvals). */
export interface RunApproval {
  user: string;
  state: string;
  environments: string[];
}

export type ServiceState =
  | 'deployed'
  | 'rolled-back'
  | 'not-reached'
  | 'unchanged'
  | 'failed'
  | 'other'
  | 'missing';

export interface ReportRow {
  wave: number;
  environment: string;
  service: string;
  /** The revision it runs now (family:revision), or undefined when the service is gone. */
  revision: string | undefined;
  state: ServiceState;
  alarm: string | undefined;
  approval: string;
}

const short = (arn: string | undefined) => arn?.split('/').pop();

export async function report(options: {
  ecs: Pick<ECSClient, 'send'>;
  cluster: string;
  waves: Wave[];
  previous: Record<string, string>;
  target: string | undefined;
  results: Record<string, JobResult | undefined>;
  approvals: RunApproval[];
}): Promise<ReportRow[]> {
  const services = [...new Set(options.waves.flatMap((w) => w.services))];
  const now: Record<string, string> = {};
  for (let i = 0; i < services.length; i += 10) {
    const { services: found = [] } = await options.ecs.send(
      new DescribeServicesCommand({ cluster: options.cluster, services: services.slice(i, i + 10) }),
    );
    for (const s of found) if (s.serviceName && s.taskDefinition) now[s.serviceName] = s.taskDefinition;
  }
  // The rollback job ran (some of its services may have failed: those still run the new revision).
  const rolledBack = ['success', 'failure'].includes(options.results.rollback?.result ?? '');
  return options.waves.flatMap((wave, i) => {
    const job = options.results[`wave-${i + 1}`];
    const gate = options.results[`gate-${i + 1}`];
    const ran = job?.result === 'success' || job?.result === 'failure';
    const alarm = job?.outputs?.alarm || undefined;
    let approval = '—';
    if (gate?.result === 'success' && gate.outputs?.['approved-by']) {
      approval = `${gate.outputs['approved-by']} at ${gate.outputs['approved-at'] ?? '?'} (approval gate)`;
    } else if (gate?.result === 'failure') {
      approval = 'not approved (approval gate)';
    } else {
      const reviewers = options.approvals
        .filter((a) => a.state === 'approved' && a.environments.includes(wave.name))
        .map((a) => a.user);
      if (reviewers.length > 0) {
        const started = job?.outputs?.['started-at'];
        approval = `${reviewers.join(', ')}${started ? ` before ${started}` : ''} (environment reviewers)`;
      }
    }
    return wave.services.map((service): ReportRow => {
      const current = now[service];
      const before = options.previous[service];
      let state: ServiceState;
      if (current === undefined) state = 'missing';
      // What ECS runs decides: a wave job fails as a whole, so its result cannot tell which service failed.
      else if (options.target && current === options.target) state = 'deployed';
      else if (current === before) {
        state = !ran
          ? 'not-reached'
          : alarm || rolledBack
            ? 'rolled-back'
            : job?.result === 'failure'
              ? 'failed'
              : 'unchanged';
      } else state = 'other';
      return {
        wave: i + 1,
        environment: wave.name,
        service,
        revision: short(current),
        state,
        alarm,
        approval,
      };
    });
  });
}

const STATE_TEXT: Record<ServiceState, string> = {
  deployed: '✅ deployed',
  'rolled-back': '↩️ rolled back',
  'not-reached': '⏭️ not reached',
  unchanged: '➖ unchanged',
  failed: '❌ failed',
  other: '❓ another revision',
  missing: '❓ service not found',
};

export function reportMarkdown(environment: string, rows: ReportRow[]): string {
  return `### Deploy of \`${environment}\`: waves × services\n\n${table(
    ['Wave', 'Service', 'Revision now', 'State', 'Alarm seen', 'Approved'],
    rows.map((r) => [
      `${r.wave} (${r.environment})`,
      r.service,
      r.revision ?? '—',
      STATE_TEXT[r.state],
      r.alarm ? `🚨 ${r.alarm}` : '—',
      r.approval,
    ]),
  )}\n`;
}
