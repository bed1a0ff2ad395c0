import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../support/api-client';
import { expectPositionsStrictlyIncreasing, expectRevisionsContiguousFromZero } from '../support/event-log-checks';
import { copyStores, type ResumedAndRebuilt, resumeAndRebuild } from '../support/projection-hashes';
import { checkLedger, checkReadModels, describeCounts, storedExecutions } from '../support/report-ledger-checks';
import { type LoadTarget, ReportLoad } from '../support/report-load';
import { seededRandom } from '../support/seeded-random';
import { crashTestData, type ServerProcess } from '../support/server-process';
import { logInAs } from '../support/signed-in';
import { createProject, createTask } from '../support/task-fixtures';
import { makeTempDir } from '../support/temp-dir';
import { waitFor } from '../support/wait-for';

const ADMIN = { ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a-long-password' };
const ROUNDS = 5;
const CLIENTS = 6;
/** Replays a failure: `CRASH_SEED=<printed seed> npx jest test/e2e/crash-rounds.test.ts`. */
const SEED = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : randomInt(2 ** 31);
/** The kill falls at a seeded moment once this many requests of the round are acknowledged (steady load, not start-up)… */
const ACKS_BEFORE_KILL = 20;
/** …within this many milliseconds after. */
const KILL_WINDOW_MS = 1500;
/** Real processes on a possibly loaded machine: conditions are waited for generously, asserted exactly. */
const PATIENCE = { timeoutMs: 60_000, intervalMs: 50 };
/** Never due while the test runs: the only executions are the executors' own runs. */
const NEVER_DUE = { schedule_type: 'ONEOFF', schedule_config: { run_at: '2099-01-01T00:00:00Z', timezone: 'UTC' } };

/**
 * Issue 13, "Crash rounds": executors report runs, log batches and status changes from several clients
 * at once while the server process is killed with SIGKILL at a random (seeded) moment and restarted on
 * the same DATA_DIR, five times. After every round: each request answered 2xx is in the event store
 * exactly once and whole (a log batch all there or not at all), the API shows exactly what the events
 * say, and the read models the kill interrupted, resumed from their checkpoints, hash the same as the
 * same projections built from zero.
 */
describe('crash rounds: SIGKILL under concurrent executor reports, restart on the same data, five times', () => {
  // SQLite internals: copies events.db and read.db after each kill and resumes the copies.
  const data = crashTestData('cron-observer-crash-rounds-', { embeddedOnly: true });
  const copies = makeTempDir('cron-observer-crash-rounds-copies-');
  afterAll(() => copies.cleanup());

  it('loses no acknowledged report, tears no log batch, and the read models catch up to a rebuild', async () => {
    // eslint-disable-next-line no-console
    console.log(`crash rounds: seed ${SEED} (replay with CRASH_SEED=${SEED})`);
    const random = seededRandom(SEED);
    const startedAt = Date.now();
    let server: ServerProcess = await data.start(ADMIN);
    let admin: ApiClient = await logInAs(server.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD);
    const targets: LoadTarget[] = [];
    for (let p = 0; p < 2; p++) {
      const project = await createProject(admin);
      for (let t = 0; t < 2; t++) targets.push({ projectId: project.id, taskId: (await createTask(admin, project.id, NEVER_DUE)).id, apiKey: project.apiKey });
    }
    const projectIds = [...new Set(targets.map((t) => t.projectId))];
    const load = new ReportLoad(random);
    const lines: string[] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      const roundStart = Date.now();
      const running = load.round(round, server.url, targets, CLIENTS);
      const first = await Promise.race([load.acknowledgedMore(ACKS_BEFORE_KILL).then(() => 'acknowledged'), running.then(() => 'stopped')]);
      if (first === 'stopped') throw new Error(`the load stopped before the kill: ${load.unexpected.join('; ')}`);
      const extraMs = Math.floor(random() * KILL_WINDOW_MS);
      // The seeded moment of the kill is the point of the test, not a wait for a condition.
      await new Promise((resolve) => setTimeout(resolve, extraMs));
      server.child.kill('SIGKILL');
      expect(await server.exited).toBeNull();
      const killedAfterMs = Date.now() - roundStart;
      await running;
      expect(load.unexpected.map(String)).toEqual([]);

      // The read models as the kill left them (on a copy), resumed from their checkpoints vs built from zero.
      const copy = join(copies.dir, `round-${round}`);
      mkdirSync(copy);
      copyStores(data.dir, copy);
      const projections = await resumeAndRebuild(copy, join(copy, 'fresh-read.db'));
      expect(projections.resumed).toEqual(projections.rebuilt);

      server = await data.start(ADMIN);
      admin = await logInAs(server.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD);
      const everything = await data.events().readAll();
      expectPositionsStrictlyIncreasing(everything);
      expectRevisionsContiguousFromZero(everything);
      const stored = await storedExecutions(data.events(), projectIds);
      const { problems, byRound } = checkLedger(load.ledger, stored);
      expect(problems).toEqual([]);
      await caughtUp(admin);
      const ofRound = load.ledger.filter((r) => r.round === round && r.executionId).map((r) => r.executionId!);
      expect(await checkReadModels(admin, stored, ofRound, projectIds)).toEqual([]);
      lines.push(`round ${round}: killed ${killedAfterMs} ms into the load (+${extraMs} ms after ${ACKS_BEFORE_KILL} acks), ${lagAtKill(projections)}; ${describeCounts(byRound.get(round)!)}`);
    }

    // After the last restart: everything, through the API and in the events, and the server's own catch-up vs a rebuild.
    const stored = await storedExecutions(data.events(), projectIds);
    const { problems, total } = checkLedger(load.ledger, stored);
    expect(problems).toEqual([]);
    const all = load.ledger.filter((r) => r.executionId).map((r) => r.executionId!);
    expect(await checkReadModels(admin, stored, all, projectIds)).toEqual([]);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const final = await resumeAndRebuild(data.dir, join(copies.dir, 'final-fresh-read.db'));
    // The server itself had caught up before it stopped: its read models are what a build from zero gives.
    expect(Object.values(final.pendingFound).every((pending) => pending === 0) || final.pendingFound).toBe(true);
    expect(final.resumed).toEqual(final.rebuilt);

    expect(total.present).toEqual(total.acknowledged);
    // eslint-disable-next-line no-console
    console.log(
      [...lines, `all ${ROUNDS} rounds (seed ${SEED}, ${Math.round((Date.now() - startedAt) / 1000)} s): ${describeCounts(total)}; ${stored.size} executions in the events and the API`].join('\n'),
    );
  }, 240_000);
});

/** Every projection of the (leading) server has applied everything stored. */
async function caughtUp(client: ApiClient): Promise<void> {
  await waitFor(
    async () => {
      const health = await client.get('/health');
      const projections = Object.values((health.body?.projections ?? {}) as Record<string, { lag: number }>);
      return health.status === 200 && health.body.leader === true && projections.length > 0 && projections.every((p) => p.lag === 0);
    },
    { ...PATIENCE, what: 'the projections to catch up after the restart' },
  );
}

/** How far behind the events each read model was when the process died (the kill interrupted projecting too). */
function lagAtKill(projections: ResumedAndRebuilt): string {
  const behind = Object.entries(projections.pendingFound).map(([name, pending]) => `${name} ${pending}`);
  return `events not yet projected at the kill: ${behind.join(', ')}`;
}
