import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { loadConfig } from '../config/config';

/**
 * `npm run backup -- <file>`: a consistent online copy of the embedded event store, taken with SQLite's
 * backup API while the server keeps running. Read models are not copied: they are rebuilt from the
 * events when a server starts on the restored file.
 */
const program = new Command('backup')
  .argument('<file>', 'where to write the copy of events.db')
  .description('copy the embedded event store while the server runs')
  .action(async (file: string) => {
    const config = loadConfig();
    if (config.eventStoreUrl) throw new Error('EVENTSTORE_URL is set: back up EventStoreDB with its own tools (see README)');
    const source = join(config.dataDir, 'events.db');
    if (!existsSync(source)) throw new Error(`No embedded event store at ${source} (DATA_DIR=${config.dataDir})`);
    const target = resolve(file);
    if (existsSync(target)) throw new Error(`${target} already exists; choose a new file`);
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      await db.backup(target, {
        progress: ({ totalPages, remainingPages }) => {
          process.stderr.write(`\rcopied ${totalPages - remainingPages}/${totalPages} pages`);
          return 1000;
        },
      });
      const copy = new Database(target, { readonly: true });
      const { events } = copy.prepare('SELECT count(*) AS events FROM events').get() as { events: number };
      copy.close();
      process.stderr.write(`\n`);
      console.log(`Backed up ${events} events to ${target}`);
    } finally {
      db.close();
    }
  });

program.parseAsync().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
