import type { EventStore, ReadStoredOptions, StoredEvent } from '../stores/events/event-store';
import { canonicalJson } from '../stores/events/event-chain';
import { type ExportLine, exportLineText } from './export-line';

/**
 * A project's audit export (README, "Audit export"): every stored event as stored, with its chain
 * link, oldest first, as text chunks of a page of events each, so a caller streams it with
 * backpressure and never holds the whole export. NDJSON is one export line per event; CSV has the same
 * content with the metadata an auditor filters on in columns of their own.
 */
export type ExportFormat = 'ndjson' | 'csv';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'csv'];

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export const CSV_COLUMNS = [
  'position',
  'stream',
  'revision',
  'type',
  'occurred_at',
  'actor',
  'correlation_id',
  'causation_id',
  'schema_version',
  'previous_hash',
  'hash',
  'data',
  'metadata',
] as const;

export async function* auditExport(events: EventStore, options: ReadStoredOptions, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield csvRecord(CSV_COLUMNS);
  for await (const page of events.readStored(options)) {
    let chunk = '';
    for (const event of page) chunk += format === 'csv' ? csvRecord(csvFields(event)) : `${exportLineText(toExportLine(event))}\n`;
    yield chunk;
  }
}

export function toExportLine(event: StoredEvent): ExportLine {
  return { ...event, position: String(event.position) };
}

function csvFields(event: StoredEvent): string[] {
  const { metadata } = event;
  const text = (value: unknown): string => (value === undefined || value === null ? '' : typeof value === 'string' ? value : (canonicalJson(value) ?? ''));
  return [
    String(event.position),
    event.stream,
    String(event.revision),
    event.type,
    text(metadata.occurredAt),
    text(metadata.actor),
    text(metadata.correlationId),
    text(metadata.causationId),
    text(metadata.schemaVersion),
    event.previousHash ?? '',
    event.hash ?? '',
    canonicalJson(event.data) ?? 'null',
    canonicalJson(metadata) ?? 'null',
  ];
}

/** One RFC 4180 record: a field holding a quote, comma or line break is quoted, its quotes doubled; CRLF ends it. */
function csvRecord(fields: readonly string[]): string {
  return `${fields.map((field) => (/[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field)).join(',')}\r\n`;
}
