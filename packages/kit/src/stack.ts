import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * A stack trace with the bundle's frames (`dist/580.index.js:29:154475`) mapped to the suite's TypeScript
 * sources (`actions/preview-create/src/run.ts:212:11`) through the source maps shipped beside the chunks.
 * Done only when a bug is reported, so source maps cost nothing at start-up; a frame that cannot be mapped
 * (a dependency's code, a missing map) is kept as it is.
 */
export function mapStack(stack: string): string {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string) => {
    if (!maps.has(file)) {
      let map: SourceMap | undefined;
      try {
        const path = file.startsWith('file:') ? fileURLToPath(file) : file;
        if (existsSync(`${path}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
      } catch {
        map = undefined;
      }
      maps.set(file, map);
    }
    return maps.get(file);
  };
  return stack.replace(
    /((?:file:\/\/)?\/[^\s():]+\.js):(\d+):(\d+)/g,
    (frame, file: string, line, column) => {
      // findOrigin takes 1-based line and column, as stack traces print them.
      const origin = mapOf(file)?.findOrigin(Number(line), Number(column));
      if (!origin || !('fileName' in origin) || !origin.fileName) return frame;
      return `${origin.fileName}:${origin.lineNumber}:${origin.columnNumber}`;
    },
  );
}
