import type { ExportLine } from '../../src/audit/export-line';
import { exportLineText } from '../../src/audit/export-line';
import { importHistory } from '../../src/audit/history-import';
import { ConflictError, ValidationError } from '../../src/errors/app-error';
import type { EventStore } from '../../src/stores/events/event-store';
import { GOLDEN_SEED, generateGoldenHistory } from '../support/golden-history/golden-history';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';

/** Reading a history in the export format into an empty store, every link checked. */
describe('history import', () => {
  // The first events of the golden history: users, projects, tasks and a few hundred executions.
  const lines = generateGoldenHistory(GOLDEN_SEED).slice(0, 600);
  let temp: ReturnType<typeof makeTempDir>;
  let store: EventStore;
  beforeEach(() => {
    temp = makeTempDir('history-import-');
    // Without an upcaster: events read back exactly as stored.
    store = openTestEventStore(temp.dir, { synchronous: 'NORMAL' });
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  async function* texts(of: ExportLine[] | string[]): AsyncIterable<string> {
    for (const line of of) yield typeof line === 'string' ? line : exportLineText(line);
  }

  const refusal = async (of: string[]): Promise<ValidationError> => {
    const error = await importHistory(store, texts(of)).then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  };

  it('keeps every event as it was stored: stream, revision, type, data, metadata, and its chain', async () => {
    const report = await importHistory(store, texts(lines));

    const streams = new Set(lines.map((line) => line.stream));
    expect(report).toEqual({ events: lines.length, streams: streams.size });
    const stored = await store.readAll();
    expect(stored.map(({ streamId, revision, type, data, metadata }) => ({ stream: streamId, revision, type, data, metadata }))).toEqual(
      lines.map(({ stream, revision, type, data, metadata }) => ({ stream, revision, type, data, metadata })),
    );
    expect(await store.verifyChain()).toEqual({ events: lines.length, streams: streams.size, unhashed: 0, broken: null });
  });

  it('refuses a store that already holds events', async () => {
    await store.append('task-0d5c4f5e-6f0e-4b4a-9d7e-2f1f3c1b8a10', [testEvent('TaskCreated')], 'no_stream');

    await expect(importHistory(store, texts(lines))).rejects.toThrow(ConflictError);
    expect(await store.readAll()).toHaveLength(1);
  });

  it('names a changed line, and stores nothing from it on', async () => {
    const text = lines.map(exportLineText);
    const changed = 40;
    text[changed - 1] = text[changed - 1]!.replace(/"occurredAt":"2026-01-0(\d)/, (_m, day: string) => `"occurredAt":"2026-01-0${(Number(day) + 1) % 10}`);

    const error = await refusal(text);

    expect(error.message).toBe(`Line ${changed} (${lines[changed - 1]!.stream} revision ${lines[changed - 1]!.revision}) cannot be imported`);
    expect(error.details![0]).toMatch(new RegExp(`^line ${changed}: hash [0-9a-f]{64} is not the SHA-256 of its canonical bytes \\([0-9a-f]{64}\\): the line was changed$`));
    expect(await store.readAll()).toHaveLength(changed - 1);
  });

  it('names a line whose stream misses the event before it', async () => {
    const stream = lines.find((line) => line.revision === 2)!.stream;
    const gone = lines.findIndex((line) => line.stream === stream && line.revision === 1);
    const next = lines.findIndex((line) => line.stream === stream && line.revision === 2);

    const error = await refusal(lines.filter((_, i) => i !== gone).map(exportLineText));

    expect(error.details).toEqual([`line ${next}: revision 2 does not follow its stream's previous line (expected 1)`]);
  });

  it("names a line whose previous hash is not its stream's previous line's hash", async () => {
    const index = lines.findIndex((line) => line.revision === 1);
    const text = lines.map((line, i) => exportLineText(i === index ? { ...line, previousHash: 'ab'.repeat(32) } : line));

    const error = await refusal(text);

    expect(error.details).toEqual([`line ${index + 1}: previousHash ${'ab'.repeat(32)} is not the hash of its stream's previous line (${lines[index]!.previousHash})`]);
  });

  it('names a line that is not an export line', async () => {
    const error = await refusal([exportLineText(lines[0]!), '{"position":"2"']);

    expect(error.details).toEqual(['line 2: not JSON']);
  });
});
