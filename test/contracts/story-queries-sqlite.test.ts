import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteDocumentStore, sqliteDatabaseOf } from '../../src/adapters/sqlite/sqlite-document-store.js';
import { STORY_SQL, createSqliteStoryQueries } from '../../src/adapters/sqlite/sqlite-story-queries.js';
import type { DocumentStore } from '../../src/ports/document-store.js';
import { storyQueriesContract } from './story-queries.contract.js';

const stores: DocumentStore[] = [];
const open = () => {
  const store = openSqliteDocumentStore({ path: ':memory:' });
  stores.push(store);
  return store;
};
afterAll(async () => {
  for (const store of stores) await store.close();
});

storyQueriesContract('sqlite', async () => {
  const store = open();
  return { store, queries: createSqliteStoryQueries(store) };
});

describe('SQLite story queries', () => {
  it('start every query from an index and find chapters and scenes by primary key (no table scan)', () => {
    const db = sqliteDatabaseOf(open())!;
    for (const [name, sql] of Object.entries(STORY_SQL)) {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ id: 'x', project: 'p' }) as { detail: string }[]).map((row) => row.detail);
      expect(plan.filter((detail) => /^SCAN (?!hit\b)/.test(detail)), name).toEqual([]);
      expect(plan.join('\n'), name).toMatch(/USING (COVERING )?INDEX ("?(panels|scenes)\.(character_ids|speaker_ids):value|ix_(panels|scenes)__location_id-typed)/);
    }
  });

  it('refuses a store it cannot share a connection with', () => {
    expect(() => createSqliteStoryQueries({} as DocumentStore)).toThrow(/openSqliteDocumentStore/);
  });
});
