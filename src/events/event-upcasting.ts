import type { Logger } from '../logging/logger';
import type { EventUpcaster, Position, RecordedEvent } from '../stores/events/event-store';
import { EVENT_SCHEMAS, type EventSchema } from './event-schemas';
import type { JsonObject } from './json';
import type { Upcaster } from './upcasters/upcaster';

/**
 * Why an event reached readers in its stored shape: a type this build does not know, a version newer
 * than it knows (written by a newer build sharing the store), or an upcaster that failed (a bug).
 * Readers skip types they do not know; such events are counted and warned about, never a crash.
 */
export type UnknownEventReason = 'unknown_type' | 'newer_version' | 'upcast_failed';

export interface UnknownEventCount {
  type: string;
  reason: UnknownEventReason;
  /** Distinct events (by position) met since the process started. */
  count: number;
}

export interface UnknownEventNotice {
  type: string;
  reason: UnknownEventReason;
  version: number;
  streamId: string;
  position: Position;
  error?: unknown;
  /** The first event of this type and reason met: the one to warn about (later ones are only counted). */
  first: boolean;
}

/** Past this many remembered positions, unknown events are counted without checking for repeats. */
const REMEMBERED_POSITIONS = 100_000;

interface Chain {
  version: number;
  /** `steps[n]`: version n → n + 1. */
  steps: Upcaster[];
}

/**
 * The registry applied: maps (event type, stored version) to the chain of upcasters that brings the
 * event to its current version, with `schemaVersion` set to that version; unknown fields survive. An
 * event already current is returned as is (a lookup and a comparison: the hot path of every read).
 * One instance per reading thread; it counts the unknown events that thread's readers met.
 */
export class EventUpcasting implements EventUpcaster {
  private readonly chains = new Map<string, Chain>();
  private readonly counted = new Set<Position>();
  private readonly counts = new Map<string, UnknownEventCount>();

  constructor(
    private readonly notice: (notice: UnknownEventNotice) => void = () => {},
    schemas: Readonly<Record<string, EventSchema>> = EVENT_SCHEMAS,
  ) {
    for (const [type, schema] of Object.entries(schemas)) this.chains.set(type, chainOf(type, schema));
  }

  upcast(event: RecordedEvent): RecordedEvent {
    const chain = this.chains.get(event.type);
    const stored = event.metadata?.schemaVersion;
    if (chain !== undefined && stored === chain.version) return event;
    return this.upcastOlder(event, chain, Number.isSafeInteger(stored) && stored >= 1 ? stored : 1);
  }

  /** What was met and not upcast, by type and reason. */
  unknownEvents(): UnknownEventCount[] {
    return [...this.counts.values()].map((entry) => ({ ...entry }));
  }

  private upcastOlder(event: RecordedEvent, chain: Chain | undefined, stored: number): RecordedEvent {
    if (chain === undefined) return this.unknown(event, 'unknown_type', stored);
    if (stored > chain.version) return this.unknown(event, 'newer_version', stored);
    if (stored === chain.version || !isObject(event.data)) return event;
    try {
      let data = event.data;
      for (let version = stored; version < chain.version; version++) data = chain.steps[version]!(data);
      return { ...event, data, metadata: { ...event.metadata, schemaVersion: chain.version } };
    } catch (error) {
      return this.unknown(event, 'upcast_failed', stored, error);
    }
  }

  private unknown(event: RecordedEvent, reason: UnknownEventReason, version: number, error?: unknown): RecordedEvent {
    if (this.counted.has(event.position)) return event;
    if (this.counted.size < REMEMBERED_POSITIONS) this.counted.add(event.position);
    const key = `${reason}\u0000${event.type}`;
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { type: event.type, reason, count: 1 });
    this.notice({ type: event.type, reason, version, streamId: event.streamId, position: event.position, first: !entry, ...(error ? { error } : {}) });
    return event;
  }
}

const WARNINGS: Record<UnknownEventReason, string> = {
  unknown_type: 'an event of a type this version does not know: every reader skips it (written by a newer version?)',
  newer_version: 'an event written by a newer version of Cron Observer: readers see it as stored; upgrade every instance sharing the store',
  upcast_failed: 'an event could not be brought to its current version: readers see it as stored (a bug in its upcaster)',
};

/**
 * The server's upcasting: warns once per event type and reason (later ones are only counted, see
 * /health and /metrics) and tells `counted` whenever the counts change.
 */
export function loggedUpcasting(logger: Logger, counted: () => void = () => {}): EventUpcasting {
  return new EventUpcasting((notice) => {
    if (notice.first) {
      const { first: _first, error, ...event } = notice;
      logger.warn({ ...event, ...(error ? { err: error } : {}) }, WARNINGS[notice.reason]);
    }
    counted();
  });
}

/** Unknown events met by several threads of one server: per type and reason, the most any of them met. */
export function mergeUnknownEvents(...lists: UnknownEventCount[][]): UnknownEventCount[] {
  const merged = new Map<string, UnknownEventCount>();
  for (const entry of lists.flat()) {
    const key = `${entry.reason}\u0000${entry.type}`;
    const known = merged.get(key);
    if (!known || known.count < entry.count) merged.set(key, { ...entry });
  }
  return [...merged.values()].sort((a, b) => a.type.localeCompare(b.type) || a.reason.localeCompare(b.reason));
}

function chainOf(type: string, schema: EventSchema): Chain {
  const steps: Upcaster[] = [];
  for (let version = 1; version < schema.version; version++) {
    const step = schema.upcasters?.[version];
    if (!step) throw new Error(`Event ${type} is at version ${schema.version} but has no upcaster from version ${version}`);
    steps[version] = step;
  }
  return { version: schema.version, steps };
}

function isObject(data: unknown): data is JsonObject {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}
