/**
 * The thread of a read.db connection's checkpoints (sqlite-wal-checkpoints.ts): on each request,
 * copies the WAL into the database file with a PASSIVE checkpoint on a connection of its own, and
 * answers; closes that connection and ends when asked to.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { nameThisThread } from '../../threads/thread-name';
import type { CheckpointThreadData, FromCheckpointThread, ToCheckpointThread } from './sqlite-wal-checkpoints';

const { file, busyTimeoutMs } = workerData as CheckpointThreadData;
nameThisThread('checkpoint');

let db: Database.Database | null = null;

function checkpoint(): FromCheckpointThread {
  try {
    if (db === null) {
      db = new Database(file, { fileMustExist: true });
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    }
    db.pragma('wal_checkpoint(PASSIVE)');
    return { type: 'done' };
  } catch (err) {
    return { type: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}

parentPort!.on('message', (message: ToCheckpointThread) => {
  if (message.type === 'checkpoint') {
    parentPort!.postMessage(checkpoint());
    return;
  }
  db?.close();
  parentPort!.close();
});
