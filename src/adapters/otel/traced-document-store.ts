/**
 * DocumentStore decorator: one CLIENT span per operation, e.g. `mongodb find panels`, with
 * db.system / db.operation.name / db.collection.name. Never ids or filter values (they are
 * high-cardinality and may be personal data). Calls outside any trace (startup sweeps,
 * queue bookkeeping) are not traced.
 */
import type { Tracer } from '@opentelemetry/api';
import type { DocumentStore } from '../../ports/document-store.js';
import { dbCalls, inkframeTracer } from './spans.js';

export type DocumentStoreSystem = 'sqlite' | 'mongodb';

export function tracedDocumentStore(store: DocumentStore, system: DocumentStoreSystem, tracer: Tracer = inkframeTracer()): DocumentStore {
  const db = dbCalls(tracer, system);
  const run = <T>(operation: string, collection: string | undefined, call: () => Promise<T>): Promise<T> => db(operation, call, { collection });

  return {
    insert: (collection, doc) => run('insert', collection, () => store.insert(collection, doc)),
    insertMany: (collection, docs) => run('insertMany', collection, () => store.insertMany(collection, docs)),
    get: (collection, id) => run('get', collection, () => store.get(collection, id)),
    findOne: (collection, filter) => run('findOne', collection, () => store.findOne(collection, filter)),
    find: (collection, filter, options) => run('find', collection, () => store.find(collection, filter, options)),
    findPage: (collection, filter, options) => run('findPage', collection, () => store.findPage(collection, filter, options)),
    count: (collection, filter) => run('count', collection, () => store.count(collection, filter)),
    totals: (collection, filter, sumFields) => run('aggregate', collection, () => store.totals(collection, filter, sumFields)),
    update: (collection, id, patch, options) => run('update', collection, () => store.update(collection, id, patch, options)),
    delete: (collection, id) => run('delete', collection, () => store.delete(collection, id)),
    deleteMany: (collection, filter) => run('deleteMany', collection, () => store.deleteMany(collection, filter)),
    // The operations inside nest under the transaction's span.
    transaction: (fn) => run('transaction', undefined, () => store.transaction((tx) => fn(tracedDocumentStore(tx, system, tracer)))),
    ping: () => run('ping', undefined, () => store.ping()),
    close: () => store.close(),
  };
}
