import type { Db } from 'mongodb';
import type { CollectionSpec } from '../../ports/collections.js';

/**
 * Creates the declared indexes (idempotent). Unique indexes only cover documents that have
 * the field, matching SQLite, where NULLs never collide.
 */
export async function ensureIndexes(db: Db, collections: Record<string, CollectionSpec>): Promise<void> {
  for (const [name, spec] of Object.entries(collections)) {
    const collection = db.collection(name);
    for (const index of spec.indexes) {
      const keys = Object.fromEntries(index.fields.map((field) => [field === 'id' ? '_id' : field, 1 as const]));
      const indexName = `${index.unique ? 'ux' : 'ix'}_${index.fields.join('_')}`;
      if (!index.unique) {
        await collection.createIndex(keys, { name: indexName });
        continue;
      }
      const partial = Object.fromEntries(index.fields.map((field) => [field, { $exists: true }]));
      await collection.createIndex(keys, { name: indexName, unique: true, partialFilterExpression: partial }).catch(async () => {
        // Servers without partial indexes (FerretDB v1) get a plain unique index.
        await collection.createIndex(keys, { name: indexName, unique: true });
      });
    }
  }
}
