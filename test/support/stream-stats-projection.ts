import type { Projection } from '../../src/projections/projection';

/**
 * A small projection for testing the runner: per stream, how many events and which types in order;
 * per category, a counter. It reads its own pending writes (reader.get) like real projections do.
 */
export function streamStatsProjection(version = 1): Projection {
  return {
    name: 'streamstats',
    version,
    collections: [
      { name: 'streams', indexes: [{ fields: [['category', 1]] }] },
      { name: 'categories', indexes: [] },
    ],
    filter: { streamPrefixes: ['task-', 'execution-'] },
    async handle(event, reader) {
      const existing = await reader.get<{ id: string; types: string[] }>('streams', event.streamId);
      const category = event.streamId.slice(0, event.streamId.indexOf('-'));
      return [
        {
          op: 'upsert',
          collection: 'streams',
          id: event.streamId,
          doc: { id: event.streamId, category, types: [...(existing?.types ?? []), event.type], lastRevision: event.revision },
        },
        { op: 'inc', collection: 'categories', id: category, fields: { events: 1 }, setOnInsert: { name: category } },
      ];
    },
  };
}
