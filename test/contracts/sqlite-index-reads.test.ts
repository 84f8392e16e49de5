/** SQLite array indexes (side tables written by the store, emptied by a delete trigger), projections and index-only totals. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteDocumentStore, sqliteDatabaseOf } from '../../src/adapters/sqlite/sqlite-document-store.js';
import { elementRows } from '../../src/adapters/sqlite/array-index.js';
import type { CollectionSpec } from '../../src/ports/collections.js';
import type { DocumentStore, NewDoc, StoredDoc } from '../../src/ports/document-store.js';
import { hexId } from './document-store.fixtures.js';

type Thing = StoredDoc & Record<string, unknown>;
const plain = { things: { indexes: [{ fields: ['group'] }] } };
const withTags = { things: { indexes: [{ fields: ['group'] }, { fields: ['tags'], array: true }] } };

const plan = (db: Database.Database, sql: string, ...params: unknown[]) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail).join(' | ');

describe('SQLite array indexes', () => {
  let dir: string;
  const opened: DocumentStore[] = [];
  const open = (collections: Record<string, CollectionSpec>, path = join(dir, 'inkframe.db')) => {
    const store = openSqliteDocumentStore({ path, collections });
    opened.push(store);
    return store;
  };
  const tables = (store: DocumentStore) =>
    sqliteDatabaseOf(store)!.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE 'things%' ORDER BY name`).pluck().all();
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'inkframe-array-index-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers $contains from the side table, which a newly declared index fills from existing documents', async () => {
    const first = open(plain);
    await first.insertMany<Thing>('things', [
      { id: hexId(1), group: 'g', tags: ['a', 'b'] },
      { id: hexId(2), group: 'g', tags: ['b', 2] },
      { id: hexId(3), group: 'h', tags: 'a' },
    ]);
    await first.close();

    const second = open(withTags);
    expect(tables(second)).toEqual(['things', 'things.tags', 'things.tags:delete']);
    const ids = async (value: string | number) => (await second.find('things', { tags: { $contains: value } }, { fields: [] })).map((doc) => doc.id);
    expect(await ids('a')).toEqual([hexId(1)]);
    expect(await ids('b')).toEqual([hexId(1), hexId(2)]);
    expect(await ids(2)).toEqual([hexId(2)]);
    const db = sqliteDatabaseOf(second)!;
    expect(plan(db, `SELECT id FROM things WHERE id IN (SELECT ax.id FROM "things.tags" AS ax WHERE ax.type = 'text' AND ax.value = ?)`, 'a')).toMatch(
      /COVERING INDEX things\.tags:value/,
    );
    // Rows per element, and only for arrays.
    expect(db.prepare(`SELECT count(*) FROM "things.tags"`).pluck().get()).toBe(4);
    await second.close();

    // No longer declared: the side table and its triggers go, and writes no longer touch them.
    const third = open(plain);
    expect(tables(third)).toEqual(['things']);
    await third.insert<Thing>('things', { id: hexId(4), tags: ['a'] });
    expect(await third.count('things', { tags: { $contains: 'a' } })).toBe(2);
  });

  it('forgets side-table rows written by a rolled back transaction', async () => {
    const store = open(withTags, ':memory:');
    await store.insert<Thing>('things', { id: hexId(1), tags: ['a'] });
    await expect(
      store.transaction(async (tx) => {
        await tx.insert<Thing>('things', { id: hexId(2), tags: ['a'] });
        await tx.update<Thing>('things', hexId(1), { tags: ['z'] });
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await store.find('things', { tags: { $contains: 'a' } }, { fields: [] })).toEqual([{ id: hexId(1) }]);
    expect(sqliteDatabaseOf(store)!.prepare(`SELECT count(*) FROM "things.tags"`).pluck().get()).toBe(1);
  });

  it('writes the same rows as json_each() would, for every kind of element', async () => {
    const store = open(withTags, ':memory:');
    const db = sqliteDatabaseOf(store)!;
    const values: unknown[] = [['a', 'a', 1, -2, 2.5, 1e300, 2 ** 62, 0, true, false, null, { o: 1 }, [1], ''], 'not an array', {}, [], null];
    for (const [i, tags] of values.entries()) {
      const id = hexId(i + 1);
      await store.insert<Thing>('things', { id, tags });
      const written = db.prepare(`SELECT type, value FROM "things.tags" WHERE id = ? ORDER BY rowid`).raw().all(id);
      const jsonEach = db
        .prepare(`SELECT je.type, je.value FROM things AS t, json_each(t.data, '$.tags') AS je WHERE t.id = ? AND json_type(t.data, '$.tags') = 'array' AND je.type NOT IN ('array', 'object') ORDER BY je.key`)
        .raw()
        .all(id);
      expect(written).toEqual(jsonEach);
      expect(written).toEqual(elementRows((JSON.parse(JSON.stringify({ tags })) as { tags: unknown }).tags));
    }
  });

  it('keeps the rows in step with updates (only of the field) and deletes', async () => {
    const store = open(withTags, ':memory:');
    const db = sqliteDatabaseOf(store)!;
    const rows = (id: string) => db.prepare(`SELECT value FROM "things.tags" WHERE id = ? ORDER BY rowid`).pluck().all(id);
    await store.insertMany<Thing>('things', [
      { id: hexId(1), tags: ['a', 'b'] },
      { id: hexId(2), tags: ['b'] },
    ]);
    await store.update<Thing>('things', hexId(1), { group: 'g' });
    expect(rows(hexId(1))).toEqual(['a', 'b']);
    await store.update<Thing>('things', hexId(1), { tags: ['a', 'b'] });
    expect(rows(hexId(1))).toEqual(['a', 'b']);
    await store.update<Thing>('things', hexId(1), { tags: ['c'] });
    expect(rows(hexId(1))).toEqual(['c']);
    await store.update<Thing>('things', hexId(1), { tags: 'none' });
    expect(rows(hexId(1))).toEqual([]);
    expect((await store.find('things', { tags: { $contains: 'b' } }, { fields: [] })).map((doc) => doc.id)).toEqual([hexId(2)]);
    await store.deleteMany('things', { group: { $ne: 'g' } });
    expect(db.prepare(`SELECT count(*) FROM "things.tags"`).pluck().get()).toBe(0);
    // A refused insert (duplicate id) leaves no rows behind.
    await store.insert<Thing>('things', { id: hexId(3), tags: ['x'] });
    await expect(store.insert<Thing>('things', { id: hexId(3), tags: ['y'] })).rejects.toThrow();
    expect(rows(hexId(3))).toEqual(['x']);
  });

  it('drops the insert and update triggers of databases that still have them, without doubling rows', async () => {
    const path = join(dir, 'inkframe.db');
    const first = open(withTags, path);
    await first.insert<Thing>('things', { id: hexId(1), tags: ['a'] });
    const db = sqliteDatabaseOf(first)!;
    // The layout before the store wrote the rows itself.
    db.exec(`CREATE TRIGGER "things.tags:insert" AFTER INSERT ON things BEGIN INSERT INTO "things.tags" (type, value, id) SELECT je.type, je.value, NEW.id FROM json_each(NEW.data, '$.tags') AS je; END`);
    await first.close();

    const second = open(withTags, path);
    expect(tables(second)).toEqual(['things', 'things.tags', 'things.tags:delete']);
    await second.insert<Thing>('things', { id: hexId(2), tags: ['a'] });
    expect(sqliteDatabaseOf(second)!.prepare(`SELECT count(*) FROM "things.tags"`).pluck().get()).toBe(2);
  });

  it('rejects an array index with several fields or unique', () => {
    expect(() => open({ bad: { indexes: [{ fields: ['a', 'b'], array: true }] } }, ':memory:')).toThrow(/exactly one field/);
    expect(() => open({ bad: { indexes: [{ fields: ['a'], array: true, unique: true }] } }, ':memory:')).toThrow(/not unique/);
  });
});

describe('SQLite index-only reads', () => {
  it('projects indexed fields in SQL and others from the parsed document, with the same answers', async () => {
    const fields = ['n', 's', 'flag', 'nothing', 'list', 'obj', 'absent'];
    const docs: NewDoc<Thing>[] = [
      { id: hexId(1), n: 1, s: 'one', flag: true, nothing: null, list: ['x', 1], obj: { k: [1, { d: 2 }] } },
      { id: hexId(2), n: 2.5, s: '', flag: false, list: [] },
      { id: hexId(3), n: '7', obj: {} },
    ];
    const stores = [
      openSqliteDocumentStore({ path: ':memory:', collections: { things: { indexes: [{ fields }] } } }),
      openSqliteDocumentStore({ path: ':memory:', collections: { things: { indexes: [] } } }),
    ];
    try {
      const answers = [];
      for (const store of stores) {
        await store.insertMany<Thing>('things', docs);
        answers.push(await store.find('things', {}, { fields }));
      }
      expect(answers[0]).toEqual([
        { id: hexId(1), n: 1, s: 'one', flag: true, nothing: null, list: ['x', 1], obj: { k: [1, { d: 2 }] } },
        { id: hexId(2), n: 2.5, s: '', flag: false, list: [] },
        { id: hexId(3), n: '7', obj: {} },
      ]);
      expect(answers[1]).toEqual(answers[0]);
      await expect(stores[0]!.find('things', {}, { fields: ['__proto__'] })).rejects.toThrow(/Invalid field name/);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('answers the project stats totals and imageless count from the panels index alone', async () => {
    const store = openSqliteDocumentStore({ path: ':memory:' });
    try {
      const db = sqliteDatabaseOf(store)!;
      // Records the SQL the store prepares, to ask SQLite how it runs exactly that.
      const prepared: string[] = [];
      const prepare = db.prepare.bind(db);
      db.prepare = ((sql: string) => {
        prepared.push(sql);
        return prepare(sql);
      }) as typeof db.prepare;
      await store.insertMany<Thing>('panels', [
        { id: hexId(1), project_id: 'p', image_id: null, bubble_count: 2, word_count: 5 },
        { id: hexId(2), project_id: 'p', image_id: 'i', bubble_count: 1, word_count: 1 },
        { id: hexId(3), project_id: 'q', bubble_count: 7, word_count: 7 },
        { id: hexId(4), project_id: 'p', bubble_count: '3', word_count: true },
      ]);
      prepared.length = 0;
      expect(await store.totals('panels', { project_id: 'p' }, ['bubble_count', 'word_count'])).toEqual({ count: 3, sums: { bubble_count: 3, word_count: 6 } });
      expect(await store.count('panels', { project_id: 'p', image_id: null })).toBe(2);
      db.prepare = prepare;
      expect(prepared).toHaveLength(2);
      for (const sql of prepared) expect(plan(db, sql, 'p')).toMatch(/^SEARCH panels USING COVERING INDEX ix_panels__project_id__image_id/);
    } finally {
      await store.close();
    }
  });
});
