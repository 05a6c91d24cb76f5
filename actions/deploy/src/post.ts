// The post step's edge: with nothing saved by the main step (it finished, or nothing was left running), it
// ends without loading the AWS SDK; otherwise stop.ts stops what a cancel interrupted.
import { runPostStep, savedState } from '@ecs-actions/kit/step';
import { STATE } from './names.js';

export function post(): Promise<void> {
  return runPostStep(async () => {
    if (!savedState(STATE.inFlight)) return;
    const { stopInterrupted } = await import('./stop.js');
    await stopInterrupted();
  });
}
