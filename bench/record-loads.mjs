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
