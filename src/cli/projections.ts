import { Command } from 'commander';
import { MultiBar, Presets } from 'cli-progress';
import { loadConfig } from '../config/config';
import { loggedUpcasting } from '../events/event-upcasting';
import { createLogger } from '../logging/logger';
import { allProjections } from '../projections/all-projections';
import { ProjectionRegistry } from '../projections/projection-registry';
import { ProjectionRunner, type RebuildProgress } from '../projections/projection-runner';
import {
  RETRY_DONE_KEY,
  RETRY_REQUEST_KEY,
  type RetryDone,
  type RetryOutcome,
  type RetryRequest,
  countQuarantined,
  ensureQuarantine,
} from '../quarantine/quarantine-store';
import { openStores } from '../stores/open-stores';
import type { ReadStore } from '../stores/read/read-store';

/**
 * `npm run projections -- rebuild [name]`: rebuilds beside the live generation (a running server keeps
 * serving the old one and follows the switch), with a progress bar per projection.
 * `npm run projections -- retry-quarantined [name]`: applies quarantined events again after a fix.
 */
async function withRunner<T>(action: (runner: ProjectionRunner, reads: ReadStore) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const { events, reads } = await openStores(config, { upcaster: loggedUpcasting(logger) });
  const runner = new ProjectionRunner(allProjections(), events, reads, new ProjectionRegistry(reads), logger);
  try {
    return await action(runner, reads);
  } finally {
    await runner.stop();
    await events.close();
    await reads.close();
  }
}

const program = new Command('projections').description('Inspect and rebuild Cron Observer read models');

program
  .command('rebuild')
  .argument('[names...]', 'projections to rebuild (default: all)')
  .description('rebuild projections from position zero, then switch queries over')
  .action(async (names: string[]) => {
    const known = allProjections().map((p) => p.name);
    const targets = names.length > 0 ? names : known;
    const unknown = targets.filter((n) => !known.includes(n));
    if (unknown.length > 0) throw new Error(`Unknown projection(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);
    await withRunner(async (runner) => {
      const bars = new MultiBar(
        { format: ' {name} |{bar}| {percentage}% | {events} events | {rate} events/s | ETA {eta_formatted}', hideCursor: true, clearOnComplete: false },
        Presets.shades_classic,
      );
      for (const name of targets) {
        const startedAt = Date.now();
        const bar = bars.create(1, 0, { name: name.padEnd(14), events: 0, rate: 0 });
        const update = (p: RebuildProgress) => {
          const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
          bar.setTotal(Math.max(p.head ?? 0, 1));
          bar.update(p.position ?? 0, { events: p.eventsApplied, rate: Math.round(p.eventsApplied / seconds) });
        };
        await runner.rebuild(name, { onProgress: update, stayLive: false });
        bar.update(bar.getTotal());
      }
      bars.stop();
    });
  });

program
  .command('status')
  .description('show each projection\'s generation, position, lag in events and seconds behind')
  .action(async () => {
    await withRunner(async (runner) => {
      await runner.start();
      console.table(await runner.status());
    });
  });

program
  .command('retry-quarantined')
  .argument('[name]', 'a projection or process manager (default: all)')
  .description('apply the quarantined events again (after a fix), removing those that now apply')
  .action(async (name: string | undefined) => {
    const projections = allProjections().map((p) => p.name);
    await withRunner(async (runner, reads) => {
      await ensureQuarantine(reads);
      const outcomes = name === undefined || projections.includes(name) ? await runner.retryQuarantined(name) : [];
      const managers = Object.keys(await countQuarantined(reads)).filter((c) => !projections.includes(c) && (name === undefined || c === name));
      if (name !== undefined && !projections.includes(name) && managers.length === 0) {
        throw new Error(`Nothing is quarantined for "${name}"; projections: ${projections.join(', ')}`);
      }
      if (managers.length > 0) outcomes.push(...(await askLeaderToRetry(reads, name ?? null)));
      for (const outcome of outcomes) {
        console.log(`${outcome.consumer}: ${outcome.applied} applied, ${outcome.stillFailing.length} still quarantined`);
        for (const failing of outcome.stillFailing) console.log(`  ${failing.id}: ${failing.error}`);
      }
      if (outcomes.some((o) => o.stillFailing.length > 0)) process.exitCode = 2;
    });
  });

/** How long the CLI waits for the leading server to retry the process managers' quarantined events. */
const LEADER_ANSWER_MS = 30_000;

/** Process managers run in the leading server: store a request and wait for its answer. */
async function askLeaderToRetry(reads: ReadStore, consumer: string | null): Promise<RetryOutcome[]> {
  const done = await reads.getMeta<RetryDone>(RETRY_DONE_KEY);
  const request = await reads.getMeta<RetryRequest>(RETRY_REQUEST_KEY);
  const id = Math.max(done?.id ?? 0, request?.id ?? 0) + 1;
  await reads.setMeta<RetryRequest>(RETRY_REQUEST_KEY, { id, consumer });
  const deadline = Date.now() + LEADER_ANSWER_MS;
  while (Date.now() < deadline) {
    const answer = await reads.getMeta<RetryDone>(RETRY_DONE_KEY);
    if (answer && answer.id >= id) return answer.outcomes;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('Process managers run in the leading server, and none answered within 30 s; the request stands and the next leader to start retries them');
}

program.parseAsync().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
