/**
 * What every JobQueue adapter does with a job document, whoever delivers the job (the
 * embedded queue in this process, BullMQ from Redis): the status transitions, running the
 * handler with an AbortSignal, throttled progress, checkpoints, the outcome, cancellation
 * and shutdown of the runs in this process, and recovery of runs a crash interrupted.
 *
 * Every transition is a compare-and-set on the document's version, so it holds across
 * processes even on a store without multi-document transactions, and a stale runner (one
 * whose job was taken over after its worker stalled) can no longer write an outcome: its
 * result is discarded instead.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../../config.js';
import { AppError, ConflictError, NotFoundError, VersionConflictError } from '../../errors.js';
import { ProviderError } from '../../ports/ai-providers.js';
import type { DocumentStore, NewDoc } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { JOBS_COLLECTION as JOBS, type JobContext, type JobDoc, type JobHandler, type JobOutcome, type JobQueue } from '../../ports/job-queue.js';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { createJobEvents } from './job-events.js';

export type EnqueueInput = Parameters<JobQueue['enqueue']>[0];

/** Why a running job's signal was aborted; `lost`: the job was canceled, deleted or taken over by another worker. */
export type StopReason = 'cancel' | 'shutdown' | 'lost';

const ABORT_MESSAGES: Record<StopReason, string> = {
  cancel: 'The job was canceled',
  shutdown: 'The server is shutting down',
  lost: 'The job is no longer this worker\'s to run',
};

/** How a run ended: written to the document, or given back to the queue (shutdown). */
export type RunEnd = 'succeeded' | 'failed' | 'abandoned' | 'requeued';

const FINISHED = new Set(['succeeded', 'failed', 'canceled']);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** A message fit for the job record and the client: domain and provider messages, never stacks or internals. */
export function describeFailure(error: unknown): string {
  if (error instanceof ProviderError || error instanceof AppError) return error.message;
  return 'The job failed because of an unexpected error';
}

export function interruptedMessage(attempts: number): string {
  return `The job was interrupted ${attempts} times (the server or worker stopped while it ran) and was given up`;
}

/** The stored form of a new job: queued, nothing run yet. */
export function queuedJob(input: EnqueueInput): NewDoc<JobDoc> {
  return { ...input, id: newId(), status: 'queued', progress: 0, result: null, error: null, draft_id: null, attempts: 0, started_at: null, finished_at: null };
}

type JobStore = Pick<DocumentStore, 'get' | 'update'>;

/**
 * Reads the job, asks `decide` for a patch (null: leave it) and writes it only if nobody
 * changed the job in between; on a concurrent change it decides again on the fresh copy.
 */
export async function transition(store: JobStore, id: string, decide: (job: JobDoc) => Partial<JobDoc> | null): Promise<JobDoc | null> {
  for (let attempt = 1; ; attempt++) {
    const job = await store.get<JobDoc>(JOBS, id);
    if (!job) return null;
    const patch = decide(job);
    if (!patch) return null;
    try {
      return await store.update<JobDoc>(JOBS, id, patch, { expectedVersion: job.version });
    } catch (error) {
      // Progress writes bump the version too; a few rounds always get through.
      if (!(error instanceof VersionConflictError) || attempt >= 20) throw error;
    }
  }
}

export interface JobRunnerOptions {
  store: JobStore;
  events: Pick<EventBus, 'publish'>;
  /** Progress is published on every report but written to the store at most this often. */
  progressWriteMs: number;
  logLevel?: LogLevel;
}

interface Active {
  controller: AbortController;
  reason: StopReason | null;
  done: Promise<void>;
}

export type JobRunner = ReturnType<typeof createJobRunner>;

