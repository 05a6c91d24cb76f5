/** Runs `fn` over `items` with at most `limit` at once; results keep the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A queue that runs at most `limit` tasks at once, started as they are added; `idle()` waits for all. */
export function taskQueue(limit: number) {
  const pending: (() => void)[] = [];
  const all: Promise<unknown>[] = [];
  let running = 0;
  const next = () => {
    if (running >= limit) return;
    const start = pending.shift();
    if (start) start();
  };
  return {
    add<T>(task: () => Promise<T>): Promise<T> {
      const done = new Promise<T>((resolve, reject) => {
        pending.push(() => {
          running++;
          task()
            .then(resolve, reject)
            .finally(() => {
              running--;
              next();
            });
        });
      });
      all.push(done.catch(() => {}));
      next();
      return done;
    },
    async idle(): Promise<void> {
      while (all.length > 0) await Promise.all(all.splice(0));
    },
  };
}
