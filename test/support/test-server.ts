import { loadConfig } from '../../src/config/config';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server';
import { makeTempDir } from './temp-dir';
import { dropTestDatabases, testDatabaseName, testEngineEnv } from './test-stores';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * Test receivers listen on loopback, which alert channels may not reach by default (README.md,
 * "Outbound requests"): tests that post alerts to one allow it explicitly with this.
 */
export const ALERTS_TO_LOOPBACK = { OUTBOUND_ALERT_ALLOW: '127.0.0.0/8,::1/128' };

/**
 * A real server on a random loopback port over fresh stores: embedded ones, or (EVENTSTORE_URL /
 * MONGODB_URL set) a namespace of its own on the servers (test/support/test-stores.ts).
 */
export async function startTestServer(env: Record<string, string> = {}, options: ServerOptions = {}): Promise<TestServer> {
  const temp = makeTempDir('cron-observer-server-');
  const config = loadConfig({ PORT: '0', DATA_DIR: temp.dir, LOG_LEVEL: 'silent', ...testEngineEnv(temp.dir), ...env });
  const server = await startServer(config, options);
  return {
    ...server,
    dataDir: temp.dir,
    stop: async () => {
      await server.close();
      await dropTestDatabases([testDatabaseName(temp.dir)]);
      temp.cleanup();
    },
  };
}
