import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { ConflictError, ValidationError } from '../errors/app-error';
import type { EventMetadata, EventStore, NewEvent } from '../stores/events/event-store';
import { canonicalJson, chainHash } from '../stores/events/event-chain';
import { type ExportLine, parseExportLine } from './export-line';

/**
 * Reads a history in the export format (export-line.ts) into an EMPTY event store: every event keeps
 * its stream, revision, type, data and metadata exactly as stored (older schema versions stay older:
 * readers upcast them), appended in the file's order with each stream's exact expected revision. Each
 * line's link is checked before anything of it is written: its revision follows its stream's previous
 * line, its `previousHash` is that line's `hash`, and its `hash` is what its canonical bytes give. The
 * store then hashes the event itself from the same bytes, so the imported chain is the file's chain.
 * Positions are the new store's own (`$all` order is kept, not the numbers); tombstones are not part
 * of the format. A refused line is named (ValidationError); the events before it are in the store.
 */
export interface ImportReport {
  events: number;
  streams: number;
}

export interface ImportOptions {
  /** Called every few thousand events with the events imported so far. */
  onProgress?: (imported: number) => void;
}

const PROGRESS_EVERY = 2_000;

interface Batch {
  stream: string;
  /** Revision of its first event. */
  from: number;
  events: NewEvent[];
}

export async function importHistory(store: EventStore, lines: AsyncIterable<string>, options: ImportOptions = {}): Promise<ImportReport> {
  if ((await store.headPosition()) !== null) {
    throw new ConflictError('The event store already holds events: a history is only imported into an empty store');
  }
  const streams = new Map<string, { revision: number; hash: string }>();
  let pending = null as Batch | null;
  let events = 0;
  const append = async (batch: Batch) => {
    await store.append(batch.stream, batch.events, batch.from === 0 ? 'no_stream' : batch.from - 1);
    const before = events;
    events += batch.events.length;
    if (Math.floor(events / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY)) options.onProgress?.(events);
  };
  let lastPosition: bigint | null = null;
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    let line: ExportLine;
    let hash: string;
    try {
      line = parseExportLine(text, lineNumber);
      lastPosition = checkOrder(line, lineNumber, lastPosition);
      hash = checkLink(line, lineNumber, streams.get(line.stream));
    } catch (err) {
      // Everything before the refused line is stored, so the report of what was imported is exact.
      if (pending) await append(pending);
      throw err;
    }
    streams.set(line.stream, { revision: line.revision, hash });
    const event: NewEvent = { type: line.type, data: line.data, metadata: line.metadata as unknown as EventMetadata };
    // Consecutive lines of one stream go in one append (as they were most likely written).
    if (pending?.stream === line.stream) pending.events.push(event);
    else {
      if (pending) await append(pending);
      pending = { stream: line.stream, from: line.revision, events: [event] };
    }
  }
  if (pending) await append(pending);
  return { events, streams: streams.size };
}

/** The lines of an export file, gunzipped when its name ends in `.gz`. */
export function readHistoryLines(file: string): AsyncIterable<string> {
  const input = createReadStream(file);
  return createInterface({ input: file.endsWith('.gz') ? input.pipe(createGunzip()) : input, crlfDelay: Infinity });
}

function refuse(lineNumber: number, line: ExportLine, rule: string): never {
  throw new ValidationError(`Line ${lineNumber} (${line.stream} revision ${line.revision}) cannot be imported`, [`line ${lineNumber}: ${rule}`]);
}

/** Lines come in `$all` order: each position after the one before (compared as integers when they are). */
function checkOrder(line: ExportLine, lineNumber: number, last: bigint | null): bigint | null {
  if (!/^\d+$/.test(line.position)) return last;
  const position = BigInt(line.position);
  if (last !== null && position <= last) refuse(lineNumber, line, `position ${line.position} is not after the previous line's ${last}`);
  return position;
}

/** The line's hash, once its revision, its previous hash and its own hash hold. */
function checkLink(line: ExportLine, lineNumber: number, previous: { revision: number; hash: string } | undefined): string {
  const expectedRevision = previous ? previous.revision + 1 : 0;
  if (line.revision !== expectedRevision) {
    refuse(lineNumber, line, `revision ${line.revision} does not follow its stream's previous line (expected ${expectedRevision})`);
  }
  const expectedPrevious = previous?.hash ?? null;
  if (line.previousHash !== expectedPrevious) {
    refuse(lineNumber, line, `previousHash ${line.previousHash} is not the hash of its stream's previous line (${expectedPrevious})`);
  }
  if (line.hash === null) refuse(lineNumber, line, 'no hash (stored before the hash chain began): its link cannot be checked');
  const computed = chainHash(
    expectedPrevious === null ? null : Buffer.from(expectedPrevious, 'hex'),
    line.stream,
    line.revision,
    line.type,
    canonicalJson(line.data) ?? 'null',
    canonicalJson(line.metadata) ?? 'null',
  ).toString('hex');
  if (computed !== line.hash) refuse(lineNumber, line, `hash ${line.hash} is not the SHA-256 of its canonical bytes (${computed}): the line was changed`);
  return line.hash;
}
