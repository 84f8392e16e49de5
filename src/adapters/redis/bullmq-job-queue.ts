/**
 * JobQueue on BullMQ, for several API and worker processes. The job document in the
 * DocumentStore stays the source of truth (same fields and transitions as the embedded
 * queue: job-runner.ts); BullMQ only carries execution: which worker runs which job when.
 *
 * - enqueue: the document is stored `queued`, then a BullMQ job whose id is the document's
 *   is added (adding an id twice is a no-op), with a fair-share priority (bullmq-fairness.ts).
 * - workers (`start()`, ROLE=worker|all) take jobs with `concurrency`, claim the document
 *   (queued -> running, compare-and-set) and run the registered handler.
 * - a worker that dies mid-job stops renewing its lock; after `lockMs` another worker's
 *   stalled check puts the job back and it runs again (the document's `attempts` counts the
 *   runs; past `maxAttempts` it fails with a reason). A handler error fails the job at once;
 *   only infrastructure failures (the store unreachable) are retried by BullMQ with backoff.
 * - cancel: the document turns `canceled`; a waiting BullMQ job is removed; for a running
 *   one a message on a pub/sub channel makes the worker running it abort its signal, and
 *   whatever the run still produces is discarded.
 * - stop: waits `stopGraceMs`, then aborts the runs still going; they go back to waiting
 *   (no attempt spent) for another worker or the next start.
 * - a sweep at start and every `sweepIntervalMs` re-schedules documents that are queued or
 *   running but unknown to BullMQ (Redis lost data, or a process died between the two writes).
 */
import { Queue, WaitingError, Worker, type Job } from 'bullmq';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { LogLevel } from '../../config.js';
import { ServiceUnavailableError } from '../../errors.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { JOBS_COLLECTION as JOBS, type JobDoc, type JobQueue } from '../../ports/job-queue.js';
import { redisKeys } from '../../lib/cache-keys.js';
import { createJobRunner, describeFailure, queuedJob } from '../memory/job-runner.js';
import { openBullmqConnection, throttledReporter } from './bullmq-connections.js';
import { createFairness } from './bullmq-fairness.js';
import { isConnectionFailure, shutRedis } from './redis-connection.js';

export interface BullmqJobQueueOptions {
  url: string;
  /** The deployment's Redis key prefix (REDIS_KEY_PREFIX, default "inkframe:"). */
  keyPrefix?: string;
  store: Pick<DocumentStore, 'insert' | 'get' | 'find' | 'update'>;
  events: Pick<EventBus, 'publish'>;
  /** Jobs this worker runs at once (JOB_CONCURRENCY). */
  concurrency?: number;
  /** Runs a job may start (interrupted runs included) before it is given up. */
  maxAttempts?: number;
  progressWriteMs?: number;
  stopGraceMs?: number;
  cancelWaitMs?: number;
  /** A worker's hold on a running job without renewal (JOB_LOCK_MS); a dead worker's job is taken over after 1-2x this. */
  lockMs?: number;
  sweepIntervalMs?: number;
  logLevel?: LogLevel;
}

export interface BullmqJobQueue extends JobQueue {
  /** stop(), then closes the queue's connections. */
  close(): Promise<void>;
}

interface Payload {
  job_id: string;
}

