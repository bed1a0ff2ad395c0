/**
 * The projection thread (a worker_threads entry): applies every projection with its own connections to
 * the stores, so that building read models never holds up the HTTP thread. It reports each projection's
 * progress to the server, whose follower runner answers read-your-writes waits from those reports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loggedUpcasting } from '../events/event-upcasting';
import { createLogger } from '../logging/logger';
import { mailTransportOf } from '../mail/mail-transport';
import { QuarantineAlerter } from '../quarantine/quarantine-alerts';
import { openStores } from '../stores/open-stores';
import { nameThisThread } from '../threads/thread-name';
import { allProjections } from './all-projections';
import { ProjectionRegistry } from './projection-registry';
import { ProjectionRunner } from './projection-runner';
import type { FromProjectionThread, ProjectionThreadData, ToProjectionThread } from './projection-thread-protocol';

/**
 * Commits are made by the HTTP thread's connection, which this thread's event store cannot hear: it
 * looks for them this often (a `PRAGMA data_version` read, a few microseconds).
 */
const COMMIT_POLL_MS = 2;

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('projection-thread.ts runs as a worker thread');
  nameThisThread('projections');
  const send = (message: FromProjectionThread) => port.postMessage(message);
  const { config } = workerData as ProjectionThreadData;
  const logger = createLogger(config.logLevel).child({ thread: 'projections' });
  let countsSent = true;
  const upcasting = loggedUpcasting(logger, () => {
    if (!countsSent) return;
    countsSent = false;
    setImmediate(() => {
      countsSent = true;
      send({ type: 'unknown-events', counts: upcasting.unknownEvents() });
    });
  });
  const { events, reads } = await openStores(config, { eventPollIntervalMs: COMMIT_POLL_MS, upcaster: upcasting });
  const runner = new ProjectionRunner(allProjections(), events, reads, new ProjectionRegistry(reads), logger);
  const mail = mailTransportOf(config);
  const quarantineAlerts = new QuarantineAlerter(reads, mail, config.publicUrl, logger);
  runner.onQuarantine = (record) => quarantineAlerts.quarantined(record);
  runner.onProgress((progress) => send({ type: 'progress', ...progress }));
  port.on('message', (message: ToProjectionThread) => {
    if (message.type === 'rebuild') {
      runner.rebuild(message.name, { stayLive: true }).then(
        () => send({ type: 'rebuilt', id: message.id, error: null }),
        (err: Error) => send({ type: 'rebuilt', id: message.id, error: err.message }),
      );
      return;
    }
    void (async () => {
      await runner.stop();
      await quarantineAlerts.settled();
      mail?.close();
      await events.close();
      await reads.close();
      send({ type: 'stopped' });
      port.close();
    })();
  });
  await runner.start();
  send({ type: 'ready' });
}

// A failure rejects main(); the unhandled rejection ends the thread and the server reports it.
void main();
