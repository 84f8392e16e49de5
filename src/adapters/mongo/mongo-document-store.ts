/**
 * DocumentStore on the official MongoDB driver. Documents keep the app's 24-hex id as `_id`.
 * Writes use w:"majority" with journaling, so a 2xx means the write is durable.
 *
 * Transactions: on a replica set or sharded cluster, transaction() runs fn in a real
 * multi-document transaction. On servers without transactions (a standalone mongod, or
 * FerretDB v1) it keeps an undo journal instead (mongo-undo-journal.ts): every write inside
 * fn first stores its inverse in the database; when fn throws the inverses run newest first
 * (compensating writes), and the inverses a crash left behind run at the next open, so an
 * interrupted transaction is undone rather than left half done. In both modes other
 * operations of this process wait until the transaction ends, as with SQLite.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { MongoClient, type ClientSession, type Db, type Document } from 'mongodb';
import { COLLECTIONS, type CollectionSpec } from '../../ports/collections.js';
import type { DocumentStore, NewDoc, StoredDoc } from '../../ports/document-store.js';
import { VersionConflictError } from '../../errors.js';
import { Mutex } from '../../lib/mutex.js';
import { nowIso } from '../../lib/time.js';
import { mapMongoError } from './mongo-errors.js';
import { mongoField, toMongoFilter, toMongoProjection, toMongoSort, totalsPipelines } from './mongo-filter.js';
import { ensureIndexes } from './mongo-indexes.js';
import { registerMongoReader } from './mongo-reader.js';
import { REINSERT_CHUNK, createUndoJournal, ensureJournalIndex, recoverInterrupted, sweepingInterrupted, type UndoEntry, type UndoJournal } from './mongo-undo-journal.js';

export interface MongoDocumentStoreOptions {
  url: string;
  dbName: string;
  collections?: Record<string, CollectionSpec>;
  /** How long a health probe or first connection may wait for a server. */
  serverSelectionTimeoutMS?: number;
  /**
   * Servers without transactions: the undo journal of a transaction idle this long is that of
   * a crashed process and is rolled back (at open, then every so often). 0 (default): every
   * journal found at open is rolled back, right when this process owns the database alone.
   */
  interruptedTxIdleMs?: number;
}

const COLLECTION_NAME = /^[a-z_][a-z0-9_]*$/;
const MANAGED = new Set(['id', 'created_at', 'updated_at', 'version']);

interface TxScope {
  open: boolean;
  /**
   * The scope's operations run one at a time: MongoDB does not support parallel operations in
   * one transaction, and the undo journal must record the writes in the order they happen.
   */
  queue: Promise<unknown>;
  session?: ClientSession;
  /** Compensating writes, when the server has no transactions. */
  journal?: UndoJournal;
}

function toDoc<T>(raw: Document | null): T | null {
  if (!raw) return null;
  const { _id, ...rest } = raw;
  return { id: _id, ...rest } as T;
}

function toRaw(doc: Record<string, unknown>): Document {
  const { id, ...rest } = doc;
  return { _id: id, ...rest };
}

function collectionName(name: string): string {
  if (!COLLECTION_NAME.test(name) || name.startsWith('system')) throw new Error(`Invalid collection name ${JSON.stringify(name)}`);
  return name;
}

export async function openMongoDocumentStore(options: MongoDocumentStoreOptions): Promise<DocumentStore & { supportsTransactions: boolean }> {
  const client = new MongoClient(options.url, {
    writeConcern: { w: 'majority', journal: true },
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
    ignoreUndefined: true,
  });
  await client.connect();
  const db = client.db(options.dbName);
  const hello = await db.admin().command({ hello: 1 }).catch(() => ({}) as Document);
  const supportsTransactions = Boolean(hello.setName) || hello.msg === 'isdbgrid';
  const build = await db.admin().command({ buildInfo: 1 }).catch(() => ({}) as Document);
  await ensureIndexes(db, options.collections ?? COLLECTIONS);
  const idleMs = options.interruptedTxIdleMs ?? 0;
  if (!supportsTransactions) {
    await ensureJournalIndex(db);
    await recoverInterrupted(db, idleMs);
  }
  const store = createStore(client, db, { supportsTransactions, ferretDb: typeof build.ferretdbVersion === 'string' });
  return !supportsTransactions && idleMs > 0 ? sweepingInterrupted(store, db, idleMs) : store;
}

interface ServerTraits {
  supportsTransactions: boolean;
  /** FerretDB (a MongoDB wire-protocol server) lacks some aggregation features; see totalsPipelines. */
  ferretDb: boolean;
}

