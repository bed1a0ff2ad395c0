import { loadConfig } from '../../src/config/config';
import { type RunningServer, startServer } from '../../src/server';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { logInAs, TEST_ADMIN } from '../support/signed-in';
import { makeTempDir } from '../support/temp-dir';
import { waitFor } from '../support/wait-for';
import { testEngineEnv } from '../support/test-stores';

/** A lease that never lapses on fake time, however far a test moves the clock. */
const LONG_LEASE = { ttlMs: 3_650 * 86_400_000, renewEveryMs: 365 * 86_400_000 };

/**
 * A real server on a ManualClock over embedded stores in a temp dir that outlives restarts: `restart`
 * closes the server and opens a new one on the same data (the process managers replay from their
 * checkpoints), as after a crash or a deploy.
 */
export class FakeTimeServer {
  readonly clock: ManualClock;
  readonly temp = makeTempDir('cron-observer-pm-');
  server!: RunningServer;
  admin!: ApiClient;

  constructor(start: string) {
    this.clock = new ManualClock(start);
  }

  async start(): Promise<this> {
    const config = loadConfig({ PORT: '0', DATA_DIR: this.temp.dir, ...testEngineEnv(this.temp.dir), LOG_LEVEL: 'silent', ADMIN_EMAIL: TEST_ADMIN.email, ADMIN_PASSWORD: TEST_ADMIN.password });
    this.server = await startServer(config, { clock: this.clock, lease: LONG_LEASE });
    this.admin = await logInAs(this.server.url, TEST_ADMIN.email, TEST_ADMIN.password);
    return this;
  }

  /** Jumps the clock forward without firing timers (as if idle), and signs in again (sessions expire on the clock too). */
  async jump(ms: number): Promise<void> {
    this.clock.set(new Date(this.clock.now().getTime() + ms));
    this.admin = await logInAs(this.server.url, TEST_ADMIN.email, TEST_ADMIN.password);
  }

  async restart(between?: () => void | Promise<void>): Promise<void> {
    await this.server.close();
    await between?.();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.server.close();
    this.temp.cleanup();
  }

  get services() {
    return this.server.services;
  }

  /** Every process manager and projection has seen everything stored so far. */
  async caughtUp(): Promise<void> {
    const head = await this.services.events.headPosition();
    await this.server.processManagers.waitForPosition(head);
    await this.services.projections.waitForPosition(head);
  }

  /** Moves the clock a step at a time until `condition` holds (work started by a timer is async I/O). */
  async advanceUntil<T>(condition: () => Promise<T | null | undefined | false>, stepMs: number, what: string, maxSteps = 200): Promise<T> {
    for (let i = 0; i < maxSteps; i++) {
      const value = await condition();
      if (value) return value;
      await this.clock.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return waitFor(condition, { what });
  }

  /** The execution as GET /executions/{id} shows it once `until` holds. */
  executionWhen(id: string, until: (body: Record<string, unknown>) => boolean, what = `execution ${id}`): Promise<Record<string, unknown>> {
    return waitFor(async () => {
      const response = await this.admin.get(`/executions/${id}`);
      return response.status === 200 && until(response.body) && (response.body as Record<string, unknown>);
    }, { what });
  }
}
