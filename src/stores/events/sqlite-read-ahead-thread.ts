/** The thread of a read ahead (sqlite-read-ahead.ts): reads pages in order, at most `ahead` untaken. */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { nameThisThread } from '../../threads/thread-name';
import type { FromReadAhead, ReadAheadThreadData, ToReadAhead } from './sqlite-read-ahead';
import { rowsJson } from './sqlite-event-rows';
import { SqliteRangeReads } from './sqlite-range-reads';

const read = workerData as ReadAheadThreadData;
const port = parentPort!;
nameThisThread('read-ahead');
const db = new Database(read.file, { readonly: true, fileMustExist: true });
const ranges = new SqliteRangeReads(db);
let after = read.after;
let credit = read.ahead;
let done = false;

function send(message: FromReadAhead): void {
  port.postMessage(message);
}

function readPages(): void {
  try {
    while (credit > 0 && !done) {
      const rows = ranges.rowsAfter(after, read.filter, read.pageSize);
      let end = rows.length;
      while (end > 0 && rows[end - 1]![0] > read.through) end--;
      if (end > 0) {
        after = rows[end - 1]![0];
        credit--;
        send({ type: 'page', json: rowsJson(end === rows.length ? rows : rows.slice(0, end)) });
      }
      if (end < read.pageSize || after === read.through) {
        done = true;
        send({ type: 'end' });
      }
    }
  } catch (err) {
    done = true;
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}

port.on('message', (message: ToReadAhead) => {
  if (message.type !== 'more') return;
  credit++;
  readPages();
});
readPages();
