import { loadConfig } from '../../src/config/config';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server';
import { makeTempDir } from './temp-dir';

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

/** A real server on a random loopback port over fresh embedded stores. */
export async function startTestServer(env: Record<string, string> = {}, options: ServerOptions = {}): Promise<TestServer> {
  const temp = makeTempDir('cron-observer-server-');
  const config = loadConfig({ PORT: '0', DATA_DIR: temp.dir, LOG_LEVEL: 'silent', ...env });
  const server = await startServer(config, options);
  return {
    ...server,
    dataDir: temp.dir,
    stop: async () => {
      await server.close();
      temp.cleanup();
    },
  };
}
