import { Command } from 'commander';
import { MultiBar, Presets } from 'cli-progress';
import { loadConfig } from '../config/config';
import { createLogger } from '../logging/logger';
import { allProjections } from '../projections/all-projections';
import { ProjectionRegistry } from '../projections/projection-registry';
import { ProjectionRunner, type RebuildProgress } from '../projections/projection-runner';
import { openStores } from '../stores/open-stores';

/**
 * `npm run projections -- rebuild [name]`: rebuilds beside the live generation (a running server keeps
 * serving the old one and follows the switch), with a progress bar per projection.
 */
async function withRunner<T>(action: (runner: ProjectionRunner) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const { events, reads } = await openStores(config);
  const runner = new ProjectionRunner(allProjections(), events, reads, new ProjectionRegistry(reads), logger);
  try {
    return await action(runner);
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
  .description('show each projection\'s generation, position and lag')
  .action(async () => {
    await withRunner(async (runner) => {
      await runner.start();
      console.table(await runner.status());
    });
  });

program.parseAsync().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
