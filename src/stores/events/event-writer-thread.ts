/**
 * The event store's writer thread (a worker_threads entry): owns the connection that appends, so that
 * committing — an fsync under synchronous=FULL — never blocks the thread that serves HTTP. Writes
 * arrive as data (event-writer.ts) and are group-committed here exactly as in-process; the answers of
 * one turn go back in one message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nameThisThread } from '../../threads/thread-name';
import { openEventDatabase } from './event-database';
import { EventWriter } from './event-writer';
import { type EventWriterThreadData, type FromEventWriter, fromJson, type ToEventWriter, toJson, toWireError, type WriteReply } from './event-writer-protocol';

const port = parentPort;
if (!port) throw new Error('event-writer-thread.ts runs as a worker thread');
nameThisThread('event-writer');
const { file, synchronous, chain } = workerData as EventWriterThreadData;
const db = openEventDatabase(file, synchronous);
const writer = new EventWriter(db, () => undefined, { chain });
const send = (message: FromEventWriter) => port.postMessage(message);

let replies: WriteReply[] = [];
const sendReplies = () => {
  if (replies.length === 0) return;
  send({ type: 'committed', replies: toJson(replies) });
  replies = [];
};
const reply = (answer: WriteReply) => {
  if (replies.length === 0) setImmediate(sendReplies);
  replies.push(answer);
};
const inFlight = new Set<Promise<void>>();

port.on('message', (message: ToEventWriter) => {
  if (message.type === 'write') {
    for (const { id, request } of fromJson(message.writes)) {
      const done: Promise<void> = writer.submit(request).then(
        (result) => reply({ id, ok: true, result }),
        (err: unknown) => reply({ id, ok: false, error: toWireError(err) }),
      );
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    }
    return;
  }
  // Close: commit what was accepted, answer it, then let the thread end.
  writer.flushNow();
  void Promise.all(inFlight).then(() => {
    sendReplies();
    db.close();
    send({ type: 'closed' });
    port.close();
  });
});
