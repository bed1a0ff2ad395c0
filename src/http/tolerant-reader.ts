/**
 * The tolerant reader of the original API's routes (COMPAT.md). The original ignored JSON fields it
 * did not know, and its clients send some (`trigger_config`, fields of later versions, typos): on every
 * operation the OpenAPI document marks `x-original-api`, fields the body's schema does not know are
 * removed before validation, at any depth (inside `schedule_config` too), and named in a
 * `Warning: 299` header so a client can notice a typo. Everything else is validated as before: a wrong
 * type or a missing field is still a 400 naming it. Routes added by this implementation stay strict.
 */
import type { RequestHandler } from 'express';

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  type?: string;
};

type Operation = { 'x-original-api'?: boolean; requestBody?: { content?: Record<string, { schema?: Schema }> } };

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** The header carrying the names of ignored fields. */
export const WARNING_HEADER = 'Warning';
const MAX_NAMES = 20;

/** Ignores unknown body fields on the routes marked `x-original-api`; mount under the spec's base path. */
export function tolerantReader(spec: OpenApiDocument): RequestHandler {
  const ignoreUnknownFields = unknownFieldsIgnorer(spec);
  return (req, res, next) => {
    const warning = ignoreUnknownFields(req.method, req.path, req.body);
    if (warning !== undefined) res.setHeader(WARNING_HEADER, warning);
    next();
  };
}

/**
 * The tolerant reader itself, for express and for the report fast path alike: removes from `body` the
 * fields its operation's schema does not know (when the operation is one of the original API's) and
 * answers the `Warning` header naming them, or undefined when none was removed. `path` is relative to
 * the spec's base path.
 */
export function unknownFieldsIgnorer(spec: OpenApiDocument): (method: string, path: string, body: unknown) => string | undefined {
  const routes = tolerantRoutes(spec);
  const schemas = spec.components?.schemas ?? {};
  return (method, path, body) => {
    if (body === undefined || body === null || typeof body !== 'object') return undefined;
    const route = routes.find((r) => r.method === method && r.path.test(path));
    if (!route) return undefined;
    const ignored: string[] = [];
    prune(route.body, body, '', schemas, ignored);
    return ignored.length > 0 ? warningOf(ignored) : undefined;
  };
}

/** Whether the OpenAPI document marks an operation as one of the original API's (tolerant) ones. */
export function isOriginalApiOperation(operation: unknown): boolean {
  return (operation as Operation | undefined)?.['x-original-api'] === true;
}

function tolerantRoutes(spec: OpenApiDocument): { method: string; path: RegExp; body: Schema }[] {
  const routes: { method: string; path: RegExp; body: Schema }[] = [];
  for (const [template, operations] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const body = operation.requestBody?.content?.['application/json']?.schema;
      if (!isOriginalApiOperation(operation) || !body) continue;
      const pattern = template.split(/\{[^}]+\}/).map(escapeRegExp).join('[^/]+');
      routes.push({ method: method.toUpperCase(), path: new RegExp(`^${pattern}/?$`), body });
    }
  }
  return routes;
}

/** Removes the fields of `value` its schema does not allow, recording their paths. */
function prune(schema: Schema, value: unknown, path: string, schemas: Record<string, Schema>, ignored: string[]): void {
  const resolved = resolve(schema, schemas);
  if (resolved.allOf) {
    for (const part of resolved.allOf) prune(part, value, path, schemas, ignored);
    if (!resolved.properties) return;
  }
  const variants = resolved.anyOf ?? resolved.oneOf;
  if (variants) {
    const variant = closestVariant(variants, value, schemas);
    if (variant) prune(variant, value, path, schemas, ignored);
    return;
  }
  if (Array.isArray(value)) {
    if (resolved.items) value.forEach((item, i) => prune(resolved.items!, item, `${path}[${i}]`, schemas, ignored));
    return;
  }
  if (!isObject(value) || !resolved.properties) return;
  const known = resolved.properties;
  for (const key of Object.keys(value)) {
    const field = path ? `${path}.${key}` : key;
    if (Object.hasOwn(known, key)) {
      prune(known[key]!, value[key], field, schemas, ignored);
    } else if (resolved.additionalProperties === false) {
      delete value[key];
      ignored.push(field);
    }
  }
}

/**
 * The union member a value was meant as: for an object, the one whose required fields it has (then
 * the one knowing most of its fields); for an array, the array member.
 */
function closestVariant(variants: Schema[], value: unknown, schemas: Record<string, Schema>): Schema | undefined {
  if (Array.isArray(value)) return variants.find((v) => resolve(v, schemas).type === 'array');
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  let best: { variant: Schema; score: number } | undefined;
  for (const variant of variants) {
    const resolved = resolve(variant, schemas);
    if (!resolved.properties) continue;
    const missing = (resolved.required ?? []).filter((name) => !(name in value)).length;
    const score = -missing * 1000 + keys.filter((key) => Object.hasOwn(resolved.properties!, key)).length;
    if (!best || score > best.score) best = { variant, score };
  }
  return best?.variant;
}

function resolve(schema: Schema, schemas: Record<string, Schema>): Schema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 32; depth++) current = schemas[current.$ref.replace('#/components/schemas/', '')] ?? {};
  return current;
}

/** `299 - "…"` (RFC 9111 5.5): a quoted string of printable ASCII, whatever the field names hold. */
function warningOf(ignored: string[]): string {
  const names = ignored.slice(0, MAX_NAMES).map((name) => name.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&').slice(0, 100));
  const more = ignored.length > MAX_NAMES ? ` and ${ignored.length - MAX_NAMES} more` : '';
  return `299 - "Unknown fields ignored: ${names.join(', ')}${more}"`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
