import { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { importHistory, readHistoryLines } from '../audit/history-import';
import { AppError } from '../errors/app-error';
import { loadConfig } from '../config/config';
import { loggedUpcasting } from '../events/event-upcasting';
import { createLogger } from '../logging/logger';
import { describeChainReport, type VerifyChainOptions } from '../stores/events/event-chain';
import { openEventStore } from '../stores/open-stores';

/**
 * `npm run audit -- verify [--project <id>]`: walks the event store and checks every event's link in its
 * stream's hash chain (README, "Tamper evidence"). Prints "verified N events in M streams" (exit 0) or
 * the first broken link: stream, revision, expected vs found (exit 2). Progress goes to stderr: a bar
 * on a terminal, a line every few seconds otherwise.
 * `npm run audit -- import <file>`: reads a history in the export format (NDJSON, gzipped when the name
 * ends in .gz) into an empty event store, checking every line's link (src/audit/history-import.ts).
 */
const PLAIN_PROGRESS_EVERY_MS = 5_000;

const program = new Command('audit').description('Check the stored history of Cron Observer');

program
  .command('verify')
  .option('--project <id>', "only the streams of this project (the project's own, and those whose events name it)")
  .description("check every event's hash link; prints the first broken link, if any")
  .action(async ({ project }: { project?: string }) => {
    const config = loadConfig();
    // Verifying reads rows as stored, never through the upcaster; the store still needs one for its readers.
    const events = openEventStore(config, { upcaster: loggedUpcasting(createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)) });
    const progress = progressReporter();
    try {
      const report = await events.verifyChain({ ...(project !== undefined ? { project } : {}), onProgress: progress.update });
      progress.stop();
      console.log(describeChainReport(report));
      if (report.broken) process.exitCode = 2;
    } finally {
      progress.stop();
      await events.close();
    }
  });

program
  .command('import')
  .argument('<file>', 'a history in the export format: NDJSON, one event per line (.ndjson or .ndjson.gz)')
  .description('read a history into an EMPTY event store, checking every hash link; then rebuild the projections')
  .action(async (file: string) => {
    const config = loadConfig();
    const events = openEventStore(config, { upcaster: loggedUpcasting(createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)) });
    try {
      const report = await importHistory(events, readHistoryLines(file), { onProgress: (imported) => process.stderr.write(`imported ${imported} events\n`) });
      console.log(`imported ${report.events} events in ${report.streams} streams; rebuild the read models with: npm run projections -- rebuild`);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // A refused line (or a store that is not empty): what and where, and exit 2 like a broken link.
      console.error(err.message);
      for (const detail of err.details ?? []) console.error(`  ${detail}`);
      process.exitCode = 2;
    } finally {
      await events.close();
    }
  });

function progressReporter(): { update: NonNullable<VerifyChainOptions['onProgress']>; stop: () => void } {
  const started = Date.now();
  const rate = (checked: number) => Math.round(checked / Math.max((Date.now() - started) / 1000, 0.001));
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format: ' verifying |{bar}| {value}/{total} events | {rate} events/s | ETA {eta_formatted}', hideCursor: true }, Presets.shades_classic);
    let running = false;
    return {
      update: (checked, total) => {
        if (!running) bar.start(Math.max(total ?? checked, 1), 0, { rate: 0 });
        running = true;
        bar.setTotal(Math.max(total ?? checked, checked, 1));
        bar.update(checked, { rate: rate(checked) });
      },
      stop: () => {
        if (running) bar.stop();
        running = false;
      },
    };
  }
  let lastLine = started;
  return {
    update: (checked, total) => {
      if (Date.now() - lastLine < PLAIN_PROGRESS_EVERY_MS) return;
      lastLine = Date.now();
      process.stderr.write(`checked ${checked}${total === null ? '' : `/${total}`} events (${rate(checked)} events/s)\n`);
    },
    stop: () => undefined,
  };
}

program.parseAsync().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
