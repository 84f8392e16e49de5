/**
 * What the MongoDB store lends to read adapters beside it (mongo-story-queries.ts): its
 * database, the server's traits, and `read`, which runs an operation when the store's own
 * reads may (after a transaction of this process ends), with the same error mapping.
 */
import type { Db } from 'mongodb';
import type { DocumentStore } from '../../ports/document-store.js';

export interface MongoReader {
  db: Db;
  /** FerretDB v1: no $lookup/$unionWith/$facet, no expression operators ($in, $cond, ...) in $project/$set. */
  ferretDb: boolean;
  read<R>(collection: string, op: () => Promise<R>): Promise<R>;
}

const readers = new WeakMap<DocumentStore, MongoReader>();

export function registerMongoReader(store: DocumentStore, reader: MongoReader): void {
  readers.set(store, reader);
}

/** The reader of a root store returned by openMongoDocumentStore (undefined for any other store). */
export function mongoReaderOf(store: DocumentStore): MongoReader | undefined {
  return readers.get(store);
}
