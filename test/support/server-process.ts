import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { EventStore } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { distPath } from './dist';
import { makeTempDir } from './temp-dir';
import { EMBEDDED_ENGINES_ENV, openTestEventStore, testEngineEnv } from './test-stores';
import { waitFor } from './wait-for';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or null after a signal). */
  exited: Promise<number | null>;
}

/**
 * `node dist/src/main.js` as `npm start` runs it, on a random port; resolves once it listens. On its
 * DATA_DIR's namespace of the run's engines (test-stores.ts) unless `env` names its own.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [distPath('src/main.ts')], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...(env.DATA_DIR ? testEngineEnv(env.DATA_DIR) : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const port = await waitFor(() => /"port":(\d+)/.exec(output)?.[1], { what: `the server to listen:\n${output}`, timeoutMs: 20_000 });
  return { url: `http://127.0.0.1:${port}`, child, output: () => output, exited };
}

/**
 * One DATA_DIR for a crash test: the server processes started on it and the event store the test reads
 * it with, all killed, closed and removed after the test file.
 */
export function crashTestData(prefix: string, options: { embeddedOnly?: boolean } = {}) {
  // A test that reads the SQLite files themselves keeps its servers on them whatever the run's engines.
  const engines = options.embeddedOnly ? EMBEDDED_ENGINES_ENV : {};
  const temp = makeTempDir(prefix);
  const processes: ServerProcess[] = [];
  let store: EventStore | null = null;
  afterAll(async () => {
    await store?.close();
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    temp.cleanup();
  });
  return {
    dir: temp.dir,
    /** A server process on this DATA_DIR. */
    async start(env: Record<string, string>): Promise<ServerProcess> {
      const started = await startServerProcess({ DATA_DIR: temp.dir, ...engines, ...env });
      processes.push(started);
      return started;
    },
    /** The test's own connection to the DATA_DIR's event store. */
    events(): EventStore {
      return (store ??= options.embeddedOnly ? SqliteEventStore.open({ file: join(temp.dir, 'events.db') }) : openTestEventStore(temp.dir));
    },
  };
}
