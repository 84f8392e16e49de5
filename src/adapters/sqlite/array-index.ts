/**
 * Array indexes (IndexSpec `array: true`). An expression index holds one entry per row, so it
 * cannot index the elements of a JSON array; each declared array index is therefore a side
 * table of `(type, value, id)` rows, one per scalar element (json_each's types and values),
 * named `<collection>.<field>` (a dot never appears in a collection name). `$contains` on the
 * field then becomes a lookup in the side table (filter-sql.ts) instead of json_each() over
 * every candidate document.
 *
 * The store writes the rows of inserted and updated documents itself (SqliteCore, from the
 * document it already holds, with `elementRows`), in the same transaction; a trigger removes a
 * deleted document's rows (whatever deleted it). Triggers used to do the inserts too, but each
 * one parsed the whole document again with json_each(): that doubled the cost of a panel insert.
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

export type ElementRow = [type: 'null' | 'true' | 'false' | 'integer' | 'real' | 'text', value: string | number | null];

/**
 * The side-table rows of a stored (JSON-decoded) field value, as json_each() names them: one
 * per scalar element of an array, none for anything else.
 */
export function elementRows(value: unknown): ElementRow[] {
  if (!Array.isArray(value)) return [];
  const rows: ElementRow[] = [];
  for (const element of value) {
    if (element === null) rows.push(['null', null]);
    else if (element === true) rows.push(['true', 1]);
    else if (element === false) rows.push(['false', 0]);
    else if (typeof element === 'string') rows.push(['text', element]);
    // Decoded JSON numbers are finite; json_each calls integers that fit in 64 bits 'integer'.
    else if (typeof element === 'number') rows.push([Number.isInteger(element) && Math.abs(element) < 2 ** 63 ? 'integer' : 'real', element]);
  }
  return rows;
}

/** The same rows in SQL, for the documents stored before the index was declared (alias `t`). */
function elementRowsSql(path: string, collection: string): string {
  return (
    `SELECT je.type, je.value, t.id FROM "${collection}" AS t, json_each(t.data, ${path}) AS je ` +
    `WHERE json_type(t.data, ${path}) = 'array' AND je.type NOT IN ('array', 'object')`
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
    db.exec(`INSERT INTO "${table}" (type, value, id) ${elementRowsSql(path, collection)}`);
  }
  // Databases from before the store wrote the rows itself still have these: they would double them.
  db.exec(`DROP TRIGGER IF EXISTS "${table}:insert"`);
  db.exec(`DROP TRIGGER IF EXISTS "${table}:update"`);
  db.exec(`CREATE TRIGGER IF NOT EXISTS "${table}:delete" AFTER DELETE ON "${collection}" BEGIN DELETE FROM "${table}" WHERE id = OLD.id; END`);
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