const QUEUE_NAME = 'jobs';
/** BullMQ states in which it will still deliver the job. */
const LIVE = new Set(['waiting', 'prioritized', 'active', 'delayed', 'waiting-children']);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export function createBullmqJobQueue(options: BullmqJobQueueOptions): BullmqJobQueue {
  const { store, url } = options;
  const keyPrefix = options.keyPrefix ?? 'inkframe:';
  const concurrency = options.concurrency ?? 2;
  const maxAttempts = options.maxAttempts ?? 3;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const cancelWaitMs = options.cancelWaitMs ?? 2_000;
  const lockMs = options.lockMs ?? 30_000;
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  const runner = createJobRunner({ store, events: options.events, progressWriteMs: options.progressWriteMs ?? 500, logLevel: options.logLevel });
  const { log } = runner;
  const report = throttledReporter(log);
  const cancelChannel = `${keyPrefix}${redisKeys.jobCancelChannel}`;
  const connectionName = (role: string) => `${keyPrefix}${role}:${hostname()}:${process.pid}`;

  const commands = openBullmqConnection(url, 'queue', connectionName('jobs-queue'));
  const queue = new Queue<Payload>(QUEUE_NAME, {
    connection: commands,
    prefix: `${keyPrefix}${redisKeys.jobQueuePrefix}`,
    defaultJobOptions: {
      // Retries of infrastructure failures only (handler errors end the job without throwing).
      attempts: maxAttempts,
      backoff: { type: 'exponential', delay: 1_000 },
      // The document keeps the outcome; BullMQ's copy would only fill Redis.
      removeOnComplete: true,
      removeOnFail: true,
    },
  });
  queue.on('error', (error) => report(error));
  const fairness = createFairness(commands, {
    base: `${queue.qualifiedName}:${redisKeys.jobFairness}`,
    prioritized: queue.keys.prioritized!,
    wait: queue.keys.wait!,
    delayed: queue.keys.delayed!,
  });

  async function schedule(job: Pick<JobDoc, 'id' | 'owner_id' | 'type'>): Promise<void> {
    const priority = await fairness.tag(job.owner_id);
    await queue.add(job.type, { job_id: job.id }, { jobId: job.id, priority });
  }

  async function processJob(bullJob: Job<Payload>, token?: string): Promise<void> {
    await fairness.started(bullJob.opts.priority ?? 0).catch((error) => report(error));
    // A delivery of a job still marked running means the worker that ran it died: run it again.
    const job = await runner.claim(bullJob.data.job_id, maxAttempts);
    if (!job) return;
    const end = await runner.run(job);
    if (end === 'requeued' && token) {
      // Shutting down: back to BullMQ's waiting line, same priority, for another worker.
      await bullJob.moveToWait(token);
      throw new WaitingError();
    }
  }

  /** BullMQ gave up on a job (its processor kept throwing): the document says why. */
  async function onFailed(bullJob: Job<Payload> | undefined, error: Error): Promise<void> {
    if (!bullJob || bullJob.attemptsMade < (bullJob.opts.attempts ?? 1)) return;
    const job = await store.get<JobDoc>(JOBS, bullJob.data.job_id);
    if (!job || (job.status !== 'queued' && job.status !== 'running')) return;
    log.error({ err: error, job_id: job.id }, 'job could not be run');
    await runner.giveUp(job, `The job could not be run: ${describeFailure(error)}`);
  }

  /** Documents queued or running that BullMQ will never deliver are scheduled again. */
  async function sweep(): Promise<void> {
    const open = await store.find<JobDoc>(JOBS, { status: { $in: ['queued', 'running'] } }, { sort: [{ field: 'created_at', direction: 1 }] });
    for (const job of open) {
      const state = await queue.getJobState(job.id);
      if (LIVE.has(state)) continue;
      // A finished BullMQ job would make the add below a no-op.
      if (state !== 'unknown') await queue.remove(job.id);
      if (job.status === 'running' && !(await runner.recover(job, maxAttempts))) continue;
      await schedule(job);
    }
  }

  let worker: Worker<Payload> | null = null;
  let workerConnection: Redis | null = null;
  let subscriber: Redis | null = null;
  let sweeper: NodeJS.Timeout | null = null;
  let closing: Promise<void> = Promise.resolve();

  async function startWorker(): Promise<void> {
    subscriber = openBullmqConnection(url, 'cancel-subscriber', connectionName('jobs-cancel'));
    subscriber.on('message', (channel: string, jobId: string) => {
      if (channel === cancelChannel) void runner.abort(jobId, 'cancel', 0);
    });
    await subscriber.subscribe(cancelChannel);
    await sweep();

    workerConnection = openBullmqConnection(url, 'worker', connectionName('jobs-worker'));
    const created = new Worker<Payload>(QUEUE_NAME, processJob, {
      connection: workerConnection,
      prefix: `${keyPrefix}${redisKeys.jobQueuePrefix}`,
      name: `${hostname()}:${process.pid}`,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
      // Our own attempt count decides; BullMQ's stall limit stays out of its way.
      maxStalledCount: maxAttempts + 1,
    });
    created.on('error', (error) => report(error));
    created.on('failed', (bullJob, error) => void onFailed(bullJob, error).catch((failure) => report(failure)));
    created.on('stalled', (jobId) => log.warn({ job_id: jobId }, 'job stalled (its worker stopped); running it again'));
    worker = created;
    await created.waitUntilReady();
    sweeper = setInterval(() => void sweep().catch((error) => report(error, 'job sweep failed')), sweepIntervalMs);
    sweeper.unref();
  }

  async function stopWorker(): Promise<void> {
    const current = worker;
    const connection = workerConnection;
    worker = null;
    workerConnection = null;
    if (sweeper) clearInterval(sweeper);
    sweeper = null;
    if (subscriber) await shutRedis(subscriber);
    subscriber = null;
    if (!current) return;
    // close() takes no new jobs and resolves once the running ones have ended, or never while
    // Redis is away: then our own runs ending is what counts.
    const closed = current.close().catch((error) => report(error));
    const settled = () => Promise.race([closed, runner.idle()]);
    await Promise.race([settled(), sleep(stopGraceMs)]);
    runner.abortAll('shutdown');
    // A handler that ignores its signal keeps its lock until this process exits; then its job stalls and runs elsewhere.
    await Promise.race([settled(), sleep(1_000)]);
    closing = Promise.race([closed, sleep(1_000)]).then(() => (connection ? shutRedis(connection) : undefined));
  }

  return {
    handle: (type, handler) => runner.handle(type, handler),

    async enqueue(input) {
      const job = await store.insert<JobDoc>(JOBS, queuedJob(input));
      await runner.notify.progress(job);
      try {
        await schedule(job);
      } catch (error) {
        // Nobody would ever run it: say so on the job rather than leave it queued.
        await runner.giveUp(job, 'The job could not be queued (the job queue was unreachable)').catch(() => undefined);
        throw isConnectionFailure(error) ? new ServiceUnavailableError('The job queue is unreachable; try again shortly') : error;
      }
      return job;
    },

    async cancel(jobId) {
      const { job: canceled, was } = await runner.cancel(jobId);
      // Waiting: take it out. Active (locked) jobs are not removed; their worker finds the job canceled.
      await queue.remove(jobId).catch((error) => report(error));
      if (was === 'running') {
        await commands.publish(cancelChannel, jobId).catch((error) => report(error, 'cancel message not sent'));
        await runner.abort(jobId, 'cancel', cancelWaitMs);
      }
      await runner.notify.finished(canceled);
      return (await store.get<JobDoc>(JOBS, jobId)) ?? canceled;
    },

    async start() {
      if (worker) return;
      try {
        await startWorker();
      } catch (error) {
        await stopWorker();
        throw error;
      }
    },

    stop: stopWorker,

    async close() {
      await stopWorker();
      // Bounded: with Redis away, BullMQ's close waits for a connection that may never come back.
      const queueClosed = queue.close().catch((error) => report(error));
      if (commands.status === 'ready') await Promise.race([queueClosed, sleep(2_000)]);
      await Promise.race([closing, sleep(1_000)]);
      await shutRedis(commands);
    },
  };
}
