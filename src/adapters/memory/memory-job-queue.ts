/**
 * The embedded JobQueue: jobs are documents in the DocumentStore (so they survive a crash)
 * and run in this process with bounded concurrency, FIFO per user and round-robin across
 * users. On start, jobs a crash left `running` are queued again (at-least-once) until they
 * have used up their attempts, then they fail with a reason: nothing stays `running`.
 * Single process only; several processes use the BullMQ adapter. What a run does with the
 * job document is shared with that adapter (job-runner.ts).
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { JOBS_COLLECTION as JOBS, type JobDoc, type JobQueue } from '../../ports/job-queue.js';
import { createFairQueue } from '../../lib/fair-queue.js';
import type { LogLevel } from '../../config.js';
import { createJobRunner, queuedJob } from './job-runner.js';

export interface MemoryJobQueueOptions {
  store: Pick<DocumentStore, 'insert' | 'get' | 'find' | 'update' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
  /** Jobs running at once (JOB_CONCURRENCY). */
  concurrency?: number;
  /** Runs a job may start before a crash-interrupted one is given up. */
  maxAttempts?: number;
  /** Progress is published on every report but written to the store at most this often. */
  progressWriteMs?: number;
  /** How long stop() waits for running jobs before aborting them. */
  stopGraceMs?: number;
  /** How long cancel() waits for an aborted job to unwind (discard its partial results). */
  cancelWaitMs?: number;
  /** Unexpected handler errors are logged (their message never reaches the job record); 'silent' in tests. */
  logLevel?: LogLevel;
}

export function createMemoryJobQueue(options: MemoryJobQueueOptions): JobQueue {
  const { store } = options;
  const concurrency = options.concurrency ?? 2;
  const maxAttempts = options.maxAttempts ?? 3;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const cancelWaitMs = options.cancelWaitMs ?? 2_000;
  const runner = createJobRunner({ store, events: options.events, progressWriteMs: options.progressWriteMs ?? 500, logLevel: options.logLevel });

  const waiting = createFairQueue<string>();
  const runs = new Set<Promise<void>>();
  let started = false;
  let stopping = false;

  function pump(): void {
    if (!started || stopping) return;
    while (runs.size < concurrency) {
      const id = waiting.next();
      if (id === undefined) return;
      const run = runJob(id).catch(() => undefined);
      runs.add(run);
      void run.finally(() => {
        runs.delete(run);
        pump();
      });
    }
  }

  async function runJob(id: string): Promise<void> {
    const job = await runner.claim(id);
    // Shutdown puts the job back to `queued` in the store; the next start() reads it again.
    if (job) await runner.run(job);
  }

  /** Jobs a crash left running: queued again, or failed once their attempts are used up. */
  async function recover(): Promise<void> {
    for (const job of await store.find<JobDoc>(JOBS, { status: 'running' })) await runner.recover(job, maxAttempts);
    for (const job of await store.find<JobDoc>(JOBS, { status: 'queued' }, { sort: [{ field: 'created_at', direction: 1 }] })) {
      waiting.push(job.owner_id, job.id);
    }
  }

  return {
    handle: (type, handler) => runner.handle(type, handler),

    async enqueue(input) {
      const job = await store.insert<JobDoc>(JOBS, queuedJob(input));
      await runner.notify.progress(job);
      waiting.push(job.owner_id, job.id);
      pump();
      return job;
    },

    async cancel(jobId) {
      const { job: canceled } = await runner.cancel(jobId);
      waiting.remove((id) => id === jobId);
      await runner.abort(jobId, 'cancel', cancelWaitMs);
      await runner.notify.finished(canceled);
      return (await store.get<JobDoc>(JOBS, jobId)) ?? canceled;
    },

    async start() {
      if (started) return;
      started = true;
      stopping = false;
      // Whatever still waits from an earlier run is read again from the store.
      while (waiting.next() !== undefined);
      await recover();
      pump();
    },

    async stop() {
      if (!started) return;
      stopping = true;
      const pending = (ms: number) => Promise.race([Promise.allSettled([...runs]), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
      await pending(stopGraceMs);
      runner.abortAll('shutdown');
      // A handler that ignores its signal stays `running` in the store; the next start recovers it.
      await pending(1_000);
      started = false;
    },
  };
}
