/**
 * A long read of `$all` (EventStore.readAllPages) with the next pages read on a thread of their own
 * (sqlite-read-ahead-thread.ts, a read-only connection to the same file) while the caller works on the
 * current one. Reading is half of a replay's work (SQL, rows, parsing): this thread keeps only a
 * JSON.parse a page, and the other core does the rest. The thread holds at most READ_AHEAD pages
 * unread, and it sees only committed events, which every position a caller replays through is.
 */
import { UnavailableError } from '../../errors/app-error';
import { startWorker } from '../../threads/start-worker';
import type { Position, RecordedEvent, StreamFilter } from './event-store';

/** Pages the thread may have read that the caller has not taken yet. */
const READ_AHEAD = 3;

export interface ReadAheadThreadData {
  file: string;
  after: Position | null;
  through: Position;
  filter: StreamFilter | undefined;
  pageSize: number;
  ahead: number;
}

/** From the thread: a page (rowsJson's text), the end of the read, or why it failed. */
export type FromReadAhead = { type: 'page'; json: string } | { type: 'end' } | { type: 'error'; message: string };

/** To the thread: the caller took a page, so one more may be read. */
export type ToReadAhead = { type: 'more' };

export async function* readAhead(
  read: Omit<ReadAheadThreadData, 'ahead'>,
  toEvents: (json: string) => RecordedEvent[],
): AsyncGenerator<RecordedEvent[]> {
  const thread = startWorker(__dirname, 'sqlite-read-ahead-thread', { ...read, ahead: READ_AHEAD } satisfies ReadAheadThreadData);
  const arrived: FromReadAhead[] = [];
  let failure: Error | null = null;
  let wake: () => void = () => {};
  thread.on('message', (message: FromReadAhead) => {
    arrived.push(message);
    wake();
  });
  thread.on('error', (err) => {
    failure = new UnavailableError(`The read-ahead thread failed: ${err.message}`);
    wake();
  });
  thread.on('exit', () => {
    failure ??= new UnavailableError('The read-ahead thread ended before the read did');
    wake();
  });
  try {
    for (;;) {
      while (arrived.length === 0 && failure === null) await new Promise<void>((resolve) => (wake = resolve));
      const message = arrived.shift();
      if (!message) throw failure!;
      if (message.type === 'end') return;
      if (message.type === 'error') throw new UnavailableError(`Reading events ahead failed: ${message.message}`);
      thread.postMessage({ type: 'more' } satisfies ToReadAhead);
      yield toEvents(message.json);
    }
  } finally {
    thread.removeAllListeners('exit');
    await thread.terminate();
  }
}
