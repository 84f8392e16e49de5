/**
 * Crash-safe transaction() on MongoDB servers without multi-document transactions (a
 * standalone mongod, FerretDB v1). Each write inside a transaction first stores how to undo
 * it in the `tx_journal` collection; a transaction that ends deletes its entries (after its
 * writes, before its caller is answered), one that fails applies them newest first. Entries
 * still there belong to a transaction a crash cut short (e.g. a reorder that had renumbered
 * half a scene): recover() applies them at the next start, so the partial change is undone
 * instead of left behind (orders with duplicates, half a cascade).
 *
 * Every undo is a compare-and-set on the version the write produced, so applying an entry
 * whose write never happened, applying one twice, or applying one after someone else changed
 * the document again all leave the document alone.
 */
import { randomBytes } from 'node:crypto';
import type { Db, Document } from 'mongodb';
import { ConflictError } from '../../errors.js';

export const JOURNAL = 'tx_journal';

/** The undo of one write. */
export type UndoEntry =
  /** Undo of inserts: remove the documents if they still have the version they were inserted with. */
  | { op: 'remove'; collection: string; docs: { id: unknown; version: number }[] }
  /** Undo of an update: put `before` back if the document still has `after_version`. */
  | { op: 'restore'; collection: string; before: Document; after_version: number }
  /** Undo of deletes: insert the documents again unless they exist. */
  | { op: 'reinsert'; collection: string; docs: Document[] };

interface JournalDoc {
  _id: string;
  tx: string;
  seq: number;
  /** When the entry was written (ms); a transaction's newest entry shows it is still alive. */
  at: number;
  entry: UndoEntry;
}

/** Deletes hold at most this many documents per journal entry (MongoDB's 16 MB document limit). */
export const REINSERT_CHUNK = 200;

async function apply(db: Db, entry: UndoEntry): Promise<void> {
  const collection = db.collection(entry.collection);
  switch (entry.op) {
    case 'remove':
      for (const doc of entry.docs) await collection.deleteOne({ _id: doc.id as never, version: doc.version });
      return;
    case 'restore':
      await collection.replaceOne({ _id: entry.before._id, version: entry.after_version }, entry.before);
      return;
    case 'reinsert':
      for (const doc of entry.docs) {
        if (!(await collection.findOne({ _id: doc._id }, { projection: { _id: 1 } }))) await collection.insertOne(doc);
      }
  }
}

/** Applies the entries in the order given, each even if an earlier one failed; true when all went through. */
async function applyAll(db: Db, docs: JournalDoc[]): Promise<boolean> {
  let ok = true;
  for (const doc of docs) {
    await apply(db, doc.entry).catch(() => {
      ok = false;
    });
  }
  return ok;
}

/** The journal of one transaction. */
export function createUndoJournal(db: Db) {
  const journal = db.collection<JournalDoc>(JOURNAL);
  const tx = randomBytes(12).toString('hex');
  const written: JournalDoc[] = [];
  let seq = 0;

  return {
    /** Durably records the undo of the write about to happen; resolves with a handle for forget(). */
    async record(entry: UndoEntry): Promise<string> {
      seq += 1;
      const doc: JournalDoc = { _id: `${tx}:${String(seq).padStart(8, '0')}`, tx, seq, at: Date.now(), entry };
      await journal.insertOne(doc);
      written.push(doc);
      return doc._id;
    },

    /** Drops an entry whose write did not happen after all (a compare-and-set that lost a race). */
    async forget(id: string): Promise<void> {
      await journal.deleteOne({ _id: id });
      written.splice(written.findIndex((doc) => doc._id === id), 1);
    },

    /** The transaction's writes stand: its entries go. */
    async commit(): Promise<void> {
      if (written.length === 0) return;
      const { deletedCount } = await journal.deleteMany({ tx });
      // Stalled so long that another process took it for a crashed one and undid it.
      if (deletedCount !== written.length) throw new ConflictError('The change was interrupted and undone; try again');
    },

    /** Undoes the transaction's writes, newest first, then drops its entries (kept for recover() if an undo failed). */
    async rollback(): Promise<void> {
      if (written.length === 0) return;
      // Entries gone: recover() already undid this transaction; undoing again could undo later writes.
      if ((await journal.countDocuments({ tx })) === 0) return;
      if (await applyAll(db, [...written].reverse())) await journal.deleteMany({ tx });
    },
  };
}

export type UndoJournal = ReturnType<typeof createUndoJournal>;

export async function ensureJournalIndex(db: Db): Promise<void> {
  await db.collection(JOURNAL).createIndex({ tx: 1 }, { name: 'ix_tx' });
}

/**
 * Rolls back the transactions a crash interrupted: those whose newest entry is older than
 * `idleMs` (0: all of them, right for a process that owns the database alone, e.g. at start).
 * Resolves with the number of transactions rolled back.
 */
export async function recoverInterrupted(db: Db, idleMs: number): Promise<number> {
  const journal = db.collection<JournalDoc>(JOURNAL);
  const byTx = new Map<string, JournalDoc[]>();
  for (const doc of await journal.find({}).toArray()) byTx.set(doc.tx, [...(byTx.get(doc.tx) ?? []), doc]);
  let rolledBack = 0;
  for (const [tx, docs] of byTx) {
    if (idleMs > 0 && Date.now() - Math.max(...docs.map((doc) => doc.at)) < idleMs) continue;
    if (!(await applyAll(db, docs.sort((a, b) => b.seq - a.seq)))) continue;
    await journal.deleteMany({ tx });
    rolledBack += 1;
  }
  return rolledBack;
}

/** With other processes on the database, any of them may crash mid-transaction: their journals are swept periodically. */
export function sweepingInterrupted<S extends { close(): Promise<void> }>(store: S, db: Db, idleMs: number): S {
  const timer = setInterval(() => void recoverInterrupted(db, idleMs).catch(() => undefined), idleMs);
  timer.unref();
  const close = store.close.bind(store);
  return Object.assign(store, {
    close: async () => {
      clearInterval(timer);
      await close();
    },
  });
}
