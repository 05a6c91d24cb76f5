import { savedState, saveState } from '@ecs-actions/kit';
import { STATE } from './names.js';
import type { InFlightTask } from './run.js';

/** Saves the running task for the post step (undefined: it stopped, nothing to do). */
export function saveInFlight(inFlight: InFlightTask | undefined, stopOnCancel: boolean): void {
  saveState(STATE.inFlight, inFlight && stopOnCancel ? JSON.stringify(inFlight) : '');
}

/** The task the main step left running, if any. */
export function inFlight(): InFlightTask | undefined {
  const text = savedState(STATE.inFlight);
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<InFlightTask>;
    return value.cluster && value.taskArn && value.region ? (value as InFlightTask) : undefined;
  } catch {
    return undefined;
  }
}
