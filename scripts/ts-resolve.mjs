// Lets Node 24 run the TypeScript harness directly (`node --import ./scripts/ts-resolve.mjs x.ts`):
// sources import each other as `./file.js` (as TypeScript's NodeNext wants); this maps such a specifier
// to the `.ts` file beside it when no `.js` file exists.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (
      specifier.endsWith('.js') &&
      (specifier.startsWith('.') || specifier.startsWith('file:')) &&
      context.parentURL
    ) {
      const url = new URL(specifier, context.parentURL);
      if (!existsSync(fileURLToPath(url))) {
        const ts = new URL(url.href.replace(/\.js$/, '.ts'));
        if (existsSync(fileURLToPath(ts))) return nextResolve(ts.href, context);
      }
    }
    return nextResolve(specifier, context);
  },
});
