/**
 * The MongoDB adapter's undo journal (servers without multi-document transactions, such as
 * FerretDB v1): a transaction a crash cut short is undone at the next open, a live one is
 * left alone, and undoing is safe to repeat. Runs when MONGODB_URL is set; on a server with
 * real transactions the journal is not used and these tests say so and pass trivially.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { openMongoDocumentStore } from '../../src/adapters/mongo/mongo-document-store.js';
import { JOURNAL } from '../../src/adapters/mongo/mongo-undo-journal.js';
import type { DocumentStore, StoredDoc } from '../../src/ports/document-store.js';
import { MONGODB_URL, announceSkip } from '../helpers/services.js';

interface Item extends StoredDoc {
  name: string;
  order: number;
}

const COLLECTIONS = { items: { indexes: [] } };

if (!MONGODB_URL) {
  announceSkip('MongoDB undo journal (crash-interrupted transactions)', 'MONGODB_URL');
  describe.skip('MongoDB undo journal (MONGODB_URL not set)', () => {
    it('needs a MongoDB server', () => undefined);
  });
} else {
  const url = MONGODB_URL;
  const dbName = `inkframe_journal_${randomBytes(4).toString('hex')}`;
  const opened: DocumentStore[] = [];
  const open = async (interruptedTxIdleMs = 0) => {
    const store = await openMongoDocumentStore({ url, dbName, collections: COLLECTIONS, interruptedTxIdleMs });
    opened.push(store);
    return store;
  };
  const client = new MongoClient(url);
  const journalSize = () => client.db(dbName).collection(JOURNAL).countDocuments({});

  afterAll(async () => {
    for (const store of opened) await store.close().catch(() => undefined);
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });

  /**
   * Starts a transaction on `store` that inserts one item, renames another, deletes a third
   * and then hangs, as a process killed at that point would; `release` ends it with an error.
   */
  async function hangingTransaction(store: DocumentStore, ids: { renamed: string; deleted: string }) {
    let release!: () => void;
    const hang = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const wrote = new Promise<void>((resolve) => (reached = resolve));
    const insertedId = randomBytes(12).toString('hex');
    const ended = store
      .transaction(async (tx) => {
        await tx.insert<Item>('items', { id: insertedId, name: 'inserted', order: 9 });
        await tx.update<Item>('items', ids.renamed, { name: 'renamed', order: 5 });
        await tx.delete('items', ids.deleted);
        reached();
        await hang;
        throw new Error('the process died');
      })
      .catch((error: unknown) => error);
    await wrote;
    return { insertedId, release, ended };
  }

  async function seed(store: DocumentStore) {
    await store.deleteMany('items', {});
    const [a, b] = await store.insertMany<Item>('items', [
      { id: randomBytes(12).toString('hex'), name: 'a', order: 0 },
      { id: randomBytes(12).toString('hex'), name: 'b', order: 1 },
    ]);
    return { renamed: a!.id, deleted: b!.id };
  }

  describe('MongoDB undo journal', () => {
    it('undoes a transaction a crash left half done when the database is opened again', async () => {
      const first = await open();
      if ((first as DocumentStore & { supportsTransactions: boolean }).supportsTransactions) {
        process.stderr.write('\n*** MongoDB undo journal: the server has transactions; the journal is not used ***\n\n');
        return;
      }
      const ids = await seed(first);
      const run = await hangingTransaction(first, ids);
      expect(await journalSize()).toBe(3);

      // A second process starting on the database (the first one "dead") undoes what it did.
      const second = await open();
      expect(await second.get('items', run.insertedId)).toBeNull();
      expect(await second.get<Item>('items', ids.renamed)).toMatchObject({ name: 'a', order: 0, version: 1 });
      expect(await second.get<Item>('items', ids.deleted)).toMatchObject({ name: 'b', order: 1, version: 1 });
      expect(await journalSize()).toBe(0);

      // Written after the recovery: the first process's own late rollback must not undo it again.
      await second.update<Item>('items', ids.renamed, { name: 'edited later' });
      run.release();
      expect(await run.ended).toBeInstanceOf(Error);
      expect(await second.get<Item>('items', ids.renamed)).toMatchObject({ name: 'edited later', version: 2 });
      expect(await second.count('items', {})).toBe(2);
    });

    it('leaves a live transaction alone when opened with an idle threshold, and a commit clears its journal', async () => {
      const first = await open();
      if ((first as DocumentStore & { supportsTransactions: boolean }).supportsTransactions) return;
      const ids = await seed(first);
      let release!: () => void;
      const hang = new Promise<void>((resolve) => (release = resolve));
      let reached!: () => void;
      const wrote = new Promise<void>((resolve) => (reached = resolve));
      const committed = first.transaction(async (tx) => {
        await tx.update<Item>('items', ids.renamed, { order: 7 });
        reached();
        await hang;
        await tx.update<Item>('items', ids.deleted, { order: 8 });
      });
      await wrote;

      // Another process of a multi-process deployment starts meanwhile: the journal is fresh, so not a crash's.
      const other = await open(60_000);
      expect(await other.get<Item>('items', ids.renamed)).toMatchObject({ order: 7 });
      release();
      await committed;
      expect(await other.get<Item>('items', ids.deleted)).toMatchObject({ order: 8 });
      expect(await journalSize()).toBe(0);
    });
  });
}
