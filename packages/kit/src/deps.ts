// Kept apart from step.ts: the run context reads the event with @actions/github's types and Octokit lives
// beside it, and a post step that only needs runPostStep should not load them.
import { type RunContext, runContext } from './context.js';
import { info, warning } from './step.js';
import { type Clock, systemClock } from './waiter.js';

/** What every action's run() takes from the step's edge: the run's context, the clock, the log. */
export interface StepDeps {
  context: RunContext;
  clock: Clock;
  log: (line: string) => void;
  warn: (line: string) => void;
}

/** The edge's StepDeps: the run context parsed once, the system clock, the step's log. */
export function stepDeps(): StepDeps {
  return { context: runContext(), clock: systemClock, log: info, warn: warning };
}
