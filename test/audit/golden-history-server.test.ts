import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config';
import { countQuarantined } from '../../src/quarantine/quarantine-store';
import { startServer } from '../../src/server';
import { importHistory, readHistoryLines } from '../../src/audit/history-import';
import { importAndBuild } from '../support/golden-history/rebuild-hashes';
import { ManualClock } from '../support/manual-clock';
import { makeTempDir } from '../support/temp-dir';
import { waitFor } from '../support/wait-for';
import { openTestEventStore, testEngineEnv } from '../support/test-stores';

/**
 * The golden history (README, "A history every version replays") under a real server: besides the
 * projections (golden-history.test.ts), every process manager of this build (scheduler, dispatcher,
 * deadlines, alerts, deletion, retention …) reads it from position zero, none quarantines an event or
 * meets one it does not know, and none finds anything left to do: what the history's generator wrote is
 * what these writers would have written.
 */
const DIR = join(__dirname, '..', 'fixtures', 'golden-history');
const HISTORIES = readdirSync(DIR).filter((name) => /\.ndjson(\.gz)?$/.test(name)).sort();

describe.each(HISTORIES)('the golden history %s under a running server', (name) => {
  const file = join(DIR, name);
  const loads: Array<[string, (dataDir: string) => Promise<void>]> = [
    // As an operator moves a history: import, rebuild the read models, start the server.
    ['the read models rebuilt first', async (dataDir) => void (await importAndBuild(dataDir, file))],
    // The starting server builds the read models while its process managers go live: none may act on a
    // read model that has not caught up (retention would purge executions purged long ago, again).
    [
      'the events alone, the server building the read models',
      async (dataDir) => {
        const events = openTestEventStore(dataDir);
        await importHistory(events, readHistoryLines(file));
        await events.close();
      },
    ],
  ];

  it.each(loads)('is read by every process manager and projection, from %s: nothing left to do, nothing quarantined', async (_how, load) => {
    const temp = makeTempDir('golden-server-');
    try {
      await load(temp.dir);
      const store = openTestEventStore(temp.dir);
      const [last] = await store.readAll({ after: ((await store.headPosition()) ?? 1) - 1 });
      await store.close();
      // A minute after the history's last event: nothing new is due yet.
      const clock = new ManualClock(new Date(Date.parse(last!.metadata.occurredAt) + 60_000));
      const server = await startServer(loadConfig({ PORT: '0', DATA_DIR: temp.dir, ...testEngineEnv(temp.dir), LOG_LEVEL: 'silent' }), { clock });
      try {
        await waitFor(() => server.processManagers.status().length > 0, { what: 'the process managers to start', timeoutMs: 20_000 });
        await server.services.projections.whenCaughtUp(60_000);
        await server.processManagers.idle();
        await server.services.projections.whenCaughtUp(60_000);

        expect(await countQuarantined(server.services.reads)).toEqual({});
        // Nothing left to do: no manager wrote anything.
        const after = await server.services.events.readAll({ after: last!.position });
        expect(after.map((e) => `${e.streamId} ${e.type} ${JSON.stringify(e.data).slice(0, 300)}`)).toEqual([]);
        expect(server.services.projections.unknownEvents()).toEqual([]);
      } finally {
        await server.close();
      }
    } finally {
      temp.cleanup();
    }
  }, 120_000);
});
