import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Child processes in tests run the compiled JavaScript that `npm test` builds first (`npm run build`).
 * `distPath('test/support/x.ts')` → absolute path of `dist/test/support/x.js`.
 */
export function distPath(sourcePath: string): string {
  const compiled = join(__dirname, '..', '..', 'dist', sourcePath.replace(/\.ts$/, '.js'));
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build\` first (npm test does)`);
  return compiled;
}
