// SQLite internals: resumes copies of a DATA_DIR's events.db and read.db (crash-rounds.test.ts); stays on SQLite.
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/logging/logger';
import { allProjections } from '../../src/projections/all-projections';
import { checkpointName, type ProjectionGeneration, ProjectionRegistry, metaKey } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { readModelHash } from '../../src/projections/read-model-hash';
import type { Position } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';

export interface ResumedAndRebuilt {
  head: Position | null;
  /** Events of each projection stored after its checkpoint as found (what resuming had to apply). */
  pendingFound: Record<string, number>;
  /** Each projection's hash after resuming from its checkpoint, and after a build from zero into an empty read store. */
  resumed: Record<string, string>;
  rebuilt: Record<string, string>;
}

/**
 * The server's read models as a data directory holds them (`events.db`, `read.db`), resumed from their
 * checkpoints up to the head of the events, and the same projections built from zero into `freshReadFile`:
 * their canonical hashes (src/projections/read-model-hash.ts), which must be equal.
 */
export async function resumeAndRebuild(dataDir: string, freshReadFile: string): Promise<ResumedAndRebuilt> {
  const logger = createLogger('silent');
  const events = SqliteEventStore.open({ file: join(dataDir, 'events.db') });
  const reads = SqliteReadStore.open({ file: join(dataDir, 'read.db') });
  const freshReads = SqliteReadStore.open({ file: freshReadFile });
  const resumed = new ProjectionRunner(allProjections(), events, reads, new ProjectionRegistry(reads), logger);
  const fresh = new ProjectionRunner(allProjections(), events, freshReads, new ProjectionRegistry(freshReads), logger);
  try {
    const result: ResumedAndRebuilt = { head: await events.headPosition(), pendingFound: {}, resumed: {}, rebuilt: {} };
    for (const projection of allProjections()) {
      const generation = await reads.getMeta<ProjectionGeneration>(metaKey(projection.name));
      const after = generation ? await reads.getCheckpoint(checkpointName(projection.name, generation.generation)) : null;
      result.pendingFound[projection.name] = (await events.readAll({ after, filter: projection.filter })).length;
    }
    await Promise.all([resumed.start(), fresh.start()]);
    await Promise.all([resumed.whenCaughtUp(60_000), fresh.whenCaughtUp(60_000)]);
    for (const projection of allProjections()) {
      const live = (await reads.getMeta<ProjectionGeneration>(metaKey(projection.name)))!.generation;
      result.resumed[projection.name] = await readModelHash(reads, projection, live);
      result.rebuilt[projection.name] = await readModelHash(freshReads, projection, 1);
    }
    return result;
  } finally {
    await resumed.stop();
    await fresh.stop();
    await reads.close();
    await freshReads.close();
    await events.close();
  }
}

/** Copies a data directory's SQLite files (with their write-ahead logs) while no process writes to them. */
export function copyStores(fromDir: string, toDir: string): void {
  for (const name of ['events.db', 'events.db-wal', 'read.db', 'read.db-wal']) {
    if (existsSync(join(fromDir, name))) copyFileSync(join(fromDir, name), join(toDir, name));
  }
}
