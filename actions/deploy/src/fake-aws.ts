// Test doubles for unit tests: an SDK client fake answering by command name, and a clock whose sleep
// only advances time. Not used by the action itself.
import type { Clock } from '@ecs-actions/kit';

export type Handler = (input: Record<string, unknown>, call: number) => unknown;

/** A fake SDK client: `send(new XCommand(input))` answers with `handlers.X(input, nth call)`, or throws. */
export function fakeClient(handlers: Record<string, Handler>) {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  const count: Record<string, number> = {};
  return {
    calls,
    count,
    // `as never`: stands in for every SDK client's overloaded send.
    send: (async (command: {
      constructor: { name: string };
      input: Record<string, unknown>;
    }): Promise<unknown> => {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push({ command: name, input: command.input });
      count[name] = (count[name] ?? 0) + 1;
      const handler = handlers[name];
      if (!handler) throw new Error(`fake client: unexpected ${name}`);
      return handler(command.input, count[name]);
    }) as never,
  };
}

/** An AWS error as the SDK throws it (name = error code). */
export function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** A clock that starts at `start` and moves only when something sleeps. */
export function fakeClock(start = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