function createStore(client: MongoClient, db: Db, server: ServerTraits): DocumentStore & { supportsTransactions: boolean } {
  const { supportsTransactions } = server;
  const mutex = new Mutex();
  const currentTx = new AsyncLocalStorage<TxScope>();

  const col = (name: string) => db.collection(collectionName(name));

  async function guarded<R>(collection: string, op: () => Promise<R>): Promise<R> {
    try {
      return await op();
    } catch (error) {
      throw mapMongoError(error, collection);
    }
  }

  /** Builds the operations for one scope: the root (queues behind transactions) or a transaction. */
  function view(scope: TxScope | null): DocumentStore {
    const run = async <R>(collection: string, op: (session: ClientSession | undefined) => Promise<R>): Promise<R> => {
      if (scope) {
        if (!scope.open) throw new Error('This transaction has already ended');
        const result = scope.queue.then(() => {
          if (!scope.open) throw new Error('This transaction has already ended');
          return guarded(collection, () => op(scope.session));
        });
        scope.queue = result.catch(() => undefined);
        return result;
      }
      if (currentTx.getStore()?.open) throw new Error('Use the transaction store (tx) inside transaction()');
      if (!mutex.locked) return guarded(collection, () => op(undefined));
      await mutex.acquire();
      try {
        return await guarded(collection, () => op(undefined));
      } finally {
        mutex.release();
      }
    };
    // Stored before the write it undoes: a crash between the two leaves an entry whose undo finds nothing to do.
    const record = (entry: UndoEntry) => scope?.journal?.record(entry);

    const store: DocumentStore = {
      insert: <T extends StoredDoc>(collection: string, doc: NewDoc<T>) =>
        run(collection, async (session) => {
          const now = nowIso();
          const full = { ...doc, created_at: doc.created_at ?? now, updated_at: doc.updated_at ?? doc.created_at ?? now, version: doc.version ?? 1 } as T;
          await record({ op: 'remove', collection, docs: [{ id: full.id, version: full.version }] });
          await col(collection).insertOne(toRaw(full as Record<string, unknown>), { session });
          return structuredClone(full);
        }),

      insertMany: <T extends StoredDoc>(collection: string, docs: NewDoc<T>[]) =>
        run(collection, async (session) => {
          if (docs.length === 0) return [];
          const now = nowIso();
          const full = docs.map((doc) => ({ ...doc, created_at: doc.created_at ?? now, updated_at: doc.updated_at ?? doc.created_at ?? now, version: doc.version ?? 1 }) as T);
          const ids = full.map((doc) => doc.id);
          await record({ op: 'remove', collection, docs: full.map((doc) => ({ id: doc.id, version: doc.version })) });
          try {
            await col(collection).insertMany(full.map((doc) => toRaw(doc as Record<string, unknown>)), { session, ordered: true });
          } catch (error) {
            // All or nothing: take back the part of the batch that went in before the failure.
            if (!session) await col(collection).deleteMany({ _id: { $in: ids as never[] } }).catch(() => undefined);
            throw error;
          }
          return structuredClone(full);
        }),

      get: <T extends StoredDoc>(collection: string, id: string) =>
        run(collection, async (session) => toDoc<T>(await col(collection).findOne({ _id: id as never }, { session }))),

      findOne: <T extends StoredDoc>(collection: string, filter: Parameters<DocumentStore['findOne']>[1]) =>
        run(collection, async (session) => toDoc<T>(await col(collection).findOne(toMongoFilter(filter), { session, sort: toMongoSort(undefined) }))),

      find: <T extends StoredDoc>(collection: string, filter: Parameters<DocumentStore['find']>[1], options: Parameters<DocumentStore['find']>[2] = {}) =>
        run(collection, async (session) => {
          if (options.limit === 0) return [];
          const projection = toMongoProjection(options.fields);
          let cursor = col(collection).find(toMongoFilter(filter), { session, ...(projection ? { projection } : {}) }).sort(toMongoSort(options.sort));
          if (options.skip) cursor = cursor.skip(options.skip);
          if (options.limit) cursor = cursor.limit(options.limit);
          return (await cursor.toArray()).map((raw) => toDoc<T>(raw)!);
        }),

      findPage: async <T extends StoredDoc>(collection: string, filter: Parameters<DocumentStore['findPage']>[1], options: Parameters<DocumentStore['findPage']>[2]) => {
        const [items, total] = await Promise.all([store.find<T>(collection, filter, options), store.count(collection, filter)]);
        return { items, total };
      },

      count: (collection, filter) => run(collection, (session) => col(collection).countDocuments(toMongoFilter(filter), { session })),

      totals: (collection, filter, sumFields) =>
        run(collection, async (session) => {
          const { pipelines, read } = totalsPipelines(toMongoFilter(filter), sumFields, server.ferretDb);
          // Several pipelines only on FerretDB, which has no sessions: nothing runs in parallel inside a transaction.
          return read(await Promise.all(pipelines.map((pipeline) => col(collection).aggregate(pipeline, { session }).toArray())));
        }),

      update: <T extends StoredDoc>(collection: string, id: string, patch: Parameters<DocumentStore['update']>[2], options: Parameters<DocumentStore['update']>[3] = {}) =>
        run(collection, async (session) => {
          const set: Record<string, unknown> = {};
          for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
            if (value !== undefined && !MANAGED.has(key)) set[mongoField(key)] = value;
          }
          // Compare-and-set on version; a concurrent writer makes us re-read (or conflict when a version was expected).
          for (;;) {
            const before = await col(collection).findOne({ _id: id as never }, { session });
            if (!before) return null;
            if (options.expectedVersion !== undefined && before.version !== options.expectedVersion) throw new VersionConflictError(before.version as number);
            const entry = await record({ op: 'restore', collection, before, after_version: (before.version as number) + 1 });
            const after = await col(collection).findOneAndUpdate(
              { _id: id as never, version: before.version },
              { $set: { ...set, updated_at: nowIso() }, $inc: { version: 1 } },
              { session, returnDocument: 'after' },
            );
            if (after) return toDoc<T>(after);
            // Another writer got there first: this write did not happen, so neither may its undo.
            if (entry) await scope!.journal!.forget(entry);
            if (options.expectedVersion !== undefined) throw new VersionConflictError();
          }
        }),

      delete: (collection, id) =>
        run(collection, async (session) => {
          if (!scope?.journal) return (await col(collection).findOneAndDelete({ _id: id as never }, { session })) !== null;
          const before = await col(collection).findOne({ _id: id as never });
          if (!before) return false;
          await record({ op: 'reinsert', collection, docs: [before] });
          return (await col(collection).deleteOne({ _id: id as never })).deletedCount === 1;
        }),

      deleteMany: (collection, filter) =>
        run(collection, async (session) => {
          const query = toMongoFilter(filter);
          if (!scope?.journal) return (await col(collection).deleteMany(query, { session })).deletedCount;
          const before = await col(collection).find(query, { session }).toArray();
          if (before.length === 0) return 0;
          for (let start = 0; start < before.length; start += REINSERT_CHUNK) await record({ op: 'reinsert', collection, docs: before.slice(start, start + REINSERT_CHUNK) });
          const ids = before.map((doc) => doc._id);
          return (await col(collection).deleteMany({ _id: { $in: ids } }, { session })).deletedCount;
        }),

      transaction: (fn) => (scope ? nested(scope, fn) : outermost(fn)),
      ping: async () => {
        try {
          await db.command({ ping: 1 });
          return true;
        } catch {
          return false;
        }
      },
      close: async () => {
        if (scope) throw new Error('Close the root store, not a transaction');
        await mutex.acquire();
        try {
          await client.close();
        } finally {
          mutex.release();
        }
      },
    };
    if (!scope) registerMongoReader(store, { db, ferretDb: server.ferretDb, read: (collection, op) => run(collection, () => op()) });
    return store;
  }

  async function outermost<R>(fn: (tx: DocumentStore) => Promise<R>): Promise<R> {
    if (currentTx.getStore()?.open) throw new Error('Use the transaction store (tx) inside transaction()');
    await mutex.acquire();
    const scope: TxScope = { open: true, queue: Promise.resolve() };
    try {
      if (supportsTransactions) {
        const session = client.startSession();
        scope.session = session;
        try {
          session.startTransaction({ writeConcern: { w: 'majority', journal: true }, readConcern: { level: 'snapshot' } });
          const result = await currentTx.run(scope, () => fn(view(scope)));
          scope.open = false;
          await session.commitTransaction().catch((error: unknown) => {
            throw mapMongoError(error, 'transaction');
          });
          return result;
        } catch (error) {
          scope.open = false;
          if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
          throw error;
        } finally {
          await session.endSession();
        }
      }
      const journal = createUndoJournal(db);
      scope.journal = journal;
      try {
        const result = await currentTx.run(scope, () => fn(view(scope)));
        scope.open = false;
        // Until its journal is gone the transaction counts as interrupted; only then is it answered.
        await journal.commit();
        return result;
      } catch (error) {
        scope.open = false;
        // What cannot be undone now (the server went away) is undone from the journal at the next open.
        await journal.rollback().catch(() => undefined);
        throw error;
      }
    } finally {
      mutex.release();
    }
  }

  /** Nested transactions join the outer one: an error escaping them undoes the whole transaction. */
  async function nested<R>(scope: TxScope, fn: (tx: DocumentStore) => Promise<R>): Promise<R> {
    if (!scope.open) throw new Error('This transaction has already ended');
    return fn(view(scope));
  }

  return Object.assign(view(null), { supportsTransactions });
}
