import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { openMongoDocumentStore } from '../../src/adapters/mongo/mongo-document-store.js';
import { createMongoStoryQueries } from '../../src/adapters/mongo/mongo-story-queries.js';
import type { DocumentStore } from '../../src/ports/document-store.js';
import { MONGODB_URL, announceSkip } from '../helpers/services.js';
import { storyQueriesContract } from './story-queries.contract.js';

if (!MONGODB_URL) {
  announceSkip('StoryQueries contract on MongoDB', 'MONGODB_URL');
  describe.skip('StoryQueries contract: mongodb (MONGODB_URL not set)', () => {
    it('needs a MongoDB server', () => undefined);
  });
} else {
  const url = MONGODB_URL;
  const dbName = `inkframe_story_queries_${randomBytes(4).toString('hex')}`;
  let store: DocumentStore | undefined;

  // Every test of the contract makes its own project ids, so one database serves the file.
  storyQueriesContract('mongodb', async () => {
    store = await openMongoDocumentStore({ url, dbName });
    return { store, queries: createMongoStoryQueries(store) };
  });

  describe('MongoDB story queries', () => {
    it('refuses a store it cannot share a connection with', () => {
      expect(() => createMongoStoryQueries({} as DocumentStore)).toThrow(/openMongoDocumentStore/);
    });
  });

  afterAll(async () => {
    await store?.close();
    const client = new MongoClient(url);
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });
}
