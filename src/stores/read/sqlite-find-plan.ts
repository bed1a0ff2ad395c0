import { decodeCursor, keysetBranches } from './cursor';
import { validateCollectionName } from './field-path';
import { type CollectionColumns, filterSql, keyConditionsSql, orderBySql, quoteIdent, type SqlValue } from './filter-sql';
import { normalizeCount, normalizeFilter, normalizeSort } from './query';
import type { FindQuery } from './read-store';

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
  const params: SqlValue[] = [];
  const keys = sort.map(([field], i) => `${columns.expr(field)} AS k${i}`).join(', ');
  const parts = branches.map((branch) => {
    params.push(...filterParams);
    const condition = keyConditionsSql(branch, columns, params);
    params.push(limit === undefined ? -1 : fetch + skip);
    return `SELECT * FROM (SELECT doc, ${keys} FROM ${table} WHERE ${where} AND ${condition} ORDER BY ${orderBy} LIMIT ?)`;
  });
  params.push(fetch, skip);
  const sql = `SELECT doc FROM (${parts.join(' UNION ALL ')}) ORDER BY ${orderBySql(sort, (_, i) => `k${i}`)} LIMIT ? OFFSET ?`;
  return { columns, filter, sort, limit, select: { sql, params } };
}

/** The COUNT over a filter, with its parameters. */
export function countSql(columns: CollectionColumns, filter: ReturnType<typeof normalizeFilter>): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [];
  const where = filterSql(filter, columns, params);
  return { sql: `SELECT count(*) AS n FROM ${quoteIdent(columns.table)} WHERE ${where}`, params };
}
