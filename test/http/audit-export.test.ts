import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { parseExportLine, type ExportLine } from '../../src/audit/export-line';
import type { NewEvent } from '../../src/stores/events/event-store';
import type { ApiClient } from '../support/api-client';
import { newSignedInUser, startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createProject, createTask, type TestProject } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

/** GET /projects/{id}/audit/export: the project's stored events with their chain links, streamed, to admins only. */
describe('audit export API', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let other: TestProject;
  let taskId: string;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    project = await createProject(admin);
    other = await createProject(admin);
    taskId = (await createTask(admin, project.id, { description: 'first' })).id;
    await createTask(admin, other.id);
  });
  afterAll(() => server.stop());

  /** The raw answer, as a caller holding `client`'s credentials gets it. */
  async function exportOf(client: ApiClient, query = ''): Promise<{ status: number; text: string; headers: Headers; chunks: number }> {
    const credentials = client.credentials;
    const headers: Record<string, string> = {};
    if (credentials && 'token' in credentials) headers.authorization = `Bearer ${credentials.token}`;
    if (credentials && 'apiKey' in credentials) headers.authorization = credentials.apiKey;
    const response = await fetch(`${server.url}/api/v1/projects/${project.id}/audit/export${query}`, { headers });
    let text = '';
    let chunks = 0;
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) {
      chunks++;
      text += decoder.decode(chunk as Uint8Array, { stream: true });
    }
    return { status: response.status, text, headers: response.headers, chunks };
  }

  const linesOf = (text: string): ExportLine[] =>
    text
      .split('\n')
      .filter((line) => line !== '')
      .map((line, i) => parseExportLine(line, i + 1));

  /** The hash the README defines, computed here with the `canonicalize` package, not the server's serializer. */
  const hashOf = ({ stream, revision, type, data, metadata, previousHash }: ExportLine) =>
    createHash('sha256').update(canonicalize({ stream, revision, type, data, metadata, previousHash })!).digest('hex');

  function probe(type: string, data: Record<string, unknown>, occurredAt: string, schemaVersion = 1): NewEvent {
    const id = randomUUID();
    return { type, data: { projectId: project.id, ...data }, metadata: { eventId: id, occurredAt, actor: 'system:test', correlationId: id, causationId: id, schemaVersion } };
  }

  it('exports every event of the project as stored, one NDJSON line each, with links that check', async () => {
    const { status, text, headers } = await exportOf(admin);

    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(headers.get('content-disposition')).toBe(`attachment; filename="audit-${project.id}.ndjson"`);
    const lines = linesOf(text);
    expect(text.endsWith('\n')).toBe(true);
    expect(lines.map((l) => l.type)).toEqual(expect.arrayContaining(['ProjectCreated', 'ApiKeyCreated', 'TaskCreated']));
    expect(new Set(lines.map((l) => l.stream))).toEqual(new Set([`project-${project.id}`, `task-${taskId}`]));
    const adminId = (await admin.get('/auth/me')).body.user.id;
    expect(lines.find((l) => l.type === 'TaskCreated')!.metadata).toMatchObject({ actor: adminId, correlationId: expect.any(String), causationId: expect.any(String), occurredAt: expect.any(String), schemaVersion: expect.any(Number) });
    for (const [i, line] of lines.entries()) {
      expect(line.hash).toBe(hashOf(line));
      if (i > 0) expect(Number(line.position)).toBeGreaterThan(Number(lines[i - 1]!.position));
    }
    // A whole-history export starts each stream at its beginning.
    const first = new Map<string, ExportLine>();
    for (const line of lines) if (!first.has(line.stream)) first.set(line.stream, line);
    for (const line of first.values()) expect([line.revision, line.previousHash]).toEqual([0, null]);
    expect(text).not.toContain(other.id);
  });

  it('exports an event stored at an older version as stored, not upcast', async () => {
    const stream = `probe-${randomUUID()}`;
    const v1 = { executionId: randomUUID(), taskId, at: '2026-01-01T00:00:00.000Z', reason: 'scheduler offline' };
    await server.services.events.append(stream, [probe('ExecutionMissed', v1, '2026-01-01T00:00:00.000Z')], 'no_stream');
    const [read] = await server.services.events.readStream(stream);
    expect(read!.metadata.schemaVersion).toBe(2); // readers see it upcast…

    const line = linesOf((await exportOf(admin)).text).find((l) => l.stream === stream)!;

    expect(line.metadata.schemaVersion).toBe(1); // …the export as it is stored, which is what the hash covers
    expect(line.data).toEqual({ projectId: project.id, ...v1 });
    expect(line.hash).toBe(hashOf(line));
  });

  it('exports the events that occurred in [from, to), each anchored by its previous hash', async () => {
    const stream = `probe-${randomUUID()}`;
    const days = ['2020-01-01', '2020-01-02', '2020-01-02', '2020-01-03'];
    await server.services.events.append(stream, days.map((day, n) => probe('Probed', { n }, `${day}T12:00:00.000Z`)), 'no_stream');
    const whole = linesOf((await exportOf(admin)).text).filter((l) => l.stream === stream);

    const { status, text } = await exportOf(admin, '?from=2020-01-02T00:00:00Z&to=2020-01-03T00:00:00%2B00:00');

    expect(status).toBe(200);
    const lines = linesOf(text);
    expect(lines.map((l) => [l.stream, l.revision])).toEqual([
      [stream, 1],
      [stream, 2],
    ]);
    expect(lines[0]!.previousHash).toBe(whole[0]!.hash);
    expect(lines[1]!.previousHash).toBe(lines[0]!.hash);
    expect(linesOf((await exportOf(admin, '?from=2020-01-03T12:00:00.000Z&to=2020-01-03T12:00:00.001Z')).text).map((l) => l.revision)).toEqual([3]);
  });

  it('exports CSV (RFC 4180) with the same content, metadata in columns', async () => {
    const ndjson = linesOf((await exportOf(admin)).text);
    const { status, text, headers } = await exportOf(admin, '?format=csv');

    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(headers.get('content-disposition')).toBe(`attachment; filename="audit-${project.id}.csv"`);
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(['position', 'stream', 'revision', 'type', 'occurred_at', 'actor', 'correlation_id', 'causation_id', 'schema_version', 'previous_hash', 'hash', 'data', 'metadata']);
    expect(rows).toHaveLength(ndjson.length);
    rows.forEach((row, i) => {
      const line = ndjson[i]!;
      const m = line.metadata as Record<string, unknown>;
      expect(row).toEqual([
        line.position,
        line.stream,
        String(line.revision),
        line.type,
        m.occurredAt,
        m.actor,
        m.correlationId,
        m.causationId,
        String(m.schemaVersion),
        line.previousHash ?? '',
        line.hash ?? '',
        canonicalize(line.data),
        canonicalize(line.metadata),
      ]);
    });
  });

  it('answers 400 naming the field for a bad from, to or format', async () => {
    const cases: Array<[string, string]> = [
      ['?from=yesterday', 'from: "yesterday" is not an ISO 8601 instant'],
      ['?to=2026-13-01T00:00:00Z', 'to: "2026-13-01T00:00:00Z" is not an ISO 8601 instant'],
      ['?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'to: must be later than from'],
      ['?format=xml', 'format: must be one of ndjson, csv (got "xml")'],
    ];
    for (const [query, detail] of cases) {
      const { status, text } = await exportOf(admin, query);
      expect([query, status]).toEqual([query, 400]);
      expect(JSON.parse(text).details[0]).toContain(detail);
    }
  });

  it('is for project admins and super admins only: never a key, a viewer or an editor; not even shown to outsiders', async () => {
    const tag = randomUUID().slice(0, 8);
    const [viewer, editor, projectAdmin, outsider] = await Promise.all(['viewer', 'editor', 'padmin', 'outsider'].map((name) => newSignedInUser(admin, `${name}-${tag}@example.com`)));
    for (const [email, role] of [
      [`viewer-${tag}@example.com`, 'viewer'],
      [`editor-${tag}@example.com`, 'editor'],
      [`padmin-${tag}@example.com`, 'admin'],
    ]) {
      expect((await admin.put(`/projects/${project.id}/members/${email}`, { role })).status).toBe(200);
    }
    const statuses = async (client: ApiClient) => (await exportOf(client)).status;

    expect(await statuses(projectAdmin)).toBe(200);
    expect(await statuses(viewer)).toBe(403);
    expect(await statuses(editor)).toBe(403);
    expect(await statuses(outsider)).toBe(404);
    expect(await statuses(project.executor)).toBe(401);
    expect(await statuses(await apiKeyClient(admin, project.id, 'read'))).toBe(401);
    expect(await statuses(admin.as(null))).toBe(401);
  });

  it('streams a large export in many chunks, without a length known in advance', async () => {
    const streams = [0, 1, 2].map(() => `probe-${randomUUID()}`);
    for (const stream of streams) {
      for (let batch = 0; batch < 4; batch++) {
        const events = Array.from({ length: 500 }, (_, n) => probe('Probed', { n: batch * 500 + n, text: 'x'.repeat(200) }, '2026-02-01T00:00:00.000Z'));
        await server.services.events.append(stream, events, batch === 0 ? 'no_stream' : 'stream_exists');
      }
    }

    const { status, text, headers, chunks } = await exportOf(admin, '?from=2026-02-01T00:00:00Z&to=2026-02-01T00:00:01Z');

    expect(status).toBe(200);
    expect(headers.get('content-length')).toBeNull();
    expect(headers.get('transfer-encoding')).toBe('chunked');
    expect(chunks).toBeGreaterThan(1);
    const lines = linesOf(text);
    expect(lines).toHaveLength(6000);
    for (const stream of streams) {
      const ofStream = lines.filter((l) => l.stream === stream);
      expect(ofStream.map((l) => l.revision)).toEqual(Array.from({ length: 2000 }, (_, n) => n));
      ofStream.forEach((line, n) => {
        expect(line.previousHash).toBe(n === 0 ? null : ofStream[n - 1]!.hash);
        expect(line.hash).toBe(hashOf(line));
      });
    }
  }, 60_000);

  it('reads the store as the export goes out, never far ahead of the client', async () => {
    const stream = `probe-${randomUUID()}`;
    const pages = 40;
    for (let batch = 0; batch < pages; batch++) {
      const events = Array.from({ length: 1000 }, (_, n) => probe('Probed', { n, text: 'y'.repeat(1000) }, '2026-03-01T00:00:00.000Z'));
      await server.services.events.append(stream, events, batch === 0 ? 'no_stream' : 'stream_exists');
    }
    // Counts the events the export has taken from the store so far.
    const store = server.services.events;
    const readStored = store.readStored.bind(store);
    let pulled = 0;
    store.readStored = (options) => ({
      async *[Symbol.asyncIterator]() {
        for await (const page of readStored(options)) {
          pulled += page.length;
          yield page;
        }
      },
    });
    try {
      const token = (admin.credentials as { token: string }).token;
      const response = await fetch(`${server.url}/api/v1/projects/${project.id}/audit/export?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z`, { headers: { authorization: `Bearer ${token}` } });
      const reader = response.body!.getReader();
      let received = 0;
      let lines = 0;
      let mostAhead = 0;
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        received += chunk.value.length;
        for (const byte of chunk.value) if (byte === 0x0a) lines++;
        mostAhead = Math.max(mostAhead, pulled - lines);
      }

      // About 1 MB a page of 1,000 events: without backpressure the store is read far ahead of the
      // client; with it, by what the sockets buffer and the one page waiting (16 waiting would show).
      expect(mostAhead).toBeLessThan(10 * 1000);
      expect(pulled).toBe(pages * 1000);
      expect(received).toBeGreaterThan(pages * 1000 * 1000);
    } finally {
      delete (store as Partial<typeof store>).readStored;
    }
  }, 120_000);
});

/** RFC 4180: records end with CRLF; a quoted field may hold commas, CRLF and doubled quotes. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new Error('unterminated quoted field');
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
    } else {
      const end = text.slice(i).search(/,|\r\n/);
      field = end < 0 ? text.slice(i) : text.slice(i, i + end);
      i += field.length;
    }
    record.push(field);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
    } else if (i < text.length) throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
  }
  if (record.length > 0) records.push(record);
  return records;
}
