/**
 * Tables and indexes built from the CollectionSpec declarations: one `(id, data)` table per
 * collection and one expression index per IndexSpec. Everything is idempotent so it runs at
 * every open; a new declaration just adds its table/index, a removed index is dropped.
 */
import type Database from 'better-sqlite3';
import type { CollectionSpec, IndexSpec } from '../../ports/collections.js';
import { assertFieldName } from './filter-sql.js';
import { META_TABLE } from './migrations.js';

const COLLECTION_NAME = /^[a-z_][a-z0-9_]*$/;

export function assertCollectionName(name: string): void {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new Error(`Invalid collection name ${JSON.stringify(name)}: expected ${COLLECTION_NAME}`);
  }
  // sqlite_* names belong to SQLite; the meta table belongs to the migrations.
  if (name.startsWith('sqlite_') || name === META_TABLE) {
    throw new Error(`Collection name "${name}" is reserved`);
  }
}

/** Index names carry their fields and uniqueness, so a changed declaration gets a new index. */
function indexName(collection: string, index: IndexSpec): string {
  return `${index.unique ? 'ux' : 'ix'}_${collection}__${index.fields.join('__')}`;
}

function indexExpr(field: string): string {
  assertFieldName(field);
  return field === 'id' ? 'id' : `json_extract(data, '$.${field}')`;
}

/** Creates the collection's table and indexes if missing and drops our indexes it no longer declares. */
export function ensureCollection(db: Database.Database, collection: string, spec: CollectionSpec): void {
  assertCollectionName(collection);
  db.exec(`CREATE TABLE IF NOT EXISTS "${collection}" (id TEXT PRIMARY KEY, data TEXT NOT NULL)`);
  const wanted = new Set<string>();
  for (const index of spec.indexes) {
    if (index.fields.length === 0) throw new Error(`Collection "${collection}": an index needs at least one field`);
    const name = indexName(collection, index);
    wanted.add(name);
    const columns = index.fields.map(indexExpr).join(', ');
    db.exec(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${name}" ON "${collection}" (${columns})`);
  }
  const existing = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND substr(name, 1, 3) IN ('ix_', 'ux_')`)
    .pluck()
    .all(collection) as string[];
  for (const name of existing) {
    if (!wanted.has(name)) db.exec(`DROP INDEX IF EXISTS "${name}"`);
  }
}
