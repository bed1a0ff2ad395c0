import { ValidationError } from '../../src/errors/app-error';
import type { LogLine } from '../../src/events/execution-log-events';
import { executionLogStream, executionStream } from '../../src/events/streams';
import { historyProjection } from '../../src/projections/history-projection';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { lastLogLines, type LogOrder, logLinesPage } from '../../src/queries/log-lines';
import type { QueryServices } from '../../src/queries/query-services';
import type { EventStore } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';

const ref = { taskId: 't1', projectId: 'p1' };
const RECEIVED = '2026-01-01T00:01:00.000Z';

/**
 * Log pages over the chunked read model (one chunk per batch received): pages must cut chunks anywhere,
 * in both orders, and cursors must hold while lines keep arriving.
 */
describe('log pages', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;
  let reads: ReadStore;
  let services: QueryServices;
  let runner: ProjectionRunner;
  /** Lines appended so far, per execution (the next line's number). */
  const appended = new Map<string, number>();

  beforeEach(async () => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
    reads = await openTestReadStore(temp.dir);
    const registry = new ProjectionRegistry(reads);
    services = { reads, registry };
    runner = new ProjectionRunner([historyProjection], events, reads, registry, silentLogger);
    await runner.start();
    appended.clear();
  });
  afterEach(async () => {
    await runner.stop();
    await events.close();
    await reads.close();
    temp.cleanup();
  });

  async function execution(executionId: string, batches: number[] = []): Promise<void> {
    const createdAt = '2026-01-01T00:00:00.000Z';
    const data = { ...ref, executionId, taskName: 'job', scheduledAt: createdAt, triggerType: 'SCHEDULED', attempt: 1 };
    const more = { executionMode: 'push', timeoutSeconds: null, startDeadlineSeconds: null, createdAt };
    await events.append(executionStream(executionId), [testEvent('ExecutionCreated', { ...data, ...more })], 'no_stream');
    await appendBatches(executionId, batches);
  }

  /** One ExecutionLogsAppended per size; line n of the execution says `line n`. */
  async function appendBatches(executionId: string, sizes: number[]): Promise<void> {
    for (const size of sizes) {
      const first = appended.get(executionId) ?? 0;
      const lines: LogLine[] = Array.from({ length: size }, (_, i) => ({ message: `line ${first + i}`, level: 'info', timestamp: null, receivedAt: RECEIVED }));
      await events.append(executionLogStream(executionId), [testEvent('ExecutionLogsAppended', { ...ref, executionId, lines })], 'any');
      appended.set(executionId, first + size);
    }
    await runner.whenCaughtUp();
  }

  /** Follows the cursors from the first page to the last; answers each page's line numbers. */
  async function pages(executionId: string, order: LogOrder, limit: number): Promise<number[][]> {
    const seen: number[][] = [];
    let cursor: string | undefined;
    do {
      const page = await logLinesPage(services, executionId, { order, limit, cursor });
      for (const line of page.lines) expect(line.message).toBe(`line ${line.seq}`);
      seen.push(page.lines.map((line) => line.seq));
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  }

  const upTo = (count: number) => Array.from({ length: count }, (_, i) => i);

  it('pages across chunk boundaries in both orders, whatever the limit, with no line lost or repeated', async () => {
    const sizes = [3, 1, 5, 2, 7, 1, 4];
    await execution('e1', sizes);
    const total = 23;
    for (const limit of [1, 2, 3, 4, 5, 6, 10, 22, 23, 24, 100]) {
      for (const order of ['asc', 'desc'] as const) {
        const seen = await pages('e1', order, limit);
        expect(seen.flat()).toEqual(order === 'asc' ? upTo(total) : upTo(total).reverse());
        // Full pages but the last, which is never empty (a page ending on the last line has no cursor).
        expect(seen.map((page) => page.length)).toEqual([...Array(Math.ceil(total / limit) - 1).fill(limit), total - limit * (Math.ceil(total / limit) - 1)]);
      }
    }
  });

  it('answers lines in the shape of the API, and the last lines oldest first', async () => {
    await execution('e1', [4, 4]);
    const [first] = (await logLinesPage(services, 'e1', { order: 'asc', limit: 1 })).lines;
    expect(first).toEqual({ seq: 0, attempt: 1, message: 'line 0', level: 'info', timestamp: null, receivedAt: RECEIVED });
    expect((await lastLogLines(services, 'e1', 5)).map((line) => line.seq)).toEqual([3, 4, 5, 6, 7]);
    expect((await lastLogLines(services, 'e1', 100)).map((line) => line.seq)).toEqual(upTo(8));
  });

  it('reads many small chunks, and chunks larger than a page', async () => {
    await execution('small', Array(250).fill(1));
    await execution('large', [1000, 1000]);
    for (const order of ['asc', 'desc'] as const) {
      expect((await pages('small', order, 100)).map((page) => page.length)).toEqual([100, 100, 50]);
      const large = await pages('large', order, 300);
      expect(large.flat()).toEqual(order === 'asc' ? upTo(2000) : upTo(2000).reverse());
    }
  });

  it('keeps cursors valid while lines arrive: asc goes on into them, desc never sees them', async () => {
    await execution('e1', [3, 3]);
    const asc = await logLinesPage(services, 'e1', { order: 'asc', limit: 4 });
    const desc = await logLinesPage(services, 'e1', { order: 'desc', limit: 4 });
    await appendBatches('e1', [2, 5]);

    const ascRest: number[] = [];
    for (let cursor = asc.nextCursor; cursor; ) {
      const page = await logLinesPage(services, 'e1', { order: 'asc', limit: 4, cursor });
      ascRest.push(...page.lines.map((line) => line.seq));
      cursor = page.nextCursor;
    }
    expect([...asc.lines.map((line) => line.seq), ...ascRest]).toEqual(upTo(13));

    const descRest = await logLinesPage(services, 'e1', { order: 'desc', limit: 4, cursor: desc.nextCursor });
    expect([...desc.lines, ...descRest.lines].map((line) => line.seq)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(descRest.nextCursor).toBeUndefined();
  });

  it('answers an empty page for an execution without lines, or unknown', async () => {
    await execution('quiet');
    expect(await logLinesPage(services, 'quiet', { order: 'desc', limit: 10 })).toEqual({ lines: [] });
    expect(await logLinesPage(services, 'nobody', { order: 'asc', limit: 10 })).toEqual({ lines: [] });
    expect(await lastLogLines(services, 'quiet', 100)).toEqual([]);
  });

  it('refuses a mangled cursor, or one of the other order', async () => {
    await execution('e1', [5]);
    const { nextCursor } = await logLinesPage(services, 'e1', { order: 'asc', limit: 2 });
    await expect(logLinesPage(services, 'e1', { order: 'desc', limit: 2, cursor: nextCursor })).rejects.toThrow(ValidationError);
    for (const cursor of ['garbage', Buffer.from('{"o":"asc","s":-1}').toString('base64url'), Buffer.from('[1]').toString('base64url')]) {
      await expect(logLinesPage(services, 'e1', { order: 'asc', limit: 2, cursor })).rejects.toThrow(ValidationError);
    }
  });
});
