// A fake SDK client for unit tests: `send(new XCommand(input))` answers from handlers by command name.

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

/**
 * The same fake on a real client instance (the SDK's paginators refuse anything else): `client`'s `send`
 * answers from the handlers; `calls` and `count` as with fakeClient.
 */
export function fakeSdkClient<C extends object>(client: C, handlers: Record<string, Handler>) {
  const fake = fakeClient(handlers);
  Object.assign(client, { send: fake.send });
  return Object.assign(client, { calls: fake.calls, count: fake.count });
}

/** An AWS error as the SDK throws it (name = error code). */
export function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
