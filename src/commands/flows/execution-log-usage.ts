import { NotFoundError } from '../../errors/app-error';
import { findExecution } from '../../queries/find-execution';
import type { QueryServices } from '../../queries/query-services';
import type { Clock } from '../../time/clock';

export interface LogUsage {
  lines: number;
  bytes: number;
}

interface Entry extends LogUsage {
  readAt: number;
}

const MAX_ENTRIES = 100_000;
/** How long this process counts on its own tally before it looks at the read model again. */
const REFRESH_MS = 1000;

/**
 * How much log each execution has collected, for the per-execution limit: read from the history read
 * model at most once a second per execution and counted here in between, rather than reading and
 * parsing the execution's document for every line an executor sends. Appends made through another
 * instance show at the next refresh: the limit is soft either way (the read model trails too).
 */
export class ExecutionLogUsage {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly services: QueryServices,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  async get(executionId: string): Promise<LogUsage> {
    const now = this.clock.now().getTime();
    const cached = this.entries.get(executionId);
    if (cached && now - cached.readAt < REFRESH_MS && now >= cached.readAt) return cached;
    const stored = await findExecution(this.services, executionId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null; // not projected yet: nothing logged to count
      throw err;
    });
    const entry: Entry = { lines: stored?.logsCount ?? 0, bytes: stored?.logsBytes ?? 0, readAt: now };
    this.entries.delete(executionId);
    this.entries.set(executionId, entry);
    // Maps iterate in insertion order: the first key is the least recently read.
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  /** Counts an append this process made, until the next refresh. */
  add(executionId: string, usage: LogUsage): void {
    const entry = this.entries.get(executionId);
    if (!entry) return;
    entry.lines += usage.lines;
    entry.bytes += usage.bytes;
  }
}

const usages = new WeakMap<object, ExecutionLogUsage>();

/** The tally of one server (keyed by its read store; tests run several servers). */
export function executionLogUsage(services: QueryServices, clock: Pick<Clock, 'now'>): ExecutionLogUsage {
  let usage = usages.get(services.reads);
  if (!usage) usages.set(services.reads, (usage = new ExecutionLogUsage(services, clock)));
  return usage;
}
