import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { openMongoDocumentStore } from '../../src/adapters/mongo/mongo-document-store.js';
import type { DocumentStore } from '../../src/ports/document-store.js';
import { documentStoreContract } from './document-store.contract.js';
import { MONGODB_URL, announceSkip } from '../helpers/services.js';

if (!MONGODB_URL) {
  announceSkip('DocumentStore contract on MongoDB', 'MONGODB_URL');
  describe.skip('DocumentStore contract: mongodb (MONGODB_URL not set)', () => {
    it('needs a MongoDB server', () => undefined);
  });
} else {
  const url = MONGODB_URL;
  const dbName = `inkframe_contract_${randomBytes(4).toString('hex')}`;
  let shared: (DocumentStore & { supportsTransactions: boolean }) | undefined;

  async function emptyStore(): Promise<DocumentStore> {
    shared ??= await openMongoDocumentStore({ url, dbName });
    const client = new MongoClient(url);
    try {
      const db = client.db(dbName);
      for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) await db.collection(name).deleteMany({});
    } finally {
      await client.close();
    }
    return shared;
  }

  // One connection for the whole file; every test starts from empty collections.
  documentStoreContract('mongodb', emptyStore, async () => undefined);

  describe('MongoDB specifics', () => {
    it('answers ping and reports whether the server has transactions', async () => {
      const store = (await emptyStore()) as DocumentStore & { supportsTransactions: boolean };
      expect(await store.ping()).toBe(true);
      expect(typeof store.supportsTransactions).toBe('boolean');
    });
  });

  afterAll(async () => {
    await shared?.close();
    const client = new MongoClient(url);
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });
}
