import type { ReadAllOptions, ReadPagesOptions, RecordedEvent } from './event-store';

/** EventStore.readAllPages by readAll, one page at a time: for a store (or a read) that does not read ahead. */
export async function* pagedReadAll(
  readAll: (options: ReadAllOptions) => Promise<RecordedEvent[]>,
  { after, through, filter, pageSize }: ReadPagesOptions & { pageSize: number },
): AsyncGenerator<RecordedEvent[]> {
  let from = after ?? null;
  while (from === null || from < through) {
    const page = await readAll({ after: from, filter, maxCount: pageSize });
    if (page.length === 0) return;
    const last = page.at(-1)!.position;
    if (last > through) {
      const inRange = page.filter((event) => event.position <= through);
      if (inRange.length > 0) yield inRange;
      return;
    }
    yield page;
    from = last;
  }
}
