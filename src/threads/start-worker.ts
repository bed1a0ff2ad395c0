import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** Whether this build runs as TypeScript sources (jest) rather than compiled to dist/. */
const RUNNING_TYPESCRIPT = __filename.endsWith('.ts');

/**
 * Starts a worker thread on `<dir>/<name>` of this same build: the compiled file, or, when the
 * TypeScript sources run directly (jest), the TypeScript file through SWC's require hook, so a test
 * never runs a stale build. Otherwise the thread inherits the process's node options (--cpu-prof, …).
 */
export function startWorker(dir: string, name: string, workerData: unknown): Worker {
  const script = join(dir, `${name}.${RUNNING_TYPESCRIPT ? 'ts' : 'js'}`);
  const execArgv = RUNNING_TYPESCRIPT ? [...process.execArgv, '--require', '@swc-node/register'] : undefined;
  return new Worker(script, { workerData, execArgv });
}
