import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latestVersion, migrate, MIGRATIONS, type Migration } from '../../src/adapters/sqlite/migrations.js';
import { openSqliteDocumentStore, sqliteDatabaseOf } from '../../src/adapters/sqlite/sqlite-document-store.js';
import type { DocumentStore, StoredDoc } from '../../src/ports/document-store.js';
import { documentStoreContract } from './document-store.contract.js';
import { hexId } from './document-store.fixtures.js';

/** Ad-hoc documents for these tests. */
type Loose = StoredDoc & Record<string, unknown>;

documentStoreContract('SQLite :memory:', () => openSqliteDocumentStore({ path: ':memory:' }));
// The single-process setup keeps recently read documents in memory: every case must hold with it too.
documentStoreContract('SQLite :memory: with the document cache', () => openSqliteDocumentStore({ path: ':memory:', cacheDocumentChars: 1 << 20 }));
// A cache too small for more than a few documents: eviction on every other read.
documentStoreContract('SQLite :memory: with a tiny document cache', () => openSqliteDocumentStore({ path: ':memory:', cacheDocumentChars: 2048 }));

describe('SQLite document cache', () => {
  const cached = () => openSqliteDocumentStore({ path: ':memory:', cacheDocumentChars: 1 << 20 });
  // Writing behind the store's back shows what a read was answered from.
  const sneak = (store: DocumentStore, id: string, data: object) =>
    sqliteDatabaseOf(store)!.prepare(`UPDATE things SET data = ? WHERE id = ?`).run(JSON.stringify({ id, ...data }), id);

  it('answers repeated reads from memory, and only when asked to', async () => {
    for (const [store, expected] of [
      [cached(), 'first'],
      [openSqliteDocumentStore({ path: ':memory:' }), 'behind'],
    ] as const) {
      await store.insert<Loose>('things', { id: hexId(1), v: 'first' });
      expect((await store.get<Loose>('things', hexId(1)))!.v).toBe('first');
      sneak(store, hexId(1), { v: 'behind' });
      expect((await store.get<Loose>('things', hexId(1)))!.v).toBe(expected);
      await store.close();
    }
  });

  it('never keeps what a transaction read or wrote before it committed', async () => {
    const store = cached();
    await store.insert<Loose>('things', { id: hexId(1), v: 'committed' });
    await expect(
      store.transaction(async (tx) => {
        await tx.update<Loose>('things', hexId(1), { v: 'undone' });
        expect((await tx.get<Loose>('things', hexId(1)))!.v).toBe('undone');
        await tx.insert<Loose>('things', { id: hexId(2), v: 'undone' });
        await tx.get<Loose>('things', hexId(2));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await store.get<Loose>('things', hexId(1)))!.v).toBe('committed');
    expect(await store.get<Loose>('things', hexId(2))).toBeNull();
    await store.close();
  });

  it('forgets documents on every kind of write', async () => {
    const store = cached();
    await store.insertMany<Loose>('things', [1, 2, 3].map((i) => ({ id: hexId(i), v: i })));
    for (const i of [1, 2, 3]) await store.get('things', hexId(i));
    await store.update<Loose>('things', hexId(1), { v: 10 });
    await store.delete('things', hexId(2));
    await store.deleteMany('things', { v: 3 });
    expect((await store.get<Loose>('things', hexId(1)))!.v).toBe(10);
    expect(await store.get('things', hexId(2))).toBeNull();
    expect(await store.get('things', hexId(3))).toBeNull();
    await store.transaction(async (tx) => tx.update<Loose>('things', hexId(1), { v: 11 }));
    expect((await store.get<Loose>('things', hexId(1)))!.v).toBe(11);
    await store.close();
  });
});

describe('SQLite document store specifics', () => {
  let dir: string;
  const opened: DocumentStore[] = [];
  const open = (path = join(dir, 'inkframe.db')): DocumentStore => {
    const store = openSqliteDocumentStore({ path });
    opened.push(store);
    return store;
  };
  const db = (store: DocumentStore): Database.Database => sqliteDatabaseOf(store)!;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'inkframe-sqlite-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses WAL, synchronous=FULL, foreign keys and a busy timeout on a file database', () => {
    const conn = db(open());
    expect(conn.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(conn.pragma('synchronous', { simple: true })).toBe(2);
    expect(conn.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(conn.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('keeps data after close and reopen', async () => {
    const first = open();
    await first.insert<Loose>('users', { id: hexId(1), username: 'Ann', username_key: 'ann' });
    await first.insert<Loose>('ad_hoc', { id: hexId(2), tags: ['x'] });
    await first.close();
    const second = open();
    expect(await second.get('users', hexId(1))).toMatchObject({ username: 'Ann', version: 1 });
    expect(await second.find('ad_hoc', { tags: { $contains: 'x' } })).toHaveLength(1);
  });

  it('migrates a new database to the latest version once', async () => {
    const path = join(dir, 'inkframe.db');
    const first = open(path);
    expect(db(first).pragma('user_version', { simple: true })).toBe(latestVersion());
    const marker = db(first).prepare(`SELECT value FROM inkframe_meta WHERE key = 'schema_created_at'`).pluck().get();
    await first.close();
    const second = open(path);
    expect(db(second).pragma('user_version', { simple: true })).toBe(latestVersion());
    expect(db(second).prepare(`SELECT value FROM inkframe_meta WHERE key = 'schema_created_at'`).pluck().get()).toBe(marker);
  });

  it('migrate() runs only pending migrations, in order, and rolls back a failed one', () => {
    const conn = new Database(join(dir, 'raw.db'));
    try {
      const calls: number[] = [];
      const step = (version: number): Migration => ({ version, description: `v${version}`, up: () => void calls.push(version) });
      expect(migrate(conn, [step(1), step(2)])).toBe(2);
      expect(migrate(conn, [step(1), step(2)])).toBe(2);
      expect(calls).toEqual([1, 2]);
      const failing: Migration = {
        version: 4,
        description: 'fails',
        up: (d) => {
          d.exec('CREATE TABLE half_done (x)');
          throw new Error('migration failed');
        },
      };
      expect(() => migrate(conn, [step(1), step(2), step(3), failing])).toThrow('migration failed');
      expect(conn.pragma('user_version', { simple: true })).toBe(2);
      expect(conn.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'half_done'`).pluck().get()).toBe(0);
      expect(() => migrate(conn, [step(1)])).toThrow(/newer than this build/);
      expect(() => migrate(conn, [step(2), step(1)])).toThrow(/increasing/);
    } finally {
      conn.close();
    }
  });

  it('declares the migrations in increasing order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual([...MIGRATIONS.map((m) => m.version)].sort((a, b) => a - b));
  });

  it('builds tables and expression indexes from the declarations, and the planner uses them', () => {
    const conn = db(open());
    const names = conn.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users'`).pluck().all();
    expect(names).toContain('ux_users__username_key');
    const plan = conn
      .prepare(`EXPLAIN QUERY PLAN SELECT data FROM "users" WHERE json_extract(data, '$.username_key') = ? AND json_type(data, '$.username_key') = 'text'`)
      .all('ann') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('ux_users__username_key');
  });

  it('drops indexes no longer declared and adds new ones at reopen', async () => {
    const path = join(dir, 'inkframe.db');
    const first = openSqliteDocumentStore({ path, collections: { things: { indexes: [{ fields: ['a'] }] } } });
    await first.close();
    const second = openSqliteDocumentStore({ path, collections: { things: { indexes: [{ fields: ['b'], unique: true }] } } });
    opened.push(second);
    const names = db(second)
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'things' AND name NOT LIKE 'sqlite_%'`)
      .pluck()
      .all();
    expect(names).toEqual(['ux_things__b']);
  });

  it('rejects collection and field names that could inject SQL', async () => {
    const store = open(':memory:');
    await expect(store.get('users"; DROP TABLE users; --', hexId(1))).rejects.toThrow(/Invalid collection name/);
    await expect(store.insert<Loose>('Users', { id: hexId(1) })).rejects.toThrow(/Invalid collection name/);
    await expect(store.find('sqlite_master', {})).rejects.toThrow(/reserved/);
    await expect(store.find('users', { "a') OR 1=1 --": 'x' })).rejects.toThrow(/Invalid field name/);
    await expect(store.find('users', {}, { sort: [{ field: 'a b', direction: 1 }] })).rejects.toThrow(/Invalid field name/);
    expect(await store.count('users', {})).toBe(0);
  });

  it('rejects undefined and malformed filter values instead of widening the query', async () => {
    const store = open(':memory:');
    await store.insert<Loose>('notes', { id: hexId(1), owner_id: 'a' });
    await expect(store.find('notes', { owner_id: undefined as never })).rejects.toThrow(/undefined/);
    await expect(store.find('notes', { owner_id: {} as never })).rejects.toThrow(/empty condition/);
    await expect(store.find('notes', { owner_id: { $regex: 'a' } as never })).rejects.toThrow(/unknown operator/);
    await expect(store.find('notes', { owner_id: { $ne: 'a', $gt: 'b' } as never })).rejects.toThrow(/cannot be combined/);
    await expect(store.find('notes', {}, { limit: -1 })).rejects.toThrow(/limit/);
  });

  it('fails loudly when the root store is used inside its own transaction', async () => {
    const store = open(':memory:');
    await expect(store.transaction(() => store.count('notes', {}))).rejects.toThrow(/transaction store/);
    let leaked: DocumentStore | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.count('notes', {})).rejects.toThrow(/already ended/);
  });

  it('forgets a table created by a rolled back transaction', async () => {
    const store = open(':memory:');
    await expect(
      store.transaction(async (tx) => {
        await tx.insert<Loose>('fresh', { id: hexId(1) });
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    await store.insert<Loose>('fresh', { id: hexId(2) });
    expect(await store.count('fresh', {})).toBe(1);
  });

  it('keeps outer work when a caught nested transaction fails (savepoint semantics)', async () => {
    const store = open(':memory:');
    await store.transaction(async (tx) => {
      await tx.insert<Loose>('notes', { id: hexId(1) });
      await tx.transaction(async (inner) => {
        await inner.insert<Loose>('notes', { id: hexId(2) });
        throw new Error('inner');
      }).catch(() => undefined);
    });
    expect((await store.find('notes', {})).map((d) => d.id)).toEqual([hexId(1)]);
  });

  it('close is idempotent, waits for an open transaction, and later calls fail', async () => {
    const store = open(':memory:');
    const order: string[] = [];
    const tx = store.transaction(async (t) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      await t.insert<Loose>('notes', { id: hexId(1) });
      order.push('tx');
    });
    await Promise.resolve();
    const closing = store.close().then(() => order.push('closed'));
    await Promise.all([tx, closing, store.close()]);
    expect(order).toEqual(['tx', 'closed']);
    expect(await store.ping()).toBe(false);
    await expect(store.get('notes', hexId(1))).rejects.toThrow(/closed/);
  });

  it('runs a root operation synchronously when no transaction is open', async () => {
    const store = open(':memory:');
    const pending = store.insert<Loose>('notes', { id: hexId(1) });
    // Already written before the returned promise settles: no lock, no queue.
    expect(db(store).prepare('SELECT count(*) FROM notes').pluck().get()).toBe(1);
    await pending;
  });
});
