// Loaded with `node --import` by the size benchmark: reports every file of the suite's bundle that
// Node loads, so an action's size is what it really loads, not a guess from the chunk graph.

import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.BENCH_LOADS_FILE;
registerHooks({
  load(url, context, nextLoad) {
    if (out && url.startsWith('file:')) appendFileSync(out, `${url}\n`);
    return nextLoad(url, context);
  },
});

// Marks the moment of the step's first output, so that the size benchmark can tell what was loaded before it.
if (out) {
  const write = process.stdout.write.bind(process.stdout);
  let first = true;
  process.stdout.write = (...args) => {
    if (first) {
      first = false;
      appendFileSync(out, 'FIRST-OUTPUT\n');
    }
    return write(...args);
  };
}
