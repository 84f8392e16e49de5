/**
 * DocumentStore on better-sqlite3: one table per collection holding the JSON document.
 *
 * Transactions: better-sqlite3 transactions must be synchronous, but the port's transaction()
 * takes an async fn. So a transaction holds an async mutex for its whole life and runs
 * BEGIN IMMEDIATE ... COMMIT/ROLLBACK by hand; the `tx` view runs straight on the connection
 * while root operations queue on the mutex until the transaction ends. Outside a transaction
 * a root operation costs one boolean check (every operation is a single synchronous call, so
 * it can never interleave with anything else on this connection). Transactions that queue up
 * while one runs share one BEGIN ... COMMIT, each in its own SAVEPOINT, so a burst of writes
 * pays for one fsync instead of one each (group-commit.ts).
 *
 * Nesting: `tx.transaction(fn)` opens a SAVEPOINT, so an error thrown out of the inner fn undoes
 * only the inner writes (and still propagates). MongoDB has no savepoints, so portable code
 * must not rely on catching an inner failure and carrying on.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import Database from 'better-sqlite3';
import { COLLECTIONS, type CollectionSpec } from '../../ports/collections.js';
import type { DocumentStore } from '../../ports/document-store.js';
import { Mutex } from '../../lib/mutex.js';
import { migrate } from './migrations.js';
import { createGroupCommit, type TxState } from './group-commit.js';
import { SqliteCore } from './sqlite-core.js';
import { DocumentCache } from './document-cache.js';

export interface SqliteDocumentStoreOptions {
  /** A file path, or ':memory:' for a private in-memory database (tests). */
  path: string;
  /** Collections whose tables and indexes are built at open; others are created on first use. */
  collections?: Record<string, CollectionSpec>;
  /**
   * Keep recently read documents in memory, up to this many characters of JSON (document-cache.ts).
   * Only for a database no other process writes; 0 or absent: off.
   */
  cacheDocumentChars?: number;
}

type Runner = <R>(op: () => R) => Promise<R>;

/** The database behind a store returned by openSqliteDocumentStore (backups, diagnostics, tests). */
const handles = new WeakMap<DocumentStore, Database.Database>();

export function sqliteDatabaseOf(store: DocumentStore): Database.Database | undefined {
  return handles.get(store);
}

/** Queries the port has no words for (story-queries.ts): `read` runs one on the connection when the store's own reads may. */
export interface SqliteReader {
  db: Database.Database;
  read: Runner;
}
const readers = new WeakMap<DocumentStore, SqliteReader>();

export function sqliteReaderOf(store: DocumentStore): SqliteReader | undefined {
  return readers.get(store);
}

export function openSqliteDocumentStore(options: SqliteDocumentStoreOptions): DocumentStore {
  const db = new Database(options.path);
  try {
    db.pragma('busy_timeout = 5000');
    if (options.path !== ':memory:' && options.path !== '') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    const cache = options.cacheDocumentChars ? new DocumentCache(options.cacheDocumentChars) : undefined;
    const core = new SqliteCore(db, options.collections ?? COLLECTIONS, cache);
    core.ensureDeclared();
    const store = createRootStore(core);
    handles.set(store, db);
    return store;
  } catch (error) {
    db.close();
    throw error;
  }
}

function createRootStore(core: SqliteCore): DocumentStore {
  const mutex = new Mutex();
  // Lets a root call made from inside a transaction fail loudly instead of waiting forever.
  const currentTx = new AsyncLocalStorage<TxState>();
  let closed = false;

  async function waitForTurn(): Promise<void> {
    if (currentTx.getStore()?.open) {
      throw new Error('Use the transaction store (tx) inside transaction(); the root store waits for the transaction to end');
    }
    await mutex.acquire();
  }

  const run: Runner = async (op) => {
    if (!mutex.locked) return op();
    await waitForTurn();
    try {
      return op();
    } finally {
      mutex.release();
    }
  };

  const group = createGroupCommit({ core, mutex, currentTx, txView: (state) => createTxView(core, state) });
  const root = createView(core, run, async (fn) => {
    if (currentTx.getStore()?.open) {
      throw new Error('Use the transaction store (tx) inside transaction(); the root store waits for the transaction to end');
    }
    return group.transaction(fn);
  });

  readers.set(root, { db: core.db, read: run });
  root.close = async () => {
    if (closed) return;
    if (currentTx.getStore()?.open) throw new Error('Cannot close the store from inside one of its transactions');
    closed = true;
    // Let the open transaction and the operations queued before close() finish first.
    await group.idle();
    await mutex.acquire();
    try {
      core.clearStatements();
      core.db.close();
    } finally {
      mutex.release();
    }
  };
  return root;
}

let savepointCounter = 0;

/** A view bound to an open transaction (or savepoint): runs directly on the connection. */
function createTxView(core: SqliteCore, state: TxState): DocumentStore {
  const nested = new Mutex();
  const run: Runner = async (op) => {
    if (!state.open) throw new Error('This transaction has already ended');
    return op();
  };
  const view = createView(core, run, async (fn) => {
    if (!state.open) throw new Error('This transaction has already ended');
    // Savepoints must be released in LIFO order, so sibling nested transactions take turns.
    await nested.acquire();
    const name = `sp_${++savepointCounter}`;
    const inner: TxState = { open: true };
    try {
      core.db.exec(`SAVEPOINT ${name}`);
      try {
        const result = await fn(createTxView(core, inner));
        inner.open = false;
        core.db.exec(`RELEASE ${name}`);
        return result;
      } catch (error) {
        inner.open = false;
        if (state.open && core.db.inTransaction) core.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
        core.afterRollback();
        throw error;
      }
    } finally {
      nested.release();
    }
  });
  view.close = async () => {
    throw new Error('Close the root store, not a transaction');
  };
  return view;
}

function createView(core: SqliteCore, run: Runner, transaction: DocumentStore['transaction']): DocumentStore {
  return {
    insert: (collection, doc) => run(() => core.insert(collection, doc)),
    insertMany: (collection, docs) => run(() => core.insertMany(collection, docs)),
    get: (collection, id) => run(() => core.get(collection, id)),
    findOne: (collection, filter) => run(() => core.findOne(collection, filter)),
    find: (collection, filter, options) => run(() => core.find(collection, filter, options)),
    findPage: (collection, filter, options) => run(() => core.findPage(collection, filter, options)),
    count: (collection, filter) => run(() => core.count(collection, filter)),
    totals: (collection, filter, sumFields) => run(() => core.totals(collection, filter, sumFields)),
    update: (collection, id, patch, options) => run(() => core.update(collection, id, patch, options)),
    delete: (collection, id) => run(() => core.delete(collection, id)),
    deleteMany: (collection, filter) => run(() => core.deleteMany(collection, filter)),
    transaction,
    // Never queued behind a transaction: `SELECT 1` reads no data, and probes must stay fast.
    ping: async () => {
      try {
        return core.ping();
      } catch {
        return false;
      }
    },
    close: async () => undefined,
  };
}
