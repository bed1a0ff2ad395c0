import { randomUUID } from 'node:crypto';
import openApi from '../../src/http/generated/swagger.json';
import type { ApiClient, ApiResponse } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import contract from './fixtures/original-contract.json';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Step {
  source: string;
  as: 'admin' | 'executor' | 'nobody' | 'wrongKey';
  method: string;
  path: string;
  body?: Json;
  eventually?: boolean;
  expect: { status: number; body?: Json };
  save?: Record<string, string>;
}

type Operations = Record<string, Record<string, { 'x-original-api'?: boolean; responses: Record<string, unknown>; security?: unknown[]; parameters?: { in: string }[] }>>;
const paths = openApi.paths as unknown as Operations;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Where `actual` differs from `expected` (see the fixture's `about`), as `path: why` lines. */
function differences(expected: Json | undefined, actual: unknown, at: string): string[] {
  if (expected === '<absent>') return actual === undefined ? [] : [`${at}: expected no field, got ${JSON.stringify(actual)}`];
  if (actual === undefined && expected !== undefined) return [`${at}: missing`];
  if (typeof expected === 'string' && /^<[a-z]+>$/.test(expected)) {
    const ok: Record<string, boolean> = {
      '<uuid>': typeof actual === 'string' && UUID.test(actual),
      '<iso>': typeof actual === 'string' && ISO.test(actual),
      '<string>': typeof actual === 'string' && actual.length > 0,
      '<number>': typeof actual === 'number',
      '<array>': Array.isArray(actual),
      '<object>': typeof actual === 'object' && actual !== null && !Array.isArray(actual),
      '<any>': true,
    };
    if (!(expected in ok)) return [`${at}: unknown matcher ${expected}`];
    return ok[expected] ? [] : [`${at}: expected ${expected}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) return [`${at}: expected ${expected.length} items, got ${actual.length}`];
    return expected.flatMap((item, i) => differences(item, actual[i], `${at}[${i}]`));
  }
  if (expected !== null && typeof expected === 'object') {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${at}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) => differences(value, (actual as Record<string, unknown>)[key], at ? `${at}.${key}` : key));
  }
  return expected === actual ? [] : [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

function substitute(value: Json | undefined, saved: Record<string, string>): Json | undefined {
  if (typeof value === 'string') return value.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => saved[name] ?? whole);
  if (Array.isArray(value)) return value.map((item) => substitute(item, saved) as Json);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, saved) as Json]));
  return value;
}

function pick(body: unknown, path: string): string {
  const value = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], body);
  if (typeof value !== 'string') throw new Error(`nothing to save at ${path} in ${JSON.stringify(body)}`);
  return value;
}

/** The OpenAPI operation a request path is answered by, `undefined` when none. */
function operationOf(method: string, path: string): { template: string; operation: Operations[string][string] } | undefined {
  const bare = path.split('?')[0]!;
  for (const [template, operations] of Object.entries(paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = operations[method.toLowerCase()];
    if (operation && pattern.test(bare)) return { template, operation };
  }
  return undefined;
}

/**
 * The original API kept honest: its documented requests, its example executor's calls and its handler
 * tests' expectations (test/http/fixtures/original-contract.json) are replayed in order against a real
 * server, and every answer is compared with the recorded one field by field; each status answered is
 * one the OpenAPI document lists for that operation.
 */
describe('the original API contract, replayed', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
  });
  afterAll(() => server.stop());

  it('answers every recorded request as recorded, with statuses the OpenAPI document lists', async () => {
    const saved: Record<string, string> = { run: randomUUID().slice(0, 8), today: new Date().toISOString().slice(0, 10) };
    const steps = contract.steps as Step[];
    for (const step of steps) {
      const path = substitute(step.path, saved) as string;
      const body = substitute(step.body, saved);
      const expected = substitute(step.expect.body, saved);
      const client = {
        admin,
        executor: admin.as({ apiKey: saved.apiKey! }),
        nobody: admin.as(null),
        wrongKey: admin.as({ apiKey: 'co_not-a-key' }),
      }[step.as];
      const send = () => client.request(step.method, path, body ?? undefined);
      const problemsOf = (response: ApiResponse) => [
        ...(response.status === step.expect.status ? [] : [`status: expected ${step.expect.status}, got ${response.status} ${JSON.stringify(response.body)}`]),
        ...(step.expect.body === undefined ? [] : differences(expected, response.body, '')),
      ];
      const response = step.eventually
        ? await waitFor(async () => {
            const r = await send();
            return problemsOf(r).length === 0 && r;
          }, { what: step.source, timeoutMs: 20_000, intervalMs: 50 }).catch(() => send())
        : await send();
      expect({ step: step.source, problems: problemsOf(response) }).toEqual({ step: step.source, problems: [] });
      // Errors name resources, never how they are stored.
      expect({ step: step.source, error: String(response.body?.error ?? '') }).toEqual({ step: step.source, error: expect.not.stringMatching(/\b[a-z]+-[0-9a-f]{8}-|\bstream\b/i) });

      const found = operationOf(step.method, path);
      if (found) {
        expect({ step: step.source, template: found.template, originalApi: found.operation['x-original-api'] }).toEqual({ step: step.source, template: found.template, originalApi: true });
        expect({ step: step.source, documented: Object.keys(found.operation.responses) }).toEqual({ step: step.source, documented: expect.arrayContaining([String(response.status)]) });
      }
      for (const [name, field] of Object.entries(step.save ?? {})) saved[name] = pick(response.body, field);
    }
  });

  it('documents, for each of the original operations, the statuses any of them can answer', () => {
    const original = Object.entries(paths).flatMap(([template, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation['x-original-api'])
        .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${template}`, operation, template })),
    );
    expect(original).toHaveLength(24);
    for (const { name, operation, template } of original) {
      const statuses = Object.keys(operation.responses);
      const needed = [
        '503',
        ...(operation.security?.length ? ['401'] : []),
        ...(template.includes('{') ? ['404'] : []),
        ...(template.includes('{') && name !== 'GET /projects/{project_id}/tasks' && operation.security?.length ? ['403'] : []),
        ...(name.startsWith('POST') || name.startsWith('PUT') || name.startsWith('PATCH') ? ['400'] : []),
      ];
      expect({ name, statuses }).toEqual({ name, statuses: expect.arrayContaining(needed) });
    }
    expect(Object.keys(paths['/projects/{project_id}/tasks/{task_uuid}']!.delete!.responses)).toEqual(expect.arrayContaining(['200', '202']));
  });
});
