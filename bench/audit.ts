/**
 * `npm run bench -- audit [--events 1000000] [--appends 20000] [--appenders 64]`
 *
 * What tamper evidence costs (README, "Tamper evidence"), each figure beside its baseline from the same
 * run: appends/s with the hash chain against the same store with chaining off (aim: under 15% less),
 * as the server appends (FULL, writer thread) and where the CPU shows most (NORMAL, batches); then
 * `audit verify` over `--events` stored events (aim: at least 100,000 events/s) against a raw SELECT of
 * the same rows in the same order (the walk without hashing). Each figure is given by wall-clock time and
 * by this process's CPU time: on a shared machine the second is what the work itself costs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { parseCounts } from './options';
import { type BenchRow, formatTable } from './report';
import { appendConcurrently, benchEvent, rate, rowsPerSecond } from './store';

interface Settings {
  events: number;
  appends: number;
  appenders: number;
}

/** Events per stream in the verified store: an execution's usual length. */
const STREAM_LENGTH = 10;
const FILL_APPENDERS = 8;

export async function auditBench(args: string[]): Promise<void> {
  const { events, appends, appenders } = parseArgs(args);
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-'));
  try {
    const rows: BenchRow[] = [];
    const streams = Array.from({ length: appenders }, (_, i) => `${i % 2 === 0 ? 'task' : 'execution'}-${randomUUID()}`);
    const runs: Array<{ name: string; synchronous: 'FULL' | 'NORMAL'; batch: number; writerThread: boolean; streams: string[] }> = [
      { name: `${appenders} appenders × 1 event, FULL, writer thread`, synchronous: 'FULL', batch: 1, writerThread: true, streams },
      { name: `${appenders} appenders × 1 event, NORMAL`, synchronous: 'NORMAL', batch: 1, writerThread: false, streams },
      { name: `8 appenders × 100 events, NORMAL`, synchronous: 'NORMAL', batch: 100, writerThread: false, streams: streams.slice(0, 8) },
    ];
    let files = 0;
    for (const run of runs) {
      const measure = (chain: boolean) =>
        cpuAndWall(() => appendConcurrently(join(dir, `${files++}.db`), run.synchronous, run.streams, appends, run.batch, run.writerThread, chain), appends);
      // Alternating, twice, best of each: neither side gets the warmer cache or the quieter moment.
      const [plain, chained] = [await measure(false), await measure(true)];
      const [plain2, chained2] = [await measure(false), await measure(true)];
      rows.push(...pair(`${run.name}, no chain`, `${run.name}, hash chain`, best(plain, plain2), best(chained, chained2)));
    }

    const file = join(dir, 'verify.db');
    const fill = await fillStore(file, events);
    rows.push({ figure: `filling the verified store (hash chain, NORMAL, batches of ${STREAM_LENGTH})`, value: fill, unit: 'events/s' });
    const ceiling = await cpuAndWall(async () => walkCeiling(file), events);
    const store = SqliteEventStore.open({ file });
    try {
      const verified = await cpuAndWall(async () => {
        const report = await store.verifyChain();
        if (report.broken || report.events !== events) throw new Error(`verify found ${JSON.stringify(report)}`);
      }, events);
      rows.push(...pair('raw SELECT of every row in stream order (ceiling)', 'audit verify (every event hashed again)', ceiling, verified));
    } finally {
      await store.close();
    }
    console.log(formatTable(`Tamper evidence: ${appends.toLocaleString('en-US')} appends per run, audit verify over ${events.toLocaleString('en-US')} events, in ${tmpdir()}`, rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `events` events in streams of STREAM_LENGTH, appended with the chain by a few concurrent appenders. */
async function fillStore(file: string, events: number): Promise<number> {
  const store = SqliteEventStore.open({ file, synchronous: 'NORMAL' });
  try {
    let remaining = events;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: FILL_APPENDERS }, async () => {
        while (remaining > 0) {
          const size = Math.min(STREAM_LENGTH, remaining);
          remaining -= size;
          await store.append(`execution-${randomUUID()}`, Array.from({ length: size }, benchEvent), 'no_stream');
        }
      }),
    );
    return rate(events, started);
  } finally {
    await store.close();
  }
}

interface Rates {
  wall: number;
  /** Per second of this process's CPU time (all its threads): what the work costs, whatever else the machine runs. */
  cpu: number;
}

async function cpuAndWall(work: () => Promise<unknown>, count: number): Promise<Rates> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { wall: rate(count, started), cpu: count / ((used.user + used.system) / 1e6) };
}

function best(a: Rates, b: Rates): Rates {
  return { wall: Math.max(a.wall, b.wall), cpu: Math.max(a.cpu, b.cpu) };
}

/** A baseline and its figure, by wall-clock time and by CPU time. */
function pair(baseline: string, figure: string, base: Rates, measured: Rates): BenchRow[] {
  return [
    { figure: baseline, value: base.wall, unit: 'events/s' },
    { figure, value: measured.wall, unit: 'events/s', baseline },
    { figure: `${baseline} (CPU)`, value: base.cpu, unit: 'events/CPU-s' },
    { figure: `${figure} (CPU)`, value: measured.cpu, unit: 'events/CPU-s', baseline: `${baseline} (CPU)` },
  ];
}

/** The rows verify reads, in the order it reads them, and nothing else. */
function walkCeiling(file: string): number {
  return rowsPerSecond(
    file,
    `SELECT s.name, e.revision, e.type, e.data, e.metadata, e.hash, e.position
       FROM events e INDEXED BY events_by_stream CROSS JOIN streams s ON s.id = e.stream_id ORDER BY e.stream_id, e.revision`,
  );
}

function parseArgs(args: string[]): Settings {
  return parseCounts(args, { events: 1_000_000, appends: 20_000, appenders: 64 });
}
