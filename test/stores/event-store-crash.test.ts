/**
 * Process-crash safety of the SQLite event store: a child appends concurrently and prints every
 * acknowledged append; we SIGKILL it at a random moment, reopen the file and check that nothing
 * acknowledged was lost and nothing half-written became visible. Several rounds on the same file, so
 * recovery of a crashed WAL is also appended to and crashed again; the hash chain must verify after each. (Power loss is covered by
 * synchronous=FULL and documented, not tested.)
 */
// SQLite internals: kills a SQLite writer mid-transaction and reopens its files; stays on the embedded stores.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RecordedEvent } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { createLogger } from '../../src/logging/logger';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { readModelHash } from '../../src/projections/read-model-hash';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { type Ack, CRASH_STREAM_PREFIX, type CrashEventData, crashCountsProjection } from '../support/crash-appender';
import { distPath } from '../support/dist';
import { expectPositionsStrictlyIncreasing, expectRevisionsContiguousFromZero } from '../support/event-log-checks';
import { makeTempDir } from '../support/temp-dir';

const ROUNDS = 5;

describe('SQLite event store survives SIGKILL', () => {
  const temp = makeTempDir('event-store-crash-');
  afterAll(() => temp.cleanup());

  it(`keeps every acknowledged append and no partial batch over ${ROUNDS} killed runs`, async () => {
    const file = join(temp.dir, 'events.db');
    const readFile = join(temp.dir, 'read.db');
    const acknowledged: Ack[] = [];
    const checkpointsAtKill: Array<number | null> = [];

    for (let round = 1; round <= ROUNDS; round++) {
      // Every other round appends through a writer thread, as the server does.
      const acks = await runAndKill(file, readFile, 20 + Math.floor(Math.random() * 300), Math.random() * 30, round % 2 === 0);
      expect(acks.length).toBeGreaterThan(0);
      acknowledged.push(...acks);

      await verify(file, acknowledged);
      checkpointsAtKill.push(await verifyProjectionResumes(file, readFile, join(temp.dir, `fresh-${round}.db`)));
    }
    // The kills did interrupt a projection that had been applying batches.
    expect(checkpointsAtKill.some((checkpoint) => checkpoint !== null)).toBe(true);
  }, 20_000);
});

/** Runs the appender until it has acknowledged `minAcks` appends, waits `extraMs`, then SIGKILLs it. */
async function runAndKill(file: string, readFile: string, minAcks: number, extraMs: number, writerThread: boolean): Promise<Ack[]> {
  const args = [distPath('test/support/crash-appender.ts'), file, '--project-into', readFile, ...(writerThread ? ['--writer-thread'] : [])];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks: Ack[] = [];
  let pending = '';
  let stderr = '';
  let killScheduled = false;
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => {
    // Only complete lines count: the kill may cut the last one.
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    acks.push(...lines.map((line) => JSON.parse(line) as Ack));
    if (!killScheduled && acks.length >= minAcks) {
      killScheduled = true;
      setTimeout(() => child.kill('SIGKILL'), extraMs);
    }
  });
  const { code, signal } = await exited(child);
  if (signal !== 'SIGKILL') throw new Error(`crash-appender ended by itself (code ${code}): ${stderr}`);
  return acks;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
}

async function verify(file: string, acknowledged: Ack[]): Promise<void> {
  const store = SqliteEventStore.open({ file });
  try {
    const all = await store.readAll({ filter: { streamPrefixes: [CRASH_STREAM_PREFIX] } });

    expectPositionsStrictlyIncreasing(all);
    expectRevisionsContiguousFromZero(all);
    expectWholeBatches(all);
    for (const ack of acknowledged) {
      const events = await store.readStream(ack.stream, {
        fromRevision: ack.firstRevision,
        maxCount: ack.lastRevision - ack.firstRevision + 1,
      });
      expect(events.map((e) => e.metadata.eventId)).toEqual(ack.eventIds);
      expect(events[events.length - 1].position).toBe(ack.position);
    }
    // The hash chain survives the kills too: every stored event links to the one before it.
    expect(await store.verifyChain()).toMatchObject({ events: all.length, unhashed: 0, broken: null });
  } finally {
    await store.close();
  }
}

/**
 * The child was also projecting when it was killed: resuming from the read store's checkpoint must end
 * exactly where a fresh rebuild from zero ends (no batch lost or applied twice).
 */
async function verifyProjectionResumes(file: string, readFile: string, freshFile: string): Promise<number | null> {
  const events = SqliteEventStore.open({ file });
  const resumedReads = SqliteReadStore.open({ file: readFile });
  const freshReads = SqliteReadStore.open({ file: freshFile });
  const logger = createLogger('silent');
  const resumed = new ProjectionRunner([crashCountsProjection], events, resumedReads, new ProjectionRegistry(resumedReads), logger);
  const fresh = new ProjectionRunner([crashCountsProjection], events, freshReads, new ProjectionRegistry(freshReads), logger);
  try {
    const checkpointAtKill = await resumedReads.getCheckpoint(`${crashCountsProjection.name}#1`);
    await resumed.start();
    await fresh.start();
    await resumed.whenCaughtUp();
    await fresh.whenCaughtUp();
    const total = await freshReads.get(`${crashCountsProjection.name}_g1_totals`, 'all');
    expect(total?.events).toBe((await events.readAll({ filter: { streamPrefixes: [CRASH_STREAM_PREFIX] } })).length);
    expect(await readModelHash(resumedReads, crashCountsProjection, 1)).toBe(await readModelHash(freshReads, crashCountsProjection, 1));
    return checkpointAtKill;
  } finally {
    await resumed.stop();
    await fresh.stop();
    await resumedReads.close();
    await freshReads.close();
    await events.close();
  }
}

/** Every batch is all there, in order, on consecutive revisions of one stream. */
function expectWholeBatches(events: RecordedEvent[]): void {
  const batches = new Map<string, RecordedEvent<string, CrashEventData>[]>();
  for (const event of events as RecordedEvent<string, CrashEventData>[]) {
    const batch = batches.get(event.data.batchId) ?? [];
    batch.push(event);
    batches.set(event.data.batchId, batch);
  }
  const broken = [...batches.values()].filter(
    (batch) =>
      batch.length !== batch[0].data.count ||
      batch.some(
        (event, i) =>
          event.data.index !== i || event.streamId !== batch[0].streamId || event.revision !== batch[0].revision + i,
      ),
  );
  expect(broken).toEqual([]);
}
