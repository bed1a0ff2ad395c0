import { ValidationError } from '../errors/app-error';
import { canonicalJson } from '../stores/events/event-chain';
import type { StoredEvent } from '../stores/events/event-store';

/**
 * One event as an audit export (and the golden history) holds it, one JSON object per line (NDJSON):
 * the event exactly as stored, with its link in the hash chain. Dropping `position` and `hash` leaves
 * exactly the object whose canonical JSON (RFC 8785) the hash is the SHA-256 of, so each line can be
 * checked offline on its own, and `previousHash` against the line before it of the same stream.
 */
/** A stored event with its position as text (a store's positions need not fit a JSON number). */
export type ExportLine = Omit<StoredEvent, 'position'> & { position: string };

const HEX_HASH = /^[0-9a-f]{64}$/;
const FIELDS = ['position', 'stream', 'revision', 'type', 'data', 'metadata', 'previousHash', 'hash'] as const;

/** The line's text (no newline), fields in a fixed order, data and metadata canonical. */
export function exportLineText(line: ExportLine): string {
  return (
    `{"position":${JSON.stringify(line.position)},"stream":${JSON.stringify(line.stream)},"revision":${line.revision},` +
    `"type":${JSON.stringify(line.type)},"data":${canonicalJson(line.data) ?? 'null'},"metadata":${canonicalJson(line.metadata) ?? 'null'},` +
    `"previousHash":${JSON.stringify(line.previousHash)},"hash":${JSON.stringify(line.hash)}}`
  );
}

/** Reads one line back; ValidationError naming the line and the field when it is not an export line. */
export function parseExportLine(text: string, lineNumber: number): ExportLine {
  const refuse = (rule: string): never => {
    throw new ValidationError(`Line ${lineNumber} is not an export line`, [`line ${lineNumber}: ${rule}`]);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('not a JSON object');
  const line = value as Record<string, unknown>;
  const unknown = Object.keys(line).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) refuse(`unknown field ${JSON.stringify(unknown[0]!.slice(0, 32))}`);
  if (typeof line.position !== 'string') refuse('position: must be a string');
  if (typeof line.stream !== 'string' || line.stream.length === 0) refuse('stream: must be a non-empty string');
  if (!Number.isSafeInteger(line.revision) || (line.revision as number) < 0) refuse('revision: must be an integer ≥ 0');
  if (typeof line.type !== 'string' || line.type.length === 0) refuse('type: must be a non-empty string');
  if (!('data' in line)) refuse('data: missing');
  if (typeof line.metadata !== 'object' || line.metadata === null || Array.isArray(line.metadata)) refuse('metadata: must be an object');
  for (const field of ['previousHash', 'hash'] as const) {
    const hash = line[field];
    if (hash !== null && (typeof hash !== 'string' || !HEX_HASH.test(hash))) refuse(`${field}: must be 64 lowercase hex digits or null`);
  }
  return line as unknown as ExportLine;
}
