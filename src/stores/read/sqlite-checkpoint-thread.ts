/**
 * The thread of a background checkpoint (sqlite-bulk-loads.ts): copies the WAL of the
 * database file into it on a connection of its own, then answers and ends.
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
    db.pragma('wal_checkpoint(PASSIVE)');
    return { type: 'done' };
  } finally {
    db.close();
  }
}

try {
  parentPort!.postMessage(checkpoint());
} catch (err) {
  parentPort!.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromCheckpointThread);
}
