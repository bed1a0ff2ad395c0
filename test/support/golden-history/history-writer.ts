import { exportLineText, type ExportLine } from '../../../src/audit/export-line';
import { schemaVersionOf } from '../../../src/events/event-schemas';
import type { AnyDomainEvent } from '../../../src/events';
import type { EventMetadata } from '../../../src/stores/events/event-store';
import { canonicalJson, chainHash } from '../../../src/stores/events/event-chain';
import { seededRandom } from '../seeded-random';

/** An event as written: a catalogued one, or one in an older (or store-internal) shape with its version. */
export type WrittenEvent = AnyDomainEvent | { type: string; data: Record<string, unknown>; schemaVersion: number };

/** Who writes, and when; correlation and causation default to one fresh id for the append. */
export interface WriteContext {
  actor: string;
  at: Date;
  correlationId?: string;
  causationId?: string;
}

interface PendingAppend {
  seq: number;
  stream: string;
  at: number;
  events: Array<{ type: string; data: unknown; metadata: EventMetadata }>;
}

const REF = '\u0000append:';

/**
 * A history written in memory as the store would hold it: each event with its stream, revision, its
 * metadata as a command writes it, and its link in the stream's hash chain (the same function the
 * store hashes with). The generator simulates one thing after another (a whole execution, then the
 * next), so appends are put in `$all` order by their instant when the history is finished, as
 * concurrent writers would have interleaved them; an append's position, which later events may name
 * (`sourcePosition`, `requestPosition`), is known only then and is referred to until then by
 * `lastAppend()`. Every id comes from the seed, so a seed gives one history.
 */
export class HistoryWriter {
  private readonly appends: PendingAppend[] = [];
  readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  /** A version 4 UUID from the seed. */
  id(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16));
    hex[12] = '4';
    hex[16] = '89ab'[Math.floor(this.random() * 4)]!;
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** Hex of `bytes` random bytes from the seed (token hashes, secrets). */
  hex(bytes: number): string {
    return Array.from({ length: bytes * 2 }, () => Math.floor(this.random() * 16).toString(16)).join('');
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  /** Appends to one stream, like one command's append; returns a reference to its position (see lastAppend). */
  append(stream: string, events: WrittenEvent[], context: WriteContext): string {
    const causation = context.causationId ?? this.id();
    this.appends.push({
      seq: this.appends.length,
      stream,
      at: context.at.getTime(),
      events: events.map((event) => ({
        type: event.type,
        data: event.data,
        metadata: {
          eventId: this.id(),
          occurredAt: context.at.toISOString(),
          actor: context.actor,
          correlationId: context.correlationId ?? causation,
          causationId: causation,
          schemaVersion: 'schemaVersion' in event ? event.schemaVersion : schemaVersionOf(event.type),
        },
      })),
    });
    return this.lastAppend();
  }

  /** The event id of the latest append's last event (what an event it causes names as its causation). */
  lastEventId(): string {
    return this.appends.at(-1)!.events.at(-1)!.metadata.eventId;
  }

  /** Stands for the position (decimal string) of the last event of the latest append, in event data. */
  lastAppend(): string {
    return `${REF}${this.appends.length - 1}`;
  }

  /** The history in `$all` order, chained. Refuses a stream whose appends go back in time (they could not be ordered). */
  finish(): ExportLine[] {
    const lastAt = new Map<string, number>();
    for (const append of this.appends) {
      if ((lastAt.get(append.stream) ?? -Infinity) > append.at) {
        throw new Error(`${append.stream}: append ${append.seq} at ${new Date(append.at).toISOString()} is earlier than the stream's previous one (${new Date(lastAt.get(append.stream)!).toISOString()})`);
      }
      lastAt.set(append.stream, append.at);
    }
    const ordered = [...this.appends].sort((a, b) => a.at - b.at || a.seq - b.seq);
    const positionOf = new Map<number, number>();
    let position = 0;
    for (const append of ordered) positionOf.set(append.seq, (position += append.events.length));
    const streams = new Map<string, { revision: number; hash: string }>();
    const lines: ExportLine[] = [];
    for (const append of ordered) {
      for (const event of append.events) {
        const data = resolveReferences(event.data, positionOf);
        const previous = streams.get(append.stream);
        const revision = previous ? previous.revision + 1 : 0;
        const hash = chainHash(
          previous ? Buffer.from(previous.hash, 'hex') : null,
          append.stream,
          revision,
          event.type,
          canonicalJson(data)!,
          canonicalJson(event.metadata)!,
        ).toString('hex');
        lines.push({ position: String(lines.length + 1), stream: append.stream, revision, type: event.type, data, metadata: { ...event.metadata }, previousHash: previous?.hash ?? null, hash });
        streams.set(append.stream, { revision, hash });
      }
    }
    return lines;
  }
}

/** Top-level fields of event data holding a `lastAppend()` reference get that append's position. */
function resolveReferences(data: unknown, positionOf: Map<number, number>): unknown {
  if (typeof data !== 'object' || data === null) return data;
  const resolved: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const [key, value] of Object.entries(resolved)) {
    if (typeof value === 'string' && value.startsWith(REF)) {
      const position = positionOf.get(Number(value.slice(REF.length)));
      if (position === undefined) throw new Error(`${key}: refers to an append that does not exist`);
      resolved[key] = String(position);
    }
  }
  return resolved;
}

/** The export file's text: one line per event. */
export function historyText(lines: ExportLine[]): string {
  return lines.map((line) => `${exportLineText(line)}\n`).join('');
}
