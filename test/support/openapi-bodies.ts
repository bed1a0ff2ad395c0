import openApiSpec from '../../src/http/generated/swagger.json';

/**
 * Bad variants of a valid request body, derived from the generated OpenAPI spec: for every field of
 * the body (nested objects and the first element of arrays of objects too), a value of the wrong type,
 * the field left out when it is required, an unknown enum value, a number outside its documented range
 * (or a fraction where an integer is due), a 1 MB string and a NUL character.
 * Each names the field the answer must name.
 */

type Schema = {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minimum?: number;
  maximum?: number;
  additionalProperties?: boolean | Schema;
};

export interface SpecRoute {
  method: string;
  /** As in the spec, e.g. `/projects/{project_id}/tasks`. */
  path: string;
  /** `METHOD /path`. */
  name: string;
  params: string[];
  body: Schema | null;
  bodyRequired: boolean;
}

export type VariantKind = 'wrong type' | 'missing' | 'unknown enum value' | 'out of range' | '1 MB string' | 'NUL character' | 'unknown field';

export interface BodyVariant {
  kind: VariantKind;
  /** The field, as an answer would name it (e.g. `schedule_config.timezone`, `lines[0].message`). */
  field: string;
  /** The leaf name the answer must contain. */
  leaf: string;
  body: unknown;
}

const spec = openApiSpec as unknown as {
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }>; requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> } }>>;
  components: { schemas: Record<string, Schema> };
};

/** Every route of the spec that changes something (POST, PUT, PATCH, DELETE). */
export function mutatingRoutes(): SpecRoute[] {
  return Object.entries(spec.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => ['post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        name: `${method.toUpperCase()} ${path}`,
        params: (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        body: operation.requestBody?.content['application/json']?.schema ?? null,
        bodyRequired: operation.requestBody?.required === true,
      })),
  );
}

function resolve(schema: Schema): Schema {
  let s = schema;
  while (s.$ref) s = spec.components.schemas[s.$ref.replace('#/components/schemas/', '')]!;
  if (s.allOf && s.allOf.length === 1) return { ...resolve(s.allOf[0]!), nullable: s.nullable || resolve(s.allOf[0]!).nullable };
  return s;
}

/** The branches of a union (a plain schema is one branch). */
function branches(schema: Schema): Schema[] {
  const s = resolve(schema);
  const union = s.anyOf ?? s.oneOf;
  return union ? union.flatMap(branches) : [s];
}

/** JSON types a schema allows, or null when it allows anything. */
function allowedTypes(schema: Schema): Set<string> | null {
  const types = new Set<string>();
  for (const branch of branches(schema)) {
    if (branch.nullable) types.add('null');
    if (branch.enum) branch.enum.forEach((v) => types.add(v === null ? 'null' : typeof v));
    else if (branch.type) types.add(branch.type === 'integer' ? 'number' : branch.type);
    else return null;
  }
  return types;
}

const WRONG_VALUES: Array<[string, unknown]> = [
  ['number', 12345],
  ['string', 'wrong type'],
  ['boolean', true],
  ['array', ['wrong type']],
];

/** The object branch of a body schema that the valid body matches (for unions such as a log line or a batch). */
function objectBranchFor(schema: Schema, value: Record<string, unknown>): Schema | null {
  const candidates = branches(schema).filter((b) => b.type === 'object' && b.properties);
  return candidates.find((b) => (b.required ?? []).every((r) => r in value) && Object.keys(value).every((k) => k in b.properties!)) ?? null;
}

const ONE_MB = 'x'.repeat(1_000_000);

/** The bad variants of `body` (a valid body of the route); `unknownFields` false where the route ignores them. */
export function badVariants(schema: Schema, body: Record<string, unknown>, unknownFields: boolean): BodyVariant[] {
  const variants: BodyVariant[] = [];
  const walk = (objectSchema: Schema, value: Record<string, unknown>, prefix: string, replace: (v: unknown) => unknown) => {
    const branch = objectBranchFor(objectSchema, value);
    if (!branch) return;
    const at = (key: string) => `${prefix}${key}`;
    for (const [key, propertySchema] of Object.entries(branch.properties!)) {
      const field = at(key);
      const set = (v: unknown) => replace({ ...value, [key]: v });
      const allowed = allowedTypes(propertySchema);
      if (allowed) {
        const wrong = WRONG_VALUES.find(([type]) => !allowed.has(type));
        if (wrong) variants.push({ kind: 'wrong type', field, leaf: key, body: set(wrong[1]) });
        if (branches(propertySchema).some((b) => b.enum && b.enum.some((v) => typeof v === 'string'))) {
          variants.push({ kind: 'unknown enum value', field, leaf: key, body: set('NOT_A_VALUE') });
        }
        for (const b of branches(propertySchema)) {
          if (b.type === 'integer') variants.push({ kind: 'out of range', field, leaf: key, body: set(1.5) });
          if (b.maximum !== undefined) variants.push({ kind: 'out of range', field, leaf: key, body: set(b.maximum + 1) });
          if (b.minimum !== undefined) variants.push({ kind: 'out of range', field, leaf: key, body: set(b.minimum - 1) });
        }
        if (allowed.has('string') && !branches(propertySchema).some((b) => b.enum)) {
          variants.push({ kind: '1 MB string', field, leaf: key, body: set(ONE_MB) });
          variants.push({ kind: 'NUL character', field, leaf: key, body: set('a\u0000b') });
        }
      }
      const current = value[key];
      if (current && typeof current === 'object' && !Array.isArray(current)) {
        walk(propertySchema, current as Record<string, unknown>, `${field}.`, set);
      } else if (Array.isArray(current) && current[0] && typeof current[0] === 'object') {
        const items = branches(propertySchema).find((b) => b.type === 'array')?.items;
        if (items) walk(items, current[0] as Record<string, unknown>, `${field}[0].`, (v) => set([v, ...current.slice(1)]));
      }
    }
    for (const key of branch.required ?? []) {
      if (key in value) {
        const rest = { ...value };
        delete rest[key];
        variants.push({ kind: 'missing', field: at(key), leaf: key, body: replace(rest) });
      }
    }
    if (unknownFields && branch.additionalProperties === false) {
      variants.push({ kind: 'unknown field', field: at('surprise_field'), leaf: 'surprise_field', body: replace({ ...value, surprise_field: 1 }) });
    }
  };
  walk(schema, body, '', (v) => v);
  return variants;
}
