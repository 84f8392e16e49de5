/**
 * Group commit for root transactions. With synchronous=FULL every COMMIT waits for an fsync
 * (about 3 ms on this machine's virtual disk), which capped durable writes at ~300/s however
 * cheap the transaction. So the transactions that queue up while one runs share one SQLite
 * transaction: each still runs alone, one after another, in its own SAVEPOINT (its error undoes
 * only its own writes, as before), then a single COMMIT makes the whole batch durable, and only
 * then is each caller answered. Nothing is acknowledged before its fsync; a member sees the
 * writes of the members before it, which commit (or fail) together with its own.
 */
import { AsyncResource, type AsyncLocalStorage } from 'node:async_hooks';
import type { DocumentStore } from '../../ports/document-store.js';
import type { Mutex } from '../../lib/mutex.js';
import type { SqliteCore } from './sqlite-core.js';

export interface TxState {
  open: boolean;
}

type TxFn = (tx: DocumentStore) => Promise<unknown>;

interface Member {
  fn: TxFn;
  /** The caller's async context: the member runs in it (logging, tracing), not in the batch runner's. */
  context: AsyncResource;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; batchLost: boolean };

/** Bounds on one batch, so root operations waiting for the connection are not held up long. */
const MAX_MEMBERS = 64;
const MAX_BATCH_MS = 20;

export interface GroupCommitDeps {
  core: SqliteCore;
  mutex: Mutex;
  currentTx: AsyncLocalStorage<TxState>;
  txView(state: TxState): DocumentStore;
}

let savepointCounter = 0;

/**
 * Waits for the poll phase to finish. Each request's handler runs to its transaction() call in
 * the microtasks of its own I/O callback, so starting the batch at once would make a batch of
 * one; after setImmediate every request read in this event-loop turn has queued its transaction.
 */
const nextLoopTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createGroupCommit({ core, mutex, currentTx, txView }: GroupCommitDeps) {
  const queue: Member[] = [];
  let runner: Promise<void> | undefined;

  async function runMember(member: Member): Promise<Outcome> {
    const name = `gc_${++savepointCounter}`;
    const state: TxState = { open: true };
    try {
      core.db.exec(`SAVEPOINT ${name}`);
      const value = await member.context.runInAsyncScope(() => currentTx.run(state, () => member.fn(txView(state))));
      state.open = false;
      core.db.exec(`RELEASE ${name}`);
      return { ok: true, value };
    } catch (error) {
      state.open = false;
      let batchLost = !core.db.inTransaction;
      if (!batchLost) {
        try {
          core.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
        } catch {
          // This member's writes cannot be singled out: the whole batch must go.
          batchLost = true;
        }
      }
      core.afterRollback();
      return { ok: false, error, batchLost };
    }
  }

  /** Runs queued members in one SQLite transaction; answers each after the COMMIT. */
  async function runBatch(): Promise<void> {
    try {
      core.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      // The connection cannot start a transaction (closed, or locked by another process).
      for (const member of queue.splice(0)) member.reject(error);
      return;
    }
    const done: { member: Member; value: unknown }[] = [];
    const started = performance.now();
    try {
      while (queue.length > 0 && done.length < MAX_MEMBERS && performance.now() - started < MAX_BATCH_MS) {
        const member = queue.shift()!;
        const outcome = await runMember(member);
        if (outcome.ok) {
          done.push({ member, value: outcome.value });
          continue;
        }
        member.reject(outcome.error);
        if (outcome.batchLost) {
          // SQLite undid (or we must undo) the whole transaction: the earlier members' writes are gone too.
          if (core.db.inTransaction) core.db.exec('ROLLBACK');
          for (const lost of done.splice(0)) lost.member.reject(outcome.error);
          core.db.exec('BEGIN IMMEDIATE');
        }
      }
      core.db.exec('COMMIT');
      core.afterCommit();
    } catch (error) {
      // A failed COMMIT may already have ended the transaction.
      if (core.db.inTransaction) core.db.exec('ROLLBACK');
      core.afterRollback();
      for (const lost of done) lost.member.reject(error);
      return;
    }
    for (const { member, value } of done) member.resolve(value);
  }

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        // Root operations that queued meanwhile get the connection between two batches.
        await mutex.acquire();
        try {
          await runBatch();
        } finally {
          mutex.release();
        }
      }
    } finally {
      runner = undefined;
    }
  }

  return {
    transaction<R>(fn: (tx: DocumentStore) => Promise<R>): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        // An AsyncResource, not AsyncLocalStorage.snapshot(): on Node 20 that costs ~15 µs a call, this ~0.1 µs.
        queue.push({ fn, context: new AsyncResource('inkframe.sqlite.transaction'), resolve: resolve as (value: unknown) => void, reject });
        runner ??= nextLoopTurn().then(drain);
      });
    },
    /** Resolves once every transaction queued so far has been answered. */
    idle: (): Promise<void> => runner ?? Promise.resolve(),
  };
}
