/**
 * Renders the normal form of ReadStore queries (query.ts, cursor.ts) as SQLite SQL over one collection
 * table `(id TEXT PRIMARY KEY, doc TEXT, pos INTEGER, "$.a.b" generated columns…)`.
 *
 * A field with a declared index is read from its generated column, so the planner can use the index;
 * any other field is read with json_extract on the document. json_extract yields NULL for both a JSON
 * null and a missing field, which is exactly MongoDB's notion of "null" in filters and sorts; SQLite
 * sorts NULL first ascending and last descending, as MongoDB does. JSON booleans come out as 1 and 0.
 */
import type { KeyCondition } from './cursor';
import type { Comparison, SortKey } from './query';
import type { Scalar } from './read-store';

export type SqlValue = string | number | null;

/** Where each field of one collection lives. */
export class CollectionColumns {
  constructor(
    readonly table: string,
    /** Dotted paths that have a column (declared index fields). */
    readonly indexedFields: ReadonlySet<string>,
  ) {}

  /** The SQL expression of a field's value (NULL when null or missing). */
  expr(field: string): string {
    if (field === 'id') return 'id';
    if (this.indexedFields.has(field)) return fieldColumn(field);
    return `json_extract(doc, ${sqlString(jsonPath(field))})`;
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** `a.b-c` → `$."a"."b-c"`: every label quoted, so any segment field-path.ts allows is read literally. */
export function jsonPath(field: string): string {
  return `$${field
    .split('.')
    .map((segment) => `."${segment}"`)
    .join('')}`;
}

/** The column that mirrors an indexed field, named after its path (`"$.a.b"`; see sqlite-table-writes.ts). */
export function fieldColumn(field: string): string {
  return quoteIdent(`$.${field}`);
}

/** Booleans are stored by json_extract as 1 and 0 and cannot be bound as such. */
export function sqlValue(value: Scalar): SqlValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

const RANGE_SQL = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * One comparison as SQL, pushing its parameters. Range operators compare within the operand's type
 * (MongoDB's type bracketing): without the typeof test `n > 5` would also match every string.
 */
function comparisonSql(c: Comparison, columns: CollectionColumns, params: SqlValue[]): string {
  const e = columns.expr(c.field);
  switch (c.op) {
    case 'eq':
      if (c.value === null) return `${e} IS NULL`;
      params.push(sqlValue(c.value));
      return `${e} = ?`;
    case 'ne':
      if (c.value === null) return `${e} IS NOT NULL`;
      params.push(sqlValue(c.value));
      return `${e} IS NOT ?`;
    case 'in': {
      const values = c.value.filter((v) => v !== null);
      const hasNull = values.length < c.value.length;
      if (values.length === 0) return hasNull ? `${e} IS NULL` : '0';
      params.push(...values.map(sqlValue));
      const list = `${e} IN (${values.map(() => '?').join(', ')})`;
      return hasNull ? `(${list} OR ${e} IS NULL)` : list;
    }
    case 'exists': {
      if (c.field === 'id') return c.value ? '1' : '0';
      // json_type tells a JSON null ('null') from a missing field (SQL NULL), which json_extract cannot.
      const type = `json_type(doc, ${sqlString(jsonPath(c.field))})`;
      return c.value ? `${type} IS NOT NULL` : `${type} IS NULL`;
    }
    default: {
      if (c.value === null) return c.op === 'gte' || c.op === 'lte' ? `${e} IS NULL` : '0';
      params.push(c.value);
      const types = typeof c.value === 'number' ? `IN ('integer', 'real')` : `= 'text'`;
      return `(${e} ${RANGE_SQL[c.op]} ? AND typeof(${e}) ${types})`;
    }
  }
}

/** All comparisons ANDed (`1` when there are none). */
export function filterSql(comparisons: Comparison[], columns: CollectionColumns, params: SqlValue[]): string {
  if (comparisons.length === 0) return '1';
  return comparisons.map((c) => comparisonSql(c, columns, params)).join(' AND ');
}

/**
 * One keyset branch as SQL. These comparisons use SQLite's own order without type bracketing, so a page
 * boundary follows exactly the ORDER BY that produced it.
 */
export function keyConditionsSql(conditions: KeyCondition[], columns: CollectionColumns, params: SqlValue[]): string {
  return conditions
    .map((k) => {
      const e = columns.expr(k.field);
      switch (k.op) {
        case 'null':
          return `${e} IS NULL`;
        case 'notNull':
          return `${e} IS NOT NULL`;
        default:
          params.push(sqlValue(k.value));
          return `${e} ${k.op === 'eq' ? '=' : k.op === 'gt' ? '>' : '<'} ?`;
      }
    })
    .join(' AND ');
}

/**
 * `(a, b, id) > (?, ?, ?)` (or `<`): every row after the given keys in one lexicographic comparison, which
 * SQLite answers as one range of an index on (…, a, b, id) in that direction. Only for keys none of
 * which is null (a comparison with null is never true) and sorted all one way.
 */
export function rowAfterSql(fields: string[], direction: 1 | -1, values: Array<Exclude<Scalar, null>>, columns: CollectionColumns, params: SqlValue[]): string {
  params.push(...values.map(sqlValue));
  return `(${fields.map((field) => columns.expr(field)).join(', ')}) ${direction === 1 ? '>' : '<'} (${fields.map(() => '?').join(', ')})`;
}

export function orderBySql(sort: SortKey[], expr: (field: string, index: number) => string): string {
  return sort.map(([field, direction], i) => `${expr(field, i)} ${direction === 1 ? 'ASC' : 'DESC'}`).join(', ');
}
