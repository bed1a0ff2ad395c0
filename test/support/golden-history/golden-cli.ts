import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import { GOLDEN_SEED, generateGoldenHistory } from './golden-history';
import { historyText } from './history-writer';
import { type GoldenExpectation, historySha256, rebuildHistory } from './rebuild-hashes';

/**
 * `npm run golden -- generate --out <file>`: writes a golden history (gzipped when the name ends in
 * .gz). It never overwrites a file: a committed history is never regenerated (CONTRIBUTING.md).
 * `npm run golden -- hashes <file>`: imports a history into fresh stores, rebuilds every projection
 * and prints the read-model hashes as the expected-hashes file holds them.
 */
const program = new Command('golden').description('The golden history every version must replay');

program
  .command('generate')
  .requiredOption('--out <file>', 'where to write it (.ndjson or .ndjson.gz); must not exist')
  .option('--seed <n>', 'the seed', String(GOLDEN_SEED))
  .action(({ out, seed }: { out: string; seed: string }) => {
    if (existsSync(out)) throw new Error(`${out} exists: a golden history is never regenerated; write a new file`);
    const text = historyText(generateGoldenHistory(Number(seed)));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, out.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text);
    console.log(`wrote ${text.split('\n').length - 1} events to ${out}`);
  });

program
  .command('hashes')
  .argument('<file>', 'a history in the export format')
  .action(async (file: string) => {
    const rebuilt = await rebuildHistory(file);
    if (Object.keys(rebuilt.quarantined).length > 0) console.error(`quarantined: ${JSON.stringify(rebuilt.quarantined)}`);
    const expected: GoldenExpectation = {
      history: basename(file), ndjsonSha256: historySha256(file), events: rebuilt.imported.events, streams: rebuilt.imported.streams, readModels: rebuilt.hashes,
    };
    console.log(JSON.stringify(expected, null, 2));
  });

program.parseAsync().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
