import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { EVENT_SCHEMAS } from '../../src/events/event-schemas';
import { EventUpcasting } from '../../src/events/event-upcasting';
import type { EventUpcaster, RecordedEvent } from '../../src/stores/events/event-store';
import { allProjections } from '../../src/projections/all-projections';
import { generateGoldenHistory } from '../support/golden-history/golden-history';
import { historyText } from '../support/golden-history/history-writer';
import { type GoldenExpectation, historySha256, type RebuiltHistory, rebuildHistory } from '../support/golden-history/rebuild-hashes';

/**
 * The golden histories (README, "A history every version replays"): committed files in the export
 * format that every version must import and rebuild to exactly the read models recorded beside them.
 * When a change alters a read model on purpose, its expected hash changes in the same commit, with a
 * line in CHANGELOG.md saying why. A history file itself never changes (its SHA-256 is checked).
 */
const DIR = join(__dirname, '..', 'fixtures', 'golden-history');
const expectations: GoldenExpectation[] = readdirSync(DIR)
  .filter((name) => name.endsWith('.expected.json'))
  .sort()
  .map((name) => JSON.parse(readFileSync(join(DIR, name), 'utf8')) as GoldenExpectation);

describe('golden histories', () => {
  it('are there', () => {
    expect(expectations.map((e) => e.history)).toContain('history-1.ndjson.gz');
  });

  describe.each(expectations.map((e) => [e.history, e] as const))('%s', (_name, expected) => {
    const file = join(DIR, expected.history);
    let rebuilt: RebuiltHistory;
    beforeAll(async () => {
      rebuilt = await rebuildHistory(file);
    });

    it('is the history that was committed (never regenerated)', () => {
      expect(historySha256(file)).toBe(expected.ndjsonSha256);
    });

    it('imports with every hash link holding', () => {
      expect(rebuilt.imported).toEqual({ events: expected.events, streams: expected.streams });
      expect(rebuilt.chain).toEqual({ events: expected.events, streams: expected.streams, unhashed: 0, broken: null });
    });

    it('rebuilds every read model to its recorded hash, with no event quarantined', () => {
      expect(rebuilt.quarantined).toEqual({});
      // Every projection of this build, and only those: a new projection adds its hash here (and a CHANGELOG line).
      expect(Object.keys(rebuilt.hashes).sort()).toEqual(allProjections().map((p) => p.name).sort());
      expect(rebuilt.hashes).toEqual(expected.readModels);
    });
  });

  it('hold every event type of the registry, and ExecutionMissed as version 1 wrote it', () => {
    const seen = new Map<string, Set<number>>();
    for (const { history } of expectations) {
      const bytes = readFileSync(join(DIR, history));
      for (const text of (history.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8').split('\n')) {
        if (text === '') continue;
        const line = JSON.parse(text) as { type: string; metadata: { schemaVersion: number } };
        seen.set(line.type, (seen.get(line.type) ?? new Set()).add(line.metadata.schemaVersion));
      }
    }
    // A new event type fails here until a new history holding it is added (CONTRIBUTING.md, "The golden history").
    expect(Object.keys(EVENT_SCHEMAS).filter((type) => !seen.has(type))).toEqual([]);
    // So does a new version of an event: the history keeps the older one, and gains the new one.
    for (const [type, schema] of Object.entries(EVENT_SCHEMAS)) {
      for (let version = 1; version <= schema.version; version++) expect([type, seen.get(type)?.has(version)]).toEqual([type, true]);
    }
  });

  it('would catch a lost upcaster: without ExecutionMissed 1 → 2 the read models differ', async () => {
    const [expected] = expectations;
    // Removed outright, the registry refuses to start: version 2 with no step from version 1.
    expect(() => new EventUpcasting(() => {}, { ...EVENT_SCHEMAS, ExecutionMissed: { version: 2 } })).toThrow(/no upcaster from version 1/);
    // Replaced by a step that does nothing, version 1 events reach readers without their cause.
    const hollow = new EventUpcasting(() => {}, { ...EVENT_SCHEMAS, ExecutionMissed: { version: 2, upcasters: { 1: (data) => data } } });
    const rebuilt = await rebuildHistory(join(DIR, expected!.history), hollow);
    expect(rebuilt.hashes.history).not.toBe(expected!.readModels.history);
  });

  it("rebuild as recorded when projections that read no metadata get only its schema version, and they look at nothing else of it", async () => {
    const [expected] = expectations;
    const guard = new MetadataGuard(new EventUpcasting());
    const rebuilt = await rebuildHistory(join(DIR, expected!.history), guard);
    // Their reads were lean (the guard saw such events), and no projection looked past the schema version.
    expect(guard.lean).toBeGreaterThan(expected!.events);
    expect([...guard.looked]).toEqual([]);
    expect(rebuilt.hashes).toEqual(expected!.readModels);
  });

  it('are generated from a seed: one seed, one history', () => {
    expect(historyText(generateGoldenHistory(7))).toBe(historyText(generateGoldenHistory(7)));
  });
});

/**
 * The registry's upcaster, which then notes every metadata field read of an event that came without
 * metadata (StreamFilter.withoutMetadata: `{ schemaVersion }` alone) but for the schema version.
 */
class MetadataGuard implements EventUpcaster {
  lean = 0;
  readonly looked = new Set<string>();

  constructor(private readonly inner: EventUpcaster) {}

  upcast(event: RecordedEvent): RecordedEvent {
    const upcast = this.inner.upcast(event);
    if (Object.keys(upcast.metadata).join() !== 'schemaVersion') return upcast;
    this.lean++;
    const looked = this.looked;
    const metadata = new Proxy(upcast.metadata, {
      get(target, key, receiver) {
        if (key !== 'schemaVersion') looked.add(String(key));
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    return { ...upcast, metadata };
  }
}
