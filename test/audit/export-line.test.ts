import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { type ExportLine, exportLineText, parseExportLine } from '../../src/audit/export-line';
import { ValidationError } from '../../src/errors/app-error';
import { canonicalJson, chainHash } from '../../src/stores/events/event-chain';

const metadata = { eventId: 'e1', occurredAt: '2026-12-04T09:00:00.000Z', actor: 'user:u1', correlationId: 'c1', causationId: 'c0', schemaVersion: 1 };

function line(previousHash: string | null): ExportLine {
  const data = { z: 1, a: { y: [1, 'two'], b: null }, name: 'nightly "report"' };
  const hash = chainHash(previousHash === null ? null : Buffer.from(previousHash, 'hex'), 'task-1', previousHash === null ? 0 : 1, 'TaskCreated', canonicalJson(data)!, canonicalJson(metadata)!);
  return { position: '42', stream: 'task-1', revision: previousHash === null ? 0 : 1, type: 'TaskCreated', data, metadata, previousHash, hash: hash.toString('hex') };
}

describe('export lines', () => {
  it('write canonical data and metadata, and read back to the same line', () => {
    const first = line(null);
    const text = exportLineText(first);
    expect(text).toContain('"data":{"a":{"b":null,"y":[1,"two"]},"name":"nightly \\"report\\"","z":1}');
    expect(parseExportLine(text, 1)).toEqual(first);
  });

  it('hash to what the line says once position and hash are dropped (the offline recipe)', () => {
    for (const l of [line(null), line(line(null).hash)]) {
      const { position: _position, hash, ...hashed } = JSON.parse(exportLineText(l)) as ExportLine;
      expect(createHash('sha256').update(canonicalize(hashed)!).digest('hex')).toBe(hash);
    }
  });

  it.each([
    ['not json', 'not JSON'],
    ['[1]', 'not a JSON object'],
    ['{"position":"1","stream":"s","revision":-1,"type":"T","data":{},"metadata":{},"previousHash":null,"hash":null}', 'revision: must be an integer ≥ 0'],
    ['{"position":"1","stream":"s","revision":0,"type":"T","data":{},"metadata":[],"previousHash":null,"hash":null}', 'metadata: must be an object'],
    ['{"position":"1","stream":"s","revision":0,"type":"T","data":{},"metadata":{},"previousHash":null,"hash":"ABC"}', 'hash: must be 64 lowercase hex digits or null'],
    ['{"position":"1","stream":"s","revision":0,"type":"T","data":{},"metadata":{},"previousHash":null,"hash":null,"extra":1}', 'unknown field "extra"'],
  ])('refuses %s, naming the line and the rule', (text, rule) => {
    try {
      parseExportLine(text, 7);
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).details).toEqual([`line 7: ${rule}`]);
    }
  });
});