export function createJobRunner(options: JobRunnerOptions) {
  const { store, progressWriteMs } = options;
  const notify = createJobEvents(options.events);
  const log: Logger = pino({ name: 'jobs', level: options.logLevel ?? 'info' });
  const handlers = new Map<string, JobHandler>();
  const active = new Map<string, Active>();

  /** A run owns its job while the job is running that attempt: not canceled, deleted or taken over since. */
  const owns = (job: JobDoc, current: JobDoc) => current.status === 'running' && current.attempts === job.attempts;

  /** Writes the final state only while this run still owns the job. */
  const finish = (job: JobDoc, patch: Partial<JobDoc>) => transition(store, job.id, (current) => (owns(job, current) ? patch : null));

  async function giveUp(job: JobDoc, error: string): Promise<JobDoc | null> {
    const failed = await transition(store, job.id, (current) =>
      current.status === job.status && current.attempts === job.attempts ? { status: 'failed', error, finished_at: nowIso() } : null,
    );
    if (failed) await notify.finished(failed);
    return failed;
  }

  /** Aborts the run of `id` in this process, if any; resolves when it unwound or after `waitMs`. */
  async function abort(id: string, reason: StopReason, waitMs: number): Promise<boolean> {
    const entry = active.get(id);
    if (!entry) return false;
    entry.reason ??= reason;
    entry.controller.abort(new ProviderError(ABORT_MESSAGES[reason]));
    // The handler discards its partial results as it unwinds; wait a little for that.
    await Promise.race([entry.done, sleep(waitMs)]);
    return true;
  }

  async function settle(job: JobDoc, entry: Active, outcome: JobOutcome | null, failure: unknown): Promise<RunEnd> {
    if (outcome && !failure) {
      const done = await finish(job, { status: 'succeeded', progress: 1, result: outcome.result, draft_id: outcome.draft_id ?? null, error: null, finished_at: nowIso() });
      if (done) {
        await notify.finished(done);
        return 'succeeded';
      }
      // Canceled (or taken over, or deleted) while finishing: what it produced must not stay behind.
      await outcome.discard?.().catch(() => undefined);
      return 'abandoned';
    }
    if (entry.reason === 'shutdown') {
      // Not the job's fault: run it again later, without spending an attempt.
      const requeued = await finish(job, { status: 'queued', progress: 0, result: null, started_at: null, attempts: job.attempts - 1 });
      return requeued ? 'requeued' : 'abandoned';
    }
    if (entry.reason === 'cancel' || entry.reason === 'lost') return 'abandoned';
    if (!(failure instanceof ProviderError || failure instanceof AppError)) log.error({ err: failure, job_id: job.id, job_type: job.type }, 'job failed unexpectedly');
    const failed = await finish(job, { status: 'failed', result: null, error: describeFailure(failure), finished_at: nowIso() });
    if (!failed) return 'abandoned';
    await notify.finished(failed);
    return 'failed';
  }

  return {
    notify,
    log,

    handle(type: string, handler: JobHandler): void {
      handlers.set(type, handler);
    },

    /**
     * queued -> running. With `rerunUpTo`, a job still marked running is taken too: its
     * delivery means the run that marked it died (a stalled worker); once it has started
     * that many runs it fails with a reason instead. Null when there is nothing to run.
     */
    async claim(id: string, rerunUpTo?: number): Promise<JobDoc | null> {
      const seen: { exhausted: JobDoc | null } = { exhausted: null };
      const claimed = await transition(store, id, (job) => {
        seen.exhausted = null;
        const rerun = rerunUpTo !== undefined && job.status === 'running';
        if (job.status !== 'queued' && !rerun) return null;
        if (rerun && job.attempts >= rerunUpTo) {
          seen.exhausted = job;
          return null;
        }
        return { status: 'running', attempts: job.attempts + 1, progress: 0, error: null, started_at: nowIso(), finished_at: null };
      });
      const { exhausted } = seen;
      if (exhausted && (await giveUp(exhausted, interruptedMessage(exhausted.attempts)))) {
        log.warn({ job_id: id, attempts: exhausted.attempts }, 'interrupted job given up');
      }
      return claimed;
    },

    /** Runs a claimed job's handler and writes how it ended. */
    async run(job: JobDoc): Promise<RunEnd> {
      await notify.progress(job);
      const handler = handlers.get(job.type);
      if (!handler) {
        const failed = await finish(job, { status: 'failed', error: `No worker handles jobs of type "${job.type}"`, finished_at: nowIso() });
        if (failed) await notify.finished(failed);
        return failed ? 'failed' : 'abandoned';
      }

      const controller = new AbortController();
      let release!: () => void;
      const entry: Active = { controller, reason: null, done: new Promise<void>((resolve) => (release = resolve)) };
      active.set(job.id, entry);

      // Progress and provenance writes go through one chain, so they land in order and none lands after the end.
      let writes = Promise.resolve();
      let ended = false;
      const write = (patch: Partial<JobDoc>) => {
        writes = writes.then(async () => {
          if (ended) return;
          // Fenced like the outcome; a store hiccup only costs this one write.
          const written = await transition(store, job.id, (current) => (owns(job, current) ? patch : null)).catch(() => undefined);
          if (written !== null) return;
          // The job was canceled, deleted or taken over (a missed cancel message, a stalled worker): stop working on it.
          entry.reason ??= 'lost';
          controller.abort(new ProviderError(ABORT_MESSAGES.lost));
        });
        return writes;
      };
      let lastWrite = 0;
      let pendingProgress: number | null = null;
      let timer: NodeJS.Timeout | null = null;
      const flushProgress = () => {
        timer = null;
        if (pendingProgress === null) return writes;
        const value = pendingProgress;
        pendingProgress = null;
        lastWrite = Date.now();
        return write({ progress: value });
      };

      const context: JobContext = {
        job,
        signal: controller.signal,
        async progress(value, message) {
          if (ended || controller.signal.aborted) return;
          const progress = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));
          await notify.progress({ ...job, status: 'running', progress }, message);
          pendingProgress = progress;
          const wait = lastWrite + progressWriteMs - Date.now();
          if (wait <= 0) await flushProgress();
          else timer ??= setTimeout(() => void flushProgress(), wait);
        },
        annotate: (fields) => write(fields),
        checkpoint: (partial) => write({ result: partial }),
      };

      let outcome: JobOutcome | null = null;
      let failure: unknown = null;
      try {
        outcome = await handler(context);
      } catch (error) {
        failure = error;
      }
      if (timer) clearTimeout(timer);
      ended = true;
      await writes;
      try {
        return await settle(job, entry, outcome, failure);
      } finally {
        active.delete(job.id);
        release();
      }
    },

    /** Marks a job canceled (NotFoundError, or ConflictError once it finished); returns it and the status it had. */
    async cancel(id: string): Promise<{ job: JobDoc; was: JobDoc['status'] }> {
      let was: JobDoc['status'] = 'queued';
      const canceled = await transition(store, id, (job) => {
        if (FINISHED.has(job.status)) throw new ConflictError(`The job has already finished (${job.status})`, { status: job.status });
        was = job.status;
        return { status: 'canceled', result: null, error: null, finished_at: nowIso() };
      });
      if (!canceled) throw new NotFoundError('Job');
      return { job: canceled, was };
    },

    abort,

    /** Resolves once the runs going in this process now have ended. */
    async idle(): Promise<void> {
      await Promise.all([...active.values()].map((entry) => entry.done));
    },

    /** Aborts every run in this process (shutdown after the grace period). */
    abortAll(reason: StopReason): void {
      for (const id of active.keys()) void abort(id, reason, 0);
    },

    /**
     * A job a crash left `running` with nobody running it: queued again (true), or failed
     * once it has used up its attempts. Does nothing if the job changed meanwhile.
     */
    async recover(job: JobDoc, maxAttempts: number): Promise<boolean> {
      if (job.attempts >= maxAttempts) {
        if (await giveUp(job, interruptedMessage(job.attempts))) log.warn({ job_id: job.id, attempts: job.attempts }, 'interrupted job given up');
        return false;
      }
      const queued = await transition(store, job.id, (current) =>
        current.status === 'running' && current.attempts === job.attempts ? { status: 'queued', progress: 0, started_at: null } : null,
      );
      if (queued) log.info({ job_id: job.id, attempts: job.attempts }, 'interrupted job queued again');
      return queued !== null;
    },

    /** Fails a job that cannot run (e.g. the queue refused it) unless it changed meanwhile. */
    giveUp,
  };
}
