/**
 * Array indexes (IndexSpec `array: true`). An expression index holds one entry per row, so it
 * cannot index the elements of a JSON array; each declared array index is therefore a side
 * table of `(type, value, id)` rows, one per scalar element, named `<collection>.<field>` (a
 * dot never appears in a collection name). Triggers on the collection table keep it in step
 * with every insert, update (only when the field changed) and delete, in the same transaction,
 * whatever code path wrote. `$contains` on the field then becomes a lookup in the side table
 * (filter-sql.ts) instead of json_each() over every candidate document.
 */
import type Database from 'better-sqlite3';
import { assertFieldName } from './filter-sql.js';

export function arrayTableName(collection: string, field: string): string {
  assertFieldName(field);
  return `${collection}.${field}`;
}

/** True for the side tables of array indexes (they hold no documents). */
export function isArrayIndexTable(name: string): boolean {
  return name.includes('.');
}

const TRIGGERS = ['insert', 'update', 'delete'] as const;

/** The side-table rows of document `doc` (NEW, or an alias that `source` introduces): its array's scalar elements. */
function elementRows(doc: string, path: string, source = ''): string {
  return (
    `SELECT je.type, je.value, ${doc}.id FROM ${source}json_each(${doc}.data, ${path}) AS je ` +
    `WHERE json_type(${doc}.data, ${path}) = 'array' AND je.type NOT IN ('array', 'object')`
  );
}

function createArrayIndex(db: Database.Database, collection: string, field: string): string {
  const table = arrayTableName(collection, field);
  const path = `'$.${field}'`;
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).pluck().get(table) !== undefined;
  if (!exists) {
    db.exec(`CREATE TABLE "${table}" (type TEXT NOT NULL, value, id TEXT NOT NULL)`);
    db.exec(`CREATE INDEX "${table}:value" ON "${table}" (type, value, id)`);
    db.exec(`CREATE INDEX "${table}:id" ON "${table}" (id)`);
    // Documents stored before the index was declared.
    db.exec(`INSERT INTO "${table}" (type, value, id) ${elementRows('t', path, `"${collection}" AS t, `)}`);
  }
  const into = `INSERT INTO "${table}" (type, value, id) ${elementRows('NEW', path)};`;
  const remove = `DELETE FROM "${table}" WHERE id = OLD.id;`;
  db.exec(`CREATE TRIGGER IF NOT EXISTS "${table}:insert" AFTER INSERT ON "${collection}" BEGIN ${into} END`);
  // `->` keeps JSON types apart ('["a"]' the string vs ["a"] the array), unlike json_extract().
  db.exec(
    `CREATE TRIGGER IF NOT EXISTS "${table}:update" AFTER UPDATE ON "${collection}" ` +
      `WHEN (OLD.data -> ${path}) IS NOT (NEW.data -> ${path}) OR OLD.id IS NOT NEW.id BEGIN ${remove} ${into} END`,
  );
  db.exec(`CREATE TRIGGER IF NOT EXISTS "${table}:delete" AFTER DELETE ON "${collection}" BEGIN ${remove} END`);
  return table;
}

function dropArrayIndex(db: Database.Database, table: string): void {
  for (const suffix of TRIGGERS) db.exec(`DROP TRIGGER IF EXISTS "${table}:${suffix}"`);
  db.exec(`DROP TABLE IF EXISTS "${table}"`);
}

/**
 * Creates (and fills) the side tables of the declared array fields and drops those of fields
 * no longer declared. Idempotent; runs with the collection's other DDL at open.
 */
export function ensureArrayIndexes(db: Database.Database, collection: string, fields: readonly string[]): void {
  const wanted = new Set(fields.map((field) => createArrayIndex(db, collection, field)));
  const prefix = `${collection}.`;
  const existing = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ?`)
    .pluck()
    .all(prefix.length, prefix) as string[];
  for (const table of existing) if (!wanted.has(table)) dropArrayIndex(db, table);
}
