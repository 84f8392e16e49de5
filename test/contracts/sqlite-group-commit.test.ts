/** Group commit in the SQLite store: queued transactions share one COMMIT but keep their own outcome. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqliteDocumentStore, sqliteDatabaseOf } from '../../src/adapters/sqlite/sqlite-document-store.js';
import type { DocumentStore, StoredDoc } from '../../src/ports/document-store.js';
import { hexId } from './document-store.fixtures.js';

type Note = StoredDoc & { n: number };

describe('SQLite group commit', () => {
  let dir: string;
  let store: DocumentStore;
  /** Every statement passed to db.exec, in order, plus the moments callers were answered. */
  let log: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'inkframe-group-commit-'));
    store = openSqliteDocumentStore({ path: join(dir, 'inkframe.db') });
    const db = sqliteDatabaseOf(store)!;
    const exec = db.exec.bind(db);
    log = [];
    vi.spyOn(db, 'exec').mockImplementation((sql: string) => {
      log.push(sql.split(' ')[0]!);
      return exec(sql);
    });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (i: number) =>
    store.transaction(async (tx) => {
      await tx.insert<Note>('notes', { id: hexId(i), n: i });
      return i;
    });

  it('commits transactions that queued up together with one COMMIT and answers each after it', async () => {
    const answered = Array.from({ length: 10 }, (_, i) => insert(i + 1).then((value) => (log.push(`answered ${value}`), value)));
    expect(await Promise.all(answered)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(log.filter((entry) => entry === 'COMMIT')).toHaveLength(1);
    expect(log.indexOf('COMMIT')).toBeLessThan(log.findIndex((entry) => entry.startsWith('answered')));
    expect(await store.count('notes', {})).toBe(10);
  });

  it('batches transactions started from separate callbacks of one event-loop turn, as requests are', async () => {
    const answered = await new Promise<number[]>((resolve) => {
      const pending: Promise<number>[] = [];
      // Each callback, like each socket's data callback, is followed by its own microtasks.
      for (let i = 1; i <= 5; i++) setImmediate(() => pending.push(insert(i)));
      setImmediate(() => resolve(Promise.all(pending)));
    });
    expect(answered).toEqual([1, 2, 3, 4, 5]);
    expect(log.filter((entry) => entry === 'COMMIT')).toHaveLength(1);
  });

  it('keeps a failing member apart: only its own writes are undone', async () => {
    const failure = new Error('member failed');
    const results = await Promise.allSettled([
      insert(1),
      store.transaction(async (tx) => {
        await tx.insert<Note>('notes', { id: hexId(2), n: 2 });
        throw failure;
      }),
      insert(3),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(failure);
    expect((await store.find<Note>('notes', {})).map((d) => d.n)).toEqual([1, 3]);
  });

  it('fails every member of a batch whose COMMIT fails, and stores none of them', async () => {
    const db = sqliteDatabaseOf(store)!;
    const exec = vi.mocked(db.exec).getMockImplementation()!;
    let failed = false;
    vi.mocked(db.exec).mockImplementation((sql: string) => {
      if (sql === 'COMMIT' && !failed) {
        failed = true;
        throw new Error('disk I/O error');
      }
      return exec(sql);
    });
    const results = await Promise.allSettled([insert(1), insert(2), insert(3)]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(await store.count('notes', {})).toBe(0);
    // The store is still usable afterwards.
    expect(await insert(4)).toBe(4);
    expect(await store.count('notes', {})).toBe(1);
  });

  it('lets a member see the writes of the members before it', async () => {
    const [, seen] = await Promise.all([insert(1), store.transaction(async (tx) => (await tx.get<Note>('notes', hexId(1)))?.n ?? null)]);
    expect(seen).toBe(1);
  });

  it("runs each member in its caller's async context", async () => {
    const request = new AsyncLocalStorage<string>();
    const seen = await Promise.all(['a', 'b', 'c'].map((id) => request.run(id, () => store.transaction(async () => request.getStore()))));
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});
