/**
 * The DocumentStore contract: what every adapter (SQLite, MongoDB) must do, tested only
 * through the port. `open` must return a store with no documents in it; it is called before
 * every test and `close` (default: store.close()) after it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, VersionConflictError } from '../../src/errors.js';
import type { DocumentStore, StoredDoc } from '../../src/ports/document-store.js';
import { hexId } from './document-store.fixtures.js';
import { queryContract } from './document-store-queries.contract.js';
import { aggregateContract } from './document-store-aggregates.contract.js';
import { transactionContract } from './document-store-transactions.contract.js';

interface Note extends StoredDoc {
  title: string;
  body?: string | null;
  tags?: string[];
  meta?: Record<string, unknown>;
}

interface User extends StoredDoc {
  username: string;
  username_key: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const OLD = '2020-01-01T00:00:00.000Z';

export function documentStoreContract(
  name: string,
  open: () => Promise<DocumentStore> | DocumentStore,
  close: (s: DocumentStore) => Promise<void> = (s) => s.close(),
): void {
  describe(`DocumentStore contract: ${name}`, () => {
    let store: DocumentStore;
    const s = (): DocumentStore => store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await close(store);
    });

    describe('insert and get', () => {
      it('sets the managed fields and reads the document back', async () => {
        const inserted = await store.insert<Note>('notes', { id: hexId(1), title: 'Hello', tags: ['a'] });
        expect(inserted).toMatchObject({ id: hexId(1), title: 'Hello', tags: ['a'], version: 1 });
        expect(inserted.created_at).toMatch(ISO);
        expect(inserted.updated_at).toBe(inserted.created_at);
        expect(await store.get<Note>('notes', hexId(1))).toEqual(inserted);
      });

      it('keeps managed fields the caller gives', async () => {
        const given = { id: hexId(1), title: 'Imported', created_at: OLD, updated_at: '2021-01-01T00:00:00.000Z', version: 7 };
        expect(await store.insert<Note>('notes', given)).toEqual(given);
        expect(await store.get('notes', hexId(1))).toEqual(given);
      });

      it('returns null for an unknown id, also in a collection never written', async () => {
        await store.insert<Note>('notes', { id: hexId(1), title: 'x' });
        expect(await store.get('notes', hexId(2))).toBeNull();
        expect(await store.get('never_written', hexId(1))).toBeNull();
        expect(await store.find('never_written', {})).toEqual([]);
      });

      it('rejects a duplicate id with ConflictError', async () => {
        await store.insert<Note>('notes', { id: hexId(1), title: 'first' });
        await expect(store.insert<Note>('notes', { id: hexId(1), title: 'second' })).rejects.toBeInstanceOf(ConflictError);
        expect((await store.get<Note>('notes', hexId(1)))?.title).toBe('first');
      });

      it('rejects a duplicate unique key with ConflictError, on insert and on update', async () => {
        await store.insert<User>('users', { id: hexId(1), username: 'Ann', username_key: 'ann' });
        await expect(store.insert<User>('users', { id: hexId(2), username: 'ANN', username_key: 'ann' })).rejects.toBeInstanceOf(
          ConflictError,
        );
        await store.insert<User>('users', { id: hexId(3), username: 'Bob', username_key: 'bob' });
        await expect(store.update<User>('users', hexId(3), { username_key: 'ann' })).rejects.toBeInstanceOf(ConflictError);
        expect((await store.get<User>('users', hexId(3)))?.username_key).toBe('bob');
        expect(await store.count('users', {})).toBe(2);
      });

      it('insertMany inserts all documents with the managed fields', async () => {
        const docs = await store.insertMany<Note>('notes', [
          { id: hexId(1), title: 'a' },
          { id: hexId(2), title: 'b' },
        ]);
        expect(docs.map((d) => [d.id, d.title, d.version])).toEqual([
          [hexId(1), 'a', 1],
          [hexId(2), 'b', 1],
        ]);
        expect(await store.count('notes', {})).toBe(2);
        expect(await store.insertMany('notes', [])).toEqual([]);
      });

      it('insertMany is all or nothing', async () => {
        await store.insert<User>('users', { id: hexId(1), username: 'Ann', username_key: 'ann' });
        const batch = (key: string) => [
          { id: hexId(2), username: 'Bob', username_key: 'bob' },
          { id: hexId(3), username: 'Ann2', username_key: key },
        ];
        await expect(store.insertMany<User>('users', batch('ann'))).rejects.toBeInstanceOf(ConflictError);
        await expect(store.insertMany<User>('users', batch('bob'))).rejects.toBeInstanceOf(ConflictError);
        await expect(
          store.insertMany<Note>('notes', [
            { id: hexId(5), title: 'a' },
            { id: hexId(5), title: 'b' },
          ]),
        ).rejects.toBeInstanceOf(ConflictError);
        expect(await store.count('users', {})).toBe(1);
        expect(await store.count('notes', {})).toBe(0);
      });
    });

    describe('update', () => {
      it('changes only the given fields and bumps version and updated_at', async () => {
        await store.insert<Note>('notes', { id: hexId(1), title: 'a', body: 'text', tags: ['x'], created_at: OLD });
        const updated = await store.update<Note>('notes', hexId(1), { title: 'b' });
        expect(updated).toMatchObject({ id: hexId(1), title: 'b', body: 'text', tags: ['x'], created_at: OLD, version: 2 });
        expect(updated?.updated_at).toMatch(ISO);
        expect(updated!.updated_at > OLD).toBe(true);
        expect(await store.get('notes', hexId(1))).toEqual(updated);
        expect((await store.update<Note>('notes', hexId(1), { body: 'more' }))?.version).toBe(3);
      });

      it('stores null, ignores undefined and replaces top-level objects as a whole', async () => {
        await store.insert<Note>('notes', { id: hexId(1), title: 'a', body: 'text', meta: { a: 1, b: 2 } });
        const updated = await store.update<Note>('notes', hexId(1), { body: null, title: undefined, meta: { c: 3 } });
        expect(updated).toMatchObject({ title: 'a', body: null, meta: { c: 3 } });
        const stored = await store.get<Note>('notes', hexId(1));
        expect(stored && 'body' in stored && stored.body === null).toBe(true);
        expect(stored?.meta).toEqual({ c: 3 });
      });

      it('ignores managed fields in the patch', async () => {
        await store.insert<Note>('notes', { id: hexId(1), title: 'a', created_at: OLD });
        const patch = { title: 'b', id: hexId(9), created_at: '1999-01-01T00:00:00.000Z', version: 42, updated_at: OLD };
        const updated = await store.update<Note>('notes', hexId(1), patch as never);
        expect(updated).toMatchObject({ id: hexId(1), title: 'b', created_at: OLD, version: 2 });
        expect(updated?.updated_at).not.toBe(OLD);
        expect(await store.get('notes', hexId(9))).toBeNull();
      });

      it('returns null when no document has that id', async () => {
        expect(await store.update<Note>('notes', hexId(1), { title: 'x' })).toBeNull();
        expect(await store.update<Note>('notes', hexId(1), { title: 'x' }, { expectedVersion: 1 })).toBeNull();
        expect(await store.count('notes', {})).toBe(0);
      });

      it('checks expectedVersion', async () => {
        await store.insert<Note>('notes', { id: hexId(1), title: 'a' });
        expect((await store.update<Note>('notes', hexId(1), { title: 'b' }, { expectedVersion: 1 }))?.version).toBe(2);
        const stale = store.update<Note>('notes', hexId(1), { title: 'c' }, { expectedVersion: 1 });
        await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
        await expect(stale).rejects.toMatchObject({ details: { current_version: 2 } });
        expect(await store.get<Note>('notes', hexId(1))).toMatchObject({ title: 'b', version: 2 });
      });
    });

    describe('delete', () => {
      it('delete reports whether a document was deleted', async () => {
        await store.insert<Note>('notes', { id: hexId(1), title: 'a' });
        expect(await store.delete('notes', hexId(1))).toBe(true);
        expect(await store.delete('notes', hexId(1))).toBe(false);
        expect(await store.get('notes', hexId(1))).toBeNull();
      });

      it('deleteMany returns the number deleted', async () => {
        await store.insertMany<Note>('notes', [
          { id: hexId(1), title: 'a', tags: ['x'] },
          { id: hexId(2), title: 'b', tags: ['x'] },
          { id: hexId(3), title: 'c', tags: ['y'] },
        ]);
        expect(await store.deleteMany('notes', { tags: { $contains: 'x' } })).toBe(2);
        expect(await store.deleteMany('notes', { tags: { $contains: 'x' } })).toBe(0);
        expect((await store.find<Note>('notes', {})).map((d) => d.id)).toEqual([hexId(3)]);
      });
    });

    it('returns fresh copies: mutating a result or an input does not change the store', async () => {
      const input = { id: hexId(1), title: 'a', tags: ['x'], meta: { k: 1 } };
      const inserted = await store.insert<Note>('notes', input);
      input.tags.push('input');
      inserted.tags!.push('inserted');
      inserted.title = 'changed';
      const got = await store.get<Note>('notes', hexId(1));
      got!.meta!.k = 2;
      (await store.find<Note>('notes', {}))[0]!.tags!.push('found');
      (await store.update<Note>('notes', hexId(1), { body: 'b' }))!.tags!.push('updated');
      const fresh = await store.get<Note>('notes', hexId(1));
      expect(fresh).toMatchObject({ title: 'a', tags: ['x'], meta: { k: 1 }, body: 'b' });
      expect(await store.get('notes', hexId(1))).not.toBe(fresh);
    });

    it('ping reports a live store', async () => {
      expect(await store.ping()).toBe(true);
    });

    queryContract(s);
    aggregateContract(s);
    transactionContract(s);
  });
}
