import { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { AppError, ConflictError, ValidationError } from '../errors/app-error';
import { describeChainReport } from '../stores/events/event-chain';
import type { EventStore } from '../stores/events/event-store';
import { type MigrationProgress, migrateEvents } from '../stores/events/migrate-events';
import { openSource, openTarget, parseStoreUrl, sameStore } from '../stores/migrate-stores';

/**
 * `npm run migrate -- --from sqlite://DATA_DIR --to kurrentdb://…`: copies the whole event history into
 * another event store (src/stores/events/migrate-events.ts), after checking the source's hash chain,
 * and checks the target's chain afterwards. Run it again after an interruption: it goes on where it
 * stopped. Read models are not copied: rebuild them on the new stores. A refusal exits with 2.
 */
const PLAIN_PROGRESS_EVERY_MS = 5_000;

const program = new Command('migrate')
  .description('copy the whole event history into another event store (stop the servers first)')
  .requiredOption('--from <url>', 'the store to copy: sqlite://DATA_DIR or esdb://… / kurrentdb://…')
  .requiredOption('--to <url>', 'an empty store, or the target of an interrupted migration of the same source')
  .option('--from-prefix <prefix>', "the source deployment's EVENTSTORE_STREAM_PREFIX on its server")
  .option('--to-prefix <prefix>', "the target deployment's EVENTSTORE_STREAM_PREFIX on its server")
  .option('--limit <events>', 'copy at most this many events now (run again to go on)')
  .action(async ({ from, to, fromPrefix, toPrefix, limit }: { from: string; to: string; fromPrefix?: string; toPrefix?: string; limit?: string }) => {
    const started = Date.now();
    const source = parseStoreUrl(from, '--from', fromPrefix);
    const target = parseStoreUrl(to, '--to', toPrefix);
    if (sameStore(source, target)) throw new ConflictError('--from and --to name the same store');
    const maxEvents = limit === undefined ? undefined : Number(limit);
    if (maxEvents !== undefined && (!Number.isSafeInteger(maxEvents) || maxEvents < 0)) throw new ValidationError(`--limit ${limit}: a number of events (0 or more)`);
    const sourceStore = openSource(source);
    let targetStore: EventStore | undefined;
    const progress = progressReporter(started);
    try {
      targetStore = openTarget(target);
      // A broken link copied would be hashed anew on the target and the change would no longer show.
      const sourceChain = await sourceStore.verifyChain({ onProgress: (checked) => progress.update({ phase: 'verifying source', events: checked }, null) });
      if (sourceChain.broken) {
        throw new ConflictError(`The source's hash chain is broken, so it is not copied: ${describeChainReport(sourceChain)}`);
      }
      const total = sourceChain.events + sourceChain.unhashed;
      const report = await migrateEvents(sourceStore, targetStore, { ...(maxEvents !== undefined ? { limit: maxEvents } : {}), onProgress: (p) => progress.update(p, total) });
      const targetChain = report.complete ? await targetStore.verifyChain({ onProgress: (checked) => progress.update({ phase: 'verifying target', events: checked }, total) }) : null;
      progress.stop();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const earlier = report.events - report.copied;
      console.log(
        `${report.complete ? 'migrated' : 'copied'} ${report.events} of ${total} events in ${report.streams} streams` +
          ` (${report.copied} now${earlier > 0 ? `, ${earlier} by an earlier run` : ''}; ${report.tombstoned} deleted streams tombstoned) in ${seconds}s`,
      );
      if (sourceChain.unhashed > 0) {
        console.log(`note: ${sourceChain.unhashed} events of the source were stored before the hash chain began; the target hashed them, so their streams' hashes differ from the source's`);
      }
      if (!targetChain) {
        console.log('not finished: run the same command again to go on');
        return;
      }
      console.log(`target chain: ${describeChainReport(targetChain)}`);
      if (targetChain.broken) {
        process.exitCode = 2;
        return;
      }
      if (report.events !== total) {
        console.log(`the source changed during the migration (${total} events when it began): stop its servers and run the same command again`);
        process.exitCode = 2;
        return;
      }
      // The URL itself is not repeated: it may hold a password.
      const events = target.engine === 'sqlite' ? `DATA_DIR=${target.dataDir}` : 'EVENTSTORE_URL=<the --to URL>';
      console.log(`now rebuild the read models: ${events} MONGODB_URL=<your MongoDB> npm run projections -- rebuild`);
      console.log(`(without MONGODB_URL they are rebuilt in ${target.engine === 'sqlite' ? target.dataDir : 'DATA_DIR'}/read.db)`);
    } finally {
      progress.stop();
      await sourceStore.close();
      await targetStore?.close();
    }
  });

/** A bar on a terminal (stderr), otherwise a line every few seconds and at each phase's start. */
function progressReporter(started: number): { update: (progress: MigrationProgress | { phase: string; events: number }, total: number | null) => void; stop: () => void } {
  let phase = '';
  let phaseStarted = started;
  // A phase reports first after some progress: it began about when the previous report came.
  let lastReport = started;
  const enter = (next: string) => {
    const changed = next !== phase;
    if (changed) {
      phase = next;
      phaseStarted = lastReport;
    }
    lastReport = Date.now();
    return changed;
  };
  const rate = (events: number) => Math.round(events / Math.max((Date.now() - phaseStarted) / 1000, 0.001));
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format: ' {phase} |{bar}| {value}/{total} events | {rate} events/s | ETA {eta_formatted}', hideCursor: true }, Presets.shades_classic);
    let running = false;
    return {
      update: (progress, total) => {
        if (enter(progress.phase)) {
          if (running) bar.stop();
          bar.start(Math.max(total ?? progress.events, 1), 0, { phase: phase.padEnd(16), rate: 0 });
          running = true;
        }
        bar.setTotal(Math.max(total ?? progress.events, progress.events, 1));
        bar.update(progress.events, { rate: rate(progress.events) });
      },
      stop: () => {
        if (running) bar.stop();
        running = false;
      },
    };
  }
  let lastLine = 0;
  return {
    update: (progress, total) => {
      const newPhase = enter(progress.phase);
      if (!newPhase && Date.now() - lastLine < PLAIN_PROGRESS_EVERY_MS) return;
      lastLine = Date.now();
      process.stderr.write(`${phase}: ${progress.events}${total === null ? '' : `/${total}`} events (${rate(progress.events)} events/s)\n`);
    },
    stop: () => undefined,
  };
}

program.parseAsync().catch((err) => {
  if (err instanceof AppError) {
    console.error(err.message);
    for (const detail of err.details ?? []) console.error(`  ${detail}`);
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
