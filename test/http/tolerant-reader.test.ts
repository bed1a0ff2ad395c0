import express from 'express';
import type { AddressInfo } from 'node:net';
import { type OpenApiDocument, tolerantReader } from '../../src/http/tolerant-reader';

/** The tolerant reader on a small OpenAPI document: which fields it removes, where, and what it says. */
describe('tolerant reader', () => {
  const spec: OpenApiDocument = {
    paths: {
      '/things/{id}': {
        put: { 'x-original-api': true, requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } },
        post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } },
      },
      '/notes': {
        post: {
          'x-original-api': true,
          requestBody: { content: { 'application/json': { schema: { anyOf: [{ $ref: '#/components/schemas/Note' }, { $ref: '#/components/schemas/Notes' }] } } } },
        },
      },
    },
    components: {
      schemas: {
        Thing: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: { type: 'string' },
            inner: { allOf: [{ $ref: '#/components/schemas/Inner' }] },
            tags: { type: 'array', items: { $ref: '#/components/schemas/Inner' } },
            metadata: { type: 'object', properties: {}, additionalProperties: {} },
          },
        },
        Inner: { type: 'object', additionalProperties: false, properties: { a: { type: 'number' } } },
        Note: { type: 'object', additionalProperties: false, required: ['message'], properties: { message: { type: 'string' } } },
        Notes: { type: 'object', additionalProperties: false, required: ['lines'], properties: { lines: { type: 'array', items: { $ref: '#/components/schemas/Note' } } } },
      },
    },
  };

  let url: string;
  let close: () => void;
  beforeAll(async () => {
    const app = express();
    app.use(express.json());
    app.use(tolerantReader(spec));
    app.use((req, res) => res.json({ body: req.body }));
    const server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  const send = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { warning: response.headers.get('warning'), body: ((await response.json()) as { body: unknown }).body };
  };

  it('removes unknown fields at any depth on a marked operation, keeps free-form objects, and names what it removed', async () => {
    const answer = await send('PUT', '/things/1', { name: 'n', x: 1, inner: { a: 1, b: 2 }, tags: [{ a: 1 }, { c: 3 }], metadata: { anything: { goes: true } } });
    expect(answer.body).toEqual({ name: 'n', inner: { a: 1 }, tags: [{ a: 1 }, {}], metadata: { anything: { goes: true } } });
    expect(answer.warning).toBe('299 - "Unknown fields ignored: x, inner.b, tags[1].c"');
  });

  it('leaves unmarked operations and wrong types to validation', async () => {
    expect(await send('POST', '/things/1', { name: 'n', x: 1 })).toEqual({ warning: null, body: { name: 'n', x: 1 } });
    expect(await send('PUT', '/things/1', { name: 5, inner: 'text' })).toEqual({ warning: null, body: { name: 5, inner: 'text' } });
  });

  it('reads a union as the member the body was meant as', async () => {
    expect(await send('POST', '/notes', { message: 'm', level: 'x' })).toEqual({ warning: '299 - "Unknown fields ignored: level"', body: { message: 'm' } });
    expect(await send('POST', '/notes', { lines: [{ message: 'm', colour: 1 }], more: true })).toEqual({
      warning: '299 - "Unknown fields ignored: lines[0].colour, more"',
      body: { lines: [{ message: 'm' }] },
    });
  });

  it('keeps the header printable ASCII whatever the field names, and short', async () => {
    const names = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, i]));
    const answer = await send('PUT', '/things/1', { 'é"\n\\': 1, ...names });
    expect(answer.warning).toMatch(/^299 - "Unknown fields ignored: \?\\"\?\\\\, f0, .* and 11 more"$/);
    expect(answer.warning).toMatch(/^[\x20-\x7e]+$/);
  });
});
