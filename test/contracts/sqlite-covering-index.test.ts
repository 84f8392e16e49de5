/** Non-unique SQLite indexes carry the fields' json_type(), so filtered counts never read the documents. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteDocumentStore, sqliteDatabaseOf } from '../../src/adapters/sqlite/sqlite-document-store.js';
import type { DocumentStore, StoredDoc } from '../../src/ports/document-store.js';
import { hexId } from './document-store.fixtures.js';

type Note = StoredDoc & { project_id: unknown };
const collections = { notes: { indexes: [{ fields: ['project_id', 'created_at'] }] } };
const COUNT_SQL = `SELECT count(*) FROM "notes" WHERE (json_extract(data, '$.project_id') = ? AND json_type(data, '$.project_id') = 'text')`;

describe('SQLite covering indexes', () => {
  let dir: string;
  let store: DocumentStore | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'inkframe-covering-'));
  });
  afterEach(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a filtered count from the index alone, keeping types apart', async () => {
    store = openSqliteDocumentStore({ path: ':memory:', collections });
    const plan = sqliteDatabaseOf(store)!.prepare(`EXPLAIN QUERY PLAN ${COUNT_SQL}`).all('p') as { detail: string }[];
    expect(plan.map((row) => row.detail).join(' ')).toMatch(/COVERING INDEX "?ix_notes__project_id__created_at-typed/);
    await store.insertMany<Note>('notes', [
      { id: hexId(1), project_id: 'p' },
      { id: hexId(2), project_id: 'p' },
      { id: hexId(3), project_id: { p: 1 } },
      { id: hexId(4), project_id: 7 },
    ]);
    expect(await store.count('notes', { project_id: 'p' })).toBe(2);
    expect(await store.count('notes', { project_id: 7 })).toBe(1);
  });

  it('replaces an index of the old layout when an existing database is opened', async () => {
    const path = join(dir, 'inkframe.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE notes (id TEXT PRIMARY KEY, data TEXT NOT NULL)`);
    old.exec(`CREATE INDEX "ix_notes__project_id__created_at" ON notes (json_extract(data, '$.project_id'), json_extract(data, '$.created_at'))`);
    old.close();
    store = openSqliteDocumentStore({ path, collections });
    const names = sqliteDatabaseOf(store)!.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'notes' AND name NOT LIKE 'sqlite_%'`).pluck().all();
    expect(names).toEqual(['ix_notes__project_id__created_at-typed']);
  });
});
