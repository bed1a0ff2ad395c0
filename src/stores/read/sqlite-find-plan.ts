import { decodeCursor, type KeyCondition, keysetBranches } from './cursor';
import { validateCollectionName } from './field-path';
import { type CollectionColumns, filterSql, keyConditionsSql, orderBySql, quoteIdent, rowAfterSql, type SqlValue } from './filter-sql';
import { normalizeCount, normalizeFilter, normalizeSort, type SortKey } from './query';
import type { FindQuery, Scalar } from './read-store';

export interface FindPlan {
  /** The collection's columns; null when its table does not exist (the find finds nothing). */
  columns: CollectionColumns | null;
  filter: ReturnType<typeof normalizeFilter>;
  sort: ReturnType<typeof normalizeSort>;
  limit: number | undefined;
  /** The page's SELECT; null when nothing can match (no table, or a cursor past the end). */
  select: { sql: string; params: SqlValue[] } | null;
}

/** The SQL of one page of a find on the embedded read store, the query validated first. */
export function planFind(collection: string, query: FindQuery, columnsOf: (collection: string) => CollectionColumns | null): FindPlan {
  validateCollectionName(collection);
  const filter = normalizeFilter(query.filter);
  const sort = normalizeSort(query.sort);
  const limit = normalizeCount(query.limit, 'limit');
  const skip = normalizeCount(query.skip, 'skip') ?? 0;
  const after = query.cursor !== undefined ? decodeCursor(query.cursor, sort) : null;
  const columns = columnsOf(collection);
  if (!columns) return { columns, filter, sort, limit, select: null };

  const table = quoteIdent(collection);
  // One row more than the page tells whether there is a next page.
  const fetch = limit === undefined ? -1 : limit + 1;
  const filterParams: SqlValue[] = [];
  const where = filterSql(filter, columns, filterParams);
  const orderBy = orderBySql(sort, (f) => columns.expr(f));
  if (!after) {
    const sql = `SELECT doc FROM ${table} WHERE ${where} ORDER BY ${orderBy} LIMIT ? OFFSET ?`;
    return { columns, filter, sort, limit, select: { sql, params: [...filterParams, fetch, skip] } };
  }
  // After a cursor: one index seek per keyset branch, merged in order. (A single WHERE with ORs makes
  // SQLite scan from the start of the index on every page.)
  const branches = keysetBranches(sort, after);
  if (branches.length === 0) return { columns, filter, sort, limit, select: null };
  const conditions = rowAfterBranch(sort, after, branches, columns) ?? { row: null, others: branches };
  if (conditions.row && conditions.others.length === 0) {
    // One range of the index, in its order: no merge, no sort.
    const params = [...filterParams, ...conditions.row.params, fetch, skip];
    return { columns, filter, sort, limit, select: { sql: `SELECT doc FROM ${table} WHERE ${where} AND ${conditions.row.sql} ORDER BY ${orderBy} LIMIT ? OFFSET ?`, params } };
  }
  const params: SqlValue[] = [];
  const keys = sort.map(([field], i) => `${columns.expr(field)} AS k${i}`).join(', ');
  const part = ({ sql, params: keyParams }: { sql: string; params: SqlValue[] }) => {
    params.push(...filterParams, ...keyParams, limit === undefined ? -1 : fetch + skip);
    return `SELECT * FROM (SELECT doc, ${keys} FROM ${table} WHERE ${where} AND ${sql} ORDER BY ${orderBy} LIMIT ?)`;
  };
  const keyed = conditions.others.map((branch) => {
    const keyParams: SqlValue[] = [];
    return { sql: keyConditionsSql(branch, columns, keyParams), params: keyParams };
  });
  const parts = (conditions.row ? [conditions.row, ...keyed] : keyed).map(part);
  params.push(fetch, skip);
  const sql = `SELECT doc FROM (${parts.join(' UNION ALL ')}) ORDER BY ${orderBySql(sort, (_, i) => `k${i}`)} LIMIT ? OFFSET ?`;
  return { columns, filter, sort, limit, select: { sql, params } };
}

/**
 * With every key sorted one way and none null at the cursor, the branches that compare keys ("a > v", "a
 * = v and id > w", …) are together one row-value range, (a, …, id) > (v, …, w): one index seek instead of
 * one per key, and ascending (nulls sort first, so none come after the cursor) no other branch at all.
 * Descending, the branches of rows with a null key stay. Null otherwise: the branches as they are.
 */
function rowAfterBranch(
  sort: SortKey[],
  after: Scalar[],
  branches: KeyCondition[][],
  columns: CollectionColumns,
): { row: { sql: string; params: SqlValue[] }; others: KeyCondition[][] } | null {
  const direction = sort[0]![1];
  if (sort.some(([, d]) => d !== direction) || after.some((value) => value === null)) return null;
  const params: SqlValue[] = [];
  const sql = rowAfterSql(sort.map(([field]) => field), direction, after as Array<Exclude<Scalar, null>>, columns, params);
  const others = branches.filter((branch) => branch[branch.length - 1]!.op === 'null');
  return { row: { sql, params }, others };
}

/** The COUNT over a filter, with its parameters. */
export function countSql(columns: CollectionColumns, filter: ReturnType<typeof normalizeFilter>): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [];
  const where = filterSql(filter, columns, params);
  return { sql: `SELECT count(*) AS n FROM ${quoteIdent(columns.table)} WHERE ${where}`, params };
}
