import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { type ImportReport, importHistory, readHistoryLines } from '../../../src/audit/history-import';
import { EventUpcasting } from '../../../src/events/event-upcasting';
import { createLogger } from '../../../src/logging/logger';
import { allProjections } from '../../../src/projections/all-projections';
import { metaKey, type ProjectionGeneration, ProjectionRegistry } from '../../../src/projections/projection-registry';
import { ProjectionRunner } from '../../../src/projections/projection-runner';
import { readModelHash } from '../../../src/projections/read-model-hash';
import { countQuarantined } from '../../../src/quarantine/quarantine-store';
import type { ChainReport } from '../../../src/stores/events/event-chain';
import type { EventUpcaster } from '../../../src/stores/events/event-store';
import { makeTempDir } from '../temp-dir';
import { openTestEventStore, openTestReadStore } from '../test-stores';

/** A golden history's `*.expected.json`: the file it is about, what it holds, and its read models' hashes. */
export interface GoldenExpectation {
  /** The history file's name, beside this one. */
  history: string;
  /** SHA-256 of its NDJSON text (uncompressed): a committed history never changes. */
  ndjsonSha256: string;
  events: number;
  streams: number;
  /** Every projection's read-model hash, by projection name. */
  readModels: Record<string, string>;
}

/** SHA-256 (hex) of a history's NDJSON text, gunzipped when the name ends in .gz. */
export function historySha256(file: string): string {
  const bytes = readFileSync(file);
  return createHash('sha256').update(file.endsWith('.gz') ? gunzipSync(bytes) : bytes).digest('hex');
}

export interface RebuiltHistory {
  imported: ImportReport;
  /** `audit verify` on the store the history was imported into. */
  chain: ChainReport;
  /** Every projection's canonical read-model hash (src/projections/read-model-hash.ts), by name. */
  hashes: Record<string, string>;
  /** Events a projection could not apply, by projection (none, for a history every version replays). */
  quarantined: Record<string, number>;
}

/**
 * What `audit import` then `projections rebuild` make of a history file on fresh embedded stores: its
 * events imported (each link checked), every projection built from position zero, and each read
 * model's hash. `upcaster`: the registry readers go through (default: this build's).
 */
export async function rebuildHistory(file: string, upcaster: EventUpcaster = new EventUpcasting()): Promise<RebuiltHistory> {
  const temp = makeTempDir('golden-history-');
  try {
    return await importAndBuild(temp.dir, file, upcaster);
  } finally {
    temp.cleanup();
  }
}

/** The same into the stores of a data directory (test-stores.ts: its files, or its namespace on the servers), which a server can then be started on. */
export async function importAndBuild(dataDir: string, file: string, upcaster: EventUpcaster = new EventUpcasting()): Promise<RebuiltHistory> {
  const importing = openTestEventStore(dataDir, { synchronous: 'NORMAL', upcaster });
  let imported: ImportReport;
  let chain: ChainReport;
  try {
    imported = await importHistory(importing, readHistoryLines(file));
    chain = await importing.verifyChain();
  } finally {
    await importing.close();
  }
  // The rebuild opens the store afresh, as `projections rebuild` does in a process of its own: its reads
  // come from the files, not from the events the import kept, and its pages are read ahead on another
  // thread however short the history (a rebuild of a long one reads so).
  const events = openTestEventStore(dataDir, { upcaster, readAheadFrom: 1 });
  const reads = await openTestReadStore(dataDir);
  const runner = new ProjectionRunner(allProjections(), events, reads, new ProjectionRegistry(reads), createLogger('silent'));
  try {
    await runner.start();
    await runner.whenCaughtUp(120_000);
    const hashes: Record<string, string> = {};
    for (const projection of [...allProjections()].sort((a, b) => a.name.localeCompare(b.name))) {
      const generation = (await reads.getMeta<ProjectionGeneration>(metaKey(projection.name)))!.generation;
      hashes[projection.name] = await readModelHash(reads, projection, generation);
    }
    return { imported, chain, hashes, quarantined: await countQuarantined(reads) };
  } finally {
    await runner.stop();
    await reads.close();
    await events.close();
  }
}
