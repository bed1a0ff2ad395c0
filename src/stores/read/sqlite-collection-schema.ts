import type Database from 'better-sqlite3';
import { CollectionColumns, orderBySql, quoteIdent } from './filter-sql';
import { indexKeys, indexName, isDeclaredIndexName } from './index-spec';
import type { IndexSpec } from './read-store';
import { addFieldColumn, fieldColumnsOf } from './sqlite-table-writes';

/** A collection's table: the document as JSON, and the position of the last operation applied to it. */
export function createCollectionTable(db: Database.Database, name: string): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${quoteIdent(name)} (id TEXT PRIMARY KEY, doc TEXT NOT NULL, pos INTEGER NOT NULL)`);
}

/**
 * Makes a collection's table, its field columns and its declared indexes exactly the spec's, inside
 * the caller's transaction. Deferred indexes get their field columns only.
 */
export function declareCollection(db: Database.Database, collection: string, indexes: IndexSpec[], deferred: IndexSpec[]): void {
  const table = quoteIdent(collection);
  createCollectionTable(db, collection);
  const existing = fieldColumnsOf(db, collection).indexed;
  for (const index of [...indexes, ...deferred]) {
    for (const [field] of index.fields) {
      if (field === 'id' || existing.has(field)) continue;
      addFieldColumn(db, collection, field);
      existing.add(field);
    }
  }
  const columns = new CollectionColumns(collection, existing);
  // Index names are global in SQLite, hence the collection prefix.
  const prefix = `${collection}:`;
  const wanted = new Map(
    indexes.map((index) => {
      const name = `${prefix}${indexName(index)}`;
      const keys = orderBySql(indexKeys(index), (f) => columns.expr(f));
      return [name, `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(name)} ON ${table} (${keys})`];
    }),
  );
  // The declared indexes become exactly the spec's (see isDeclaredIndexName): the same spec again
  // changes nothing; one no longer declared, or stored with another definition, is dropped.
  // SQLite keeps each index's CREATE statement as given (less IF NOT EXISTS), so comparing it is exact.
  const stored = db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`).all(collection) as Array<{ name: string; sql: string }>;
  for (const { name, sql } of stored) {
    if (!name.startsWith(prefix) || !isDeclaredIndexName(name.slice(prefix.length))) continue;
    if (wanted.get(name) === sql) wanted.delete(name);
    else db.exec(`DROP INDEX ${quoteIdent(name)}`);
  }
  for (const create of wanted.values()) db.exec(create);
}
