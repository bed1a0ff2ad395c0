/**
 * The thread of a background checkpoint (sqlite-bulk-loads.ts): copies the WAL of the
 * database file into it on a connection of its own, then answers with SQLite's counts and ends.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { nameThisThread } from '../../threads/thread-name';
import type { CheckpointThreadData, FromCheckpointThread } from './sqlite-bulk-loads';

const { file, busyTimeoutMs } = workerData as CheckpointThreadData;
nameThisThread('checkpoint');

function checkpoint(): FromCheckpointThread {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const [counts] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    return { type: 'done', log: counts?.log ?? 0, checkpointed: counts?.checkpointed ?? 0 };
  } finally {
    db.close();
  }
}

try {
  parentPort!.postMessage(checkpoint());
} catch (err) {
  parentPort!.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromCheckpointThread);
}
