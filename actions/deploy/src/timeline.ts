import { formatDuration, table } from '@ecs-actions/kit';

export interface Phase {
  name: string;
  status: string;
  startedAt: number;
  endedAt?: number;
}

const ENDED = new Set(['Succeeded', 'Failed', 'Skipped', 'done', 'failed', 'stopped', 'left running']);

/**
 * The phases of one deployment with their durations: lifecycle events (CodeDeploy), rollout states (ECS),
 * lifecycle stages (ECS native). The log gets a line per change; the job summary gets the table.
 */
export class Timeline {
  private readonly phases: Phase[] = [];

  constructor(
    private readonly now: () => number,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Records a phase's status (at `at`, default now); logs only when something changed. */
  mark(name: string, status: string, at: number = this.now(), endedAt?: number): void {
    let phase = this.phases.find((p) => p.name === name);
    if (!phase) {
      phase = { name, status, startedAt: at };
      this.phases.push(phase);
    } else if (phase.status === status) {
      return;
    }
    phase.status = status;
    if (ENDED.has(status)) phase.endedAt = endedAt ?? phase.endedAt ?? this.now();
    const took = phase.endedAt !== undefined ? ` (${formatDuration(phase.endedAt - phase.startedAt)})` : '';
    this.log(`${name}: ${status}${took}`);
  }

  /** The current phase ends; a new one begins (for sources that report one state at a time). */
  enter(name: string, status = 'InProgress'): void {
    const at = this.now();
    for (const p of this.phases) if (p.endedAt === undefined && p.name !== name) p.endedAt = at;
    this.mark(name, status, at);
  }

  /** Ends every open phase with `status`. */
  close(status: string): void {
    for (const p of this.phases) {
      if (p.endedAt === undefined) {
        p.status = status;
        p.endedAt = this.now();
      }
    }
  }

  list(): readonly Phase[] {
    return this.phases;
  }

  markdown(): string {
    if (this.phases.length === 0) return '_No phases recorded._';
    const first = this.phases[0]!.startedAt;
    return table(
      ['Phase', 'Status', 'Started', 'Duration'],
      this.phases.map((p) => [
        p.name,
        p.status,
        `+${formatDuration(p.startedAt - first)}`,
        p.endedAt !== undefined
          ? formatDuration(p.endedAt - p.startedAt)
          : `${formatDuration(this.now() - p.startedAt)} so far`,
      ]),
    );
  }
}
