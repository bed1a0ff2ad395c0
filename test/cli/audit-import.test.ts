import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GOLDEN_SEED, generateGoldenHistory } from '../support/golden-history/golden-history';
import { historyText } from '../support/golden-history/history-writer';
import { runNode } from '../support/run-node';
import { makeTempDir } from '../support/temp-dir';

/** `npm run audit -- import <file>` as a real process: a history moved into an empty data directory. */
describe('audit import CLI', () => {
  let temp: ReturnType<typeof makeTempDir>;
  const lines = generateGoldenHistory(GOLDEN_SEED).slice(0, 300);
  const streams = new Set(lines.map((line) => line.stream)).size;

  beforeAll(() => {
    temp = makeTempDir('audit-import-');
    writeFileSync(join(temp.dir, 'history.ndjson.gz'), gzipSync(historyText(lines)));
  });
  afterAll(() => temp.cleanup());

  const audit = (...args: string[]) => auditIn('data', ...args);
  const auditIn = (dir: string, ...args: string[]) => runNode('src/cli/audit.ts', args, { DATA_DIR: join(temp.dir, dir), LOG_LEVEL: 'warn' });

  it('imports a gzipped history into an empty store, which then verifies; a second import is refused (exit 2)', async () => {
    const run = await audit('import', join(temp.dir, 'history.ndjson.gz'));

    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(`imported ${lines.length} events in ${streams} streams; rebuild the read models with: npm run projections -- rebuild`);
    expect(run.code).toBe(0);
    expect((await audit('verify')).stdout.trim()).toBe(`verified ${lines.length} events in ${streams} streams`);

    const again = await audit('import', join(temp.dir, 'history.ndjson.gz'));

    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe('The event store already holds events: a history is only imported into an empty store');
  });

  it('names the line it refuses (exit 2)', async () => {
    const file = join(temp.dir, 'broken.ndjson');
    writeFileSync(file, `${historyText(lines.slice(0, 2))}not json\n`);

    const run = await auditIn('other', 'import', file);

    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual(['Line 3 is not an export line', '  line 3: not JSON']);
  });
});
