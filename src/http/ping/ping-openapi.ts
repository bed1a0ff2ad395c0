import { PING_BODY_LIMIT } from './ping-body';

/**
 * The ping URLs in the OpenAPI document served at /api/v1/openapi.json. They are plain express routes
 * (plain-text answers, any body, HEAD), not tsoa controllers, so their paths are written here; each
 * path item names the server root as its server, since they live at /ping, outside /api/v1.
 */
export function withPingPaths<T extends { paths: object; tags?: unknown[] }>(spec: T): T {
  return {
    ...spec,
    tags: [...(spec.tags ?? []), { name: 'Ping (Healthchecks-compatible)', description: 'README, "Moving from Healthchecks". No credential: the URL is the secret.' }],
    paths: {
      ...spec.paths,
      '/ping/{uuid}': pathItem('Success: closes the run (by `rid`, else the open one), or records a complete run of zero duration', [UUID]),
      '/ping/{uuid}/{signal}': pathItem('`start` opens a run; `fail` or an exit status 1–255 closes it FAILED, `0` SUCCESS; `log` adds the body to the open run', [UUID, SIGNAL]),
      '/ping/{ping_key}/{slug}': pathItem("Success, by the project's ping key and the task's slug", [PING_KEY, SLUG, CREATE]),
      '/ping/{ping_key}/{slug}/{signal}': pathItem('As `/ping/{uuid}/{signal}`, by ping key and slug', [PING_KEY, SLUG, SIGNAL, CREATE]),
    },
  };
}

const UUID = { name: 'uuid', in: 'path', required: true, description: "The task's ping id (its `ping_url`)", schema: { type: 'string', format: 'uuid' } };
const SIGNAL = { name: 'signal', in: 'path', required: true, description: '`start`, `fail`, `log`, or an exit status 0–255', schema: { type: 'string', pattern: '^(start|fail|log|[0-9]+)$' } };
const PING_KEY = { name: 'ping_key', in: 'path', required: true, description: "The project's ping key (GET /projects/{id}/ping-key)", schema: { type: 'string' } };
const SLUG = { name: 'slug', in: 'path', required: true, description: "The task's name slugified (lowercase `a-z0-9_-`)", schema: { type: 'string', pattern: '^[a-z0-9_-]+$' } };
const CREATE = { name: 'create', in: 'query', required: false, description: '`1`: create the task (external mode, DISABLED) when no task has this slug', schema: { type: 'string', enum: ['0', '1'] } };
const RID = { name: 'rid', in: 'query', required: false, description: 'A run id (a UUID) telling concurrent runs apart', schema: { type: 'string', format: 'uuid' } };

function text(description: string) {
  return { description, content: { 'text/plain': { schema: { type: 'string' } } } };
}

function operation(summary: string, parameters: object[]) {
  return {
    tags: ['Ping (Healthchecks-compatible)'],
    summary,
    security: [],
    parameters: [...parameters, RID],
    requestBody: { required: false, description: `Optional: becomes the run's log (the first ${PING_BODY_LIMIT} bytes)`, content: { '*/*': { schema: { type: 'string' } } } },
    responses: {
      '200': { ...text('`OK`; `OK (not found)` for a `log` with no open run'), headers: { 'Ping-Body-Limit': { schema: { type: 'integer', example: PING_BODY_LIMIT } } } },
      '201': text('`Created`: `?create=1` made the task'),
      '400': text('`invalid url format` (exit status above 255, capitals in a slug) or `invalid uuid format` (`rid`)'),
      '404': text('`not found`'),
      '409': text('`ambiguous slug`'),
      '429': { ...text('`rate limited`: more than PING_RATE_LIMIT pings a minute for this URL'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
    },
  };
}

function pathItem(summary: string, parameters: object[]) {
  const { requestBody: _none, ...withoutBody } = operation(summary, parameters);
  return { servers: [{ url: '/' }], get: withoutBody, head: withoutBody, post: operation(summary, parameters) };
}
