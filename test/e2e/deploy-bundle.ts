import { builtAction } from '../harness/runner.js';

/** The deploy action as users run it: actions/deploy with the committed bundle (`pnpm build`). */
export async function deployAction(): Promise<string> {
  return builtAction('deploy');
}
