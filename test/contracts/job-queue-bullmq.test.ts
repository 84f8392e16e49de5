/**
 * The JobQueue contract on BullMQ (real Redis at REDIS_URL, a key prefix per test), plus what
 * only several processes sharing Redis show: a job canceled from another instance, a job
 * taken over after its worker stalled, the sweep of documents BullMQ never heard of, and
 * enqueue failing fast while Redis is away. Each "process" here is a queue instance with
 * its own connections; test/api/multi-process.test.ts does the same with real processes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { openSqliteDocumentStore } from '../../src/adapters/sqlite/sqlite-document-store.js';
import { createMemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { createBullmqJobQueue, type BullmqJobQueue, type BullmqJobQueueOptions } from '../../src/adapters/redis/bullmq-job-queue.js';
import { ServiceUnavailableError } from '../../src/errors.js';
import { newId } from '../../src/lib/ids.js';
import type { DocumentStore } from '../../src/ports/document-store.js';
import { JOBS_COLLECTION, type JobDoc, type JobHandler } from '../../src/ports/job-queue.js';
import { REDIS_URL, announceSkip } from '../helpers/services.js';
import { jobQueueContract } from './job-queue.contract.js';
import { dropKeys, eventually, startRedisProxy, testKeyPrefix } from './redis.fixtures.js';

if (!REDIS_URL) {
  announceSkip('JobQueue contract on BullMQ', 'REDIS_URL');
  describe.skip('JobQueue contract: BullMQ (REDIS_URL not set)', () => {
    it('needs a Redis server', () => undefined);
  });
} else {
  const url = REDIS_URL;

  jobQueueContract('BullMQ (Redis + SQLite :memory:)', async () => {
    const store = openSqliteDocumentStore({ path: ':memory:' });
    const events = createMemoryEventBus();
    const keyPrefix = testKeyPrefix();
    const created: BullmqJobQueue[] = [];
    return {
      store,
      events,
      create(options) {
        const queue = createBullmqJobQueue({ url, keyPrefix, store, events, logLevel: 'silent', ...options, cancelWaitMs: options.stopGraceMs, progressWriteMs: 0 });
        created.push(queue);
        return queue;
      },
      async close() {
        for (const queue of created) await queue.close();
        await events.close();
        await store.close();
        await dropKeys(url, keyPrefix);
      },
    };
  });

  const input = (owner: string, type: string) => ({
    kind: 'generation' as const,
    type,
    owner_id: owner,
    project_id: newId(),
    params: {},
    provider: null,
    model: null,
    prompt: null,
    seed: null,
  });

  describe('BullMQ job queue across instances', () => {
    let store: DocumentStore;
    let keyPrefix: string;
    let queues: BullmqJobQueue[];
    const open = (options: Partial<BullmqJobQueueOptions> = {}) => {
      const queue = createBullmqJobQueue({ url, keyPrefix, store, events: createMemoryEventBus(), logLevel: 'silent', progressWriteMs: 0, stopGraceMs: 100, ...options });
      queues.push(queue);
      return queue;
    };
    const job = (id: string) => store.get<JobDoc>(JOBS_COLLECTION, id);
    const status = (id: string, wanted: string) => eventually(async () => ((await job(id))?.status === wanted ? job(id) : null), 10_000, `job ${wanted}`);

    beforeEach(() => {
      store = openSqliteDocumentStore({ path: ':memory:' });
      keyPrefix = testKeyPrefix();
      queues = [];
    });
    afterEach(async () => {
      for (const queue of queues) await queue.close();
      await store.close();
      await dropKeys(url, keyPrefix);
    });

    it('cancels a job running on another instance: its signal aborts there and late output is discarded', async () => {
      const api = open();
      const worker = open();
      let aborted = false;
      let discarded = false;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      worker.handle('slow', async ({ signal }) => {
        signal.addEventListener('abort', () => (aborted = true));
        await released;
        return { result: { late: true }, discard: async () => void (discarded = true) };
      });
      await worker.start();
      const queued = await api.enqueue(input('u1', 'slow'));
      await status(queued.id, 'running');

      expect(await api.cancel(queued.id)).toMatchObject({ status: 'canceled' });
      await eventually(() => aborted, 5_000, 'abort on the worker');
      release();
      await eventually(() => discarded, 5_000, 'discard');
      expect(await job(queued.id)).toMatchObject({ status: 'canceled', result: null });
    });

    it('stops a run whose cancel message it missed at its next progress write', async () => {
      const worker = open();
      let stopped: unknown = null;
      worker.handle('chatty', async (ctx) => {
        while (!ctx.signal.aborted) {
          await ctx.progress(0.5);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        stopped = ctx.signal.reason;
        throw ctx.signal.reason;
      });
      await worker.start();
      const queued = await worker.enqueue(input('u1', 'chatty'));
      await status(queued.id, 'running');
      // Canceled in the store only, as if the pub/sub message had been lost.
      const canceled = (await store.update<JobDoc>(JOBS_COLLECTION, queued.id, { status: 'canceled', finished_at: new Date().toISOString() }))!;
      await eventually(() => stopped, 5_000, 'the run to stop');
      expect(String(stopped)).toMatch(/no longer/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Nothing written over the canceled job: no progress, no failure.
      expect(await job(queued.id)).toMatchObject({ status: 'canceled', version: canceled.version, error: null });
    });

    it('re-runs a job whose worker stopped renewing its lock (stalled), and refuses the stale run its outcome', async () => {
      let releaseFirst!: () => void;
      const firstMayEnd = new Promise<void>((resolve) => (releaseFirst = resolve));
      let staleDiscarded = false;
      // Busy with the job (concurrency 1), so only the second worker can take it over.
      const first = open({ concurrency: 1, lockMs: 1_000 });
      first.handle('work', async () => {
        await firstMayEnd;
        return { result: { run: 'first' }, discard: async () => void (staleDiscarded = true) };
      });
      await first.start();
      const queued = await first.enqueue(input('u1', 'work'));
      await status(queued.id, 'running');

      // The first worker "dies": its lock vanishes as if it had expired.
      const raw = new Redis(url);
      await raw.del(`${keyPrefix}bull:jobs:${queued.id}:lock`);
      raw.disconnect();
      const second = open({ lockMs: 1_000 });
      second.handle('work', async () => ({ result: { run: 'second' } }));
      await second.start();

      expect(await status(queued.id, 'succeeded')).toMatchObject({ attempts: 2, result: { run: 'second' } });
      releaseFirst();
      await eventually(() => staleDiscarded, 5_000, 'stale outcome discarded');
      expect(await job(queued.id)).toMatchObject({ status: 'succeeded', result: { run: 'second' } });
    });

    it('fails a job with a reason once its stalled runs have used up the attempts', async () => {
      const hang: JobHandler = () => new Promise(() => undefined);
      const first = open({ concurrency: 1, lockMs: 1_000, maxAttempts: 1 });
      first.handle('work', hang);
      await first.start();
      const queued = await first.enqueue(input('u1', 'work'));
      await status(queued.id, 'running');
      const raw = new Redis(url);
      await raw.del(`${keyPrefix}bull:jobs:${queued.id}:lock`);
      raw.disconnect();
      const second = open({ lockMs: 1_000, maxAttempts: 1 });
      second.handle('work', hang);
      await second.start();
      const failed = await status(queued.id, 'failed');
      expect(failed.error).toMatch(/interrupted 1 times/);
    });

    it('schedules at start a queued job BullMQ never heard of', async () => {
      const orphan = await store.insert<JobDoc>(JOBS_COLLECTION, {
        ...input('u1', 'echo'),
        id: newId(),
        status: 'queued',
        progress: 0,
        result: null,
        error: null,
        draft_id: null,
        attempts: 0,
        started_at: null,
        finished_at: null,
      });
      const worker = open();
      worker.handle('echo', async () => ({ result: { ok: true } }));
      await worker.start();
      expect(await status(orphan.id, 'succeeded')).toMatchObject({ attempts: 1, result: { ok: true } });
    });

    it('fails fast with 503 while Redis is unreachable, and the job it could not queue says so', async () => {
      const proxy = await startRedisProxy(url);
      try {
        const api = open({ url: proxy.url });
        expect((await api.enqueue(input('u1', 'echo'))).status).toBe('queued');
        await proxy.cut();
        const started = Date.now();
        const error = await api.enqueue(input('u1', 'echo')).catch((failure: unknown) => failure);
        expect(error).toBeInstanceOf(ServiceUnavailableError);
        expect(Date.now() - started).toBeLessThan(8_000);
        const [failed] = await store.find<JobDoc>(JOBS_COLLECTION, { status: 'failed' });
        expect(failed!.error).toMatch(/could not be queued/);
      } finally {
        await proxy.close();
      }
    });
  });
}
