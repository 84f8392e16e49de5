/**
 * The JobQueue contract: what every adapter (embedded, BullMQ) must do, tested only through
 * the port plus the job documents in the DocumentStore (the source of truth) and the events
 * published on the EventBus. `create` builds a queue over the given store and bus; it may be
 * called twice on one store to simulate a restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/errors.js';
import { ProviderError } from '../../src/ports/ai-providers.js';
import type { DocumentStore } from '../../src/ports/document-store.js';
import type { AppEvent, EventBus } from '../../src/ports/event-bus.js';
import { JOBS_COLLECTION, type JobDoc, type JobHandler, type JobQueue } from '../../src/ports/job-queue.js';
import { newId } from '../../src/lib/ids.js';

export interface QueueOptions {
  concurrency: number;
  maxAttempts: number;
  stopGraceMs: number;
}

export interface JobQueueHarness {
  store: DocumentStore;
  events: EventBus;
  create(options: QueueOptions): JobQueue;
  close(): Promise<void>;
}

const DEFAULTS: QueueOptions = { concurrency: 2, maxAttempts: 3, stopGraceMs: 200 };
const PROJECT = newId();

function input(owner: string, type = 'echo', params: Record<string, unknown> = {}) {
  return { kind: 'generation' as const, type, owner_id: owner, project_id: PROJECT, params, provider: 'fake', model: 'fake-1', prompt: null, seed: 7 };
}

/** Resolves when `check` passes (polling), or fails the test after `ms`. */
async function until<T>(check: () => Promise<T | undefined | null | false>, ms = 3_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A handler that waits until released or aborted (then throws the abort reason). */
function gate() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const seen: { aborted: boolean } = { aborted: false };
  const handler: JobHandler = async ({ signal }) => {
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', () => {
        seen.aborted = true;
        reject(signal.reason);
      });
      void released.then(resolve);
    });
    return { result: { done: true } };
  };
  return { handler, release, seen };
}

export function jobQueueContract(name: string, open: () => Promise<JobQueueHarness>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let h: JobQueueHarness;
    let queues: JobQueue[];
    let seen: AppEvent[];
    const create = (options: Partial<QueueOptions> = {}) => {
      const queue = h.create({ ...DEFAULTS, ...options });
      queues.push(queue);
      return queue;
    };
    const job = (id: string) => h.store.get<JobDoc>(JOBS_COLLECTION, id);
    const finished = (id: string) => until(async () => {
      const doc = await job(id);
      return doc && ['succeeded', 'failed', 'canceled'].includes(doc.status) ? doc : null;
    });

    beforeEach(async () => {
      h = await open();
      queues = [];
      seen = [];
      h.events.subscribe((event) => seen.push(event));
    });
    afterEach(async () => {
      for (const queue of queues) await queue.stop();
      await h.close();
    });

    it('stores a queued job, runs it, and records the outcome, provenance and times', async () => {
      const queue = create();
      queue.handle('echo', async (ctx) => {
        await ctx.annotate({ prompt: 'a cat', provider: 'fake', model: 'fake-1', seed: 42 });
        await ctx.progress(0.5, 'half');
        return { result: { echoed: ctx.job.params.text }, draft_id: null };
      });
      await queue.start();
      const queued = await queue.enqueue(input('u1', 'echo', { text: 'hi' }));
      expect(queued).toMatchObject({ status: 'queued', progress: 0, result: null, error: null, draft_id: null, attempts: 0, started_at: null, finished_at: null });
      expect(queued.id).toMatch(/^[0-9a-f]{24}$/);

      const done = await finished(queued.id);
      expect(done).toMatchObject({ status: 'succeeded', progress: 1, result: { echoed: 'hi' }, error: null, attempts: 1, prompt: 'a cat', seed: 42 });
      expect(Date.parse(done.started_at!)).toBeLessThanOrEqual(Date.parse(done.finished_at!));

      const statuses = seen.filter((e) => e.type === 'generation_progress').map((e) => e.data.status);
      expect(statuses[0]).toBe('queued');
      expect(statuses).toContain('running');
      expect(statuses.at(-1)).toBe('succeeded');
      const half = seen.find((e) => e.data.message === 'half')!;
      expect(half).toMatchObject({ project_id: PROJECT, owner_id: 'u1', data: { job_id: queued.id, kind: 'generation', status: 'running', progress: 0.5 } });
    });

    it('fails a job with the provider message, or a generic one for unexpected errors (never a stack)', async () => {
      const queue = create();
      queue.handle('provider', async () => {
        throw new ProviderError('The image service is unreachable (connection refused)');
      });
      queue.handle('bug', async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'x')");
      });
      await queue.start();
      const a = await finished((await queue.enqueue(input('u1', 'provider'))).id);
      const b = await finished((await queue.enqueue(input('u1', 'bug'))).id);
      const c = await finished((await queue.enqueue(input('u1', 'nobody-handles-this'))).id);
      expect(a).toMatchObject({ status: 'failed', error: 'The image service is unreachable (connection refused)', result: null });
      expect(b.status).toBe('failed');
      expect(b.error).not.toMatch(/Cannot read|TypeError|\n\s+at /);
      expect(c).toMatchObject({ status: 'failed', error: expect.stringContaining('nobody-handles-this') });
    });

    it('publishes task_complete when a text task ends', async () => {
      const queue = create();
      queue.handle('summary', async () => ({ result: { text: 'ok' }, draft_id: 'd'.repeat(24) }));
      await queue.start();
      const task = await queue.enqueue({ ...input('u1', 'summary'), kind: 'task' });
      await finished(task.id);
      const complete = await until(async () => seen.find((e) => e.type === 'task_complete'));
      expect(complete.data).toEqual({ task_id: task.id, status: 'succeeded', draft_id: 'd'.repeat(24) });
    });

    it('persists checkpoints and progress while running', async () => {
      const queue = create();
      const g = gate();
      queue.handle('slow', async (ctx) => {
        await ctx.checkpoint({ image_ids: ['a'] });
        await ctx.progress(0.25);
        return g.handler(ctx);
      });
      await queue.start();
      const queued = await queue.enqueue(input('u1', 'slow'));
      const running = await until(async () => {
        const doc = await job(queued.id);
        return doc?.status === 'running' && doc.progress === 0.25 ? doc : null;
      });
      expect(running.result).toEqual({ image_ids: ['a'] });
      g.release();
      expect((await finished(queued.id)).result).toEqual({ done: true });
    });

    it('cancels a queued job so that it never runs; a second cancel is a conflict', async () => {
      const queue = create({ concurrency: 1 });
      const g = gate();
      let ran = 0;
      queue.handle('block', g.handler);
      queue.handle('count', async () => ({ result: { n: ++ran } }));
      await queue.start();
      const blocker = await queue.enqueue(input('u1', 'block'));
      const victim = await queue.enqueue(input('u1', 'count'));
      await until(async () => (await job(blocker.id))?.status === 'running');
      const canceled = await queue.cancel(victim.id);
      expect(canceled).toMatchObject({ status: 'canceled' });
      expect(canceled.finished_at).not.toBeNull();
      g.release();
      await finished(blocker.id);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(ran).toBe(0);
      expect((await job(victim.id))!.status).toBe('canceled');
      await expect(queue.cancel(victim.id)).rejects.toBeInstanceOf(ConflictError);
      await expect(queue.cancel(blocker.id)).rejects.toBeInstanceOf(ConflictError);
      await expect(queue.cancel(newId())).rejects.toBeInstanceOf(NotFoundError);
    });

    it('cancels a running job: its signal aborts, a late result is discarded, the status stays canceled', async () => {
      const queue = create();
      const g = gate();
      queue.handle('wait', g.handler);
      let discarded = false;
      let finishLate!: () => void;
      const late = new Promise<void>((resolve) => (finishLate = resolve));
      // Ignores its signal and succeeds anyway after the cancel: its output must be discarded.
      queue.handle('stubborn', async () => {
        await late;
        return { result: { image_ids: ['x'] }, discard: async () => void (discarded = true) };
      });
      await queue.start();
      const a = await queue.enqueue(input('u1', 'wait'));
      const b = await queue.enqueue(input('u2', 'stubborn'));
      await until(async () => (await job(a.id))?.status === 'running' && (await job(b.id))?.status === 'running');

      const canceled = await queue.cancel(a.id);
      expect(g.seen.aborted).toBe(true);
      expect(canceled).toMatchObject({ status: 'canceled', result: null, error: null });

      const cancelB = queue.cancel(b.id);
      await until(async () => (await job(b.id))?.status === 'canceled');
      finishLate();
      await cancelB;
      await until(async () => discarded);
      expect(await job(b.id)).toMatchObject({ status: 'canceled', result: null });
      const events = seen.filter((e) => e.data.job_id === a.id).map((e) => e.data.status);
      expect(events.at(-1)).toBe('canceled');
    });

    it('never runs more than `concurrency` jobs at once', async () => {
      const queue = create({ concurrency: 2 });
      let running = 0;
      let peak = 0;
      queue.handle('busy', async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
        return { result: {} };
      });
      await queue.start();
      const jobs = await Promise.all(Array.from({ length: 6 }, () => queue.enqueue(input('u1', 'busy'))));
      for (const j of jobs) await finished(j.id);
      expect(peak).toBe(2);
    });

    it('runs each user in order and alternates between users', async () => {
      const queue = create({ concurrency: 1 });
      const order: string[] = [];
      queue.handle('log', async (ctx) => {
        order.push(String(ctx.job.params.label));
        return { result: {} };
      });
      // Enqueued before start: the worker picks them up from the store.
      const labels = ['a1', 'a2', 'a3', 'a4', 'b1', 'b2'];
      const jobs = [];
      for (const label of labels) jobs.push(await queue.enqueue(input(label.startsWith('a') ? 'alice' : 'bob', 'log', { label })));
      await queue.start();
      for (const j of jobs) await finished(j.id);
      expect(order).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'a4']);

      // Jobs enqueued while the worker is busy: a newcomer does not wait behind the backlog.
      order.length = 0;
      const g = gate();
      queue.handle('block', g.handler);
      const blocker = await queue.enqueue(input('zed', 'block'));
      await until(async () => (await job(blocker.id))?.status === 'running');
      const more = [];
      for (const label of ['a5', 'a6', 'a7']) more.push(await queue.enqueue(input('alice', 'log', { label })));
      more.push(await queue.enqueue(input('carol', 'log', { label: 'c1' })));
      g.release();
      for (const j of more) await finished(j.id);
      expect(order).toEqual(['a5', 'c1', 'a6', 'a7']);
    });

    it('after a crash re-runs jobs left running, and fails those out of attempts with a reason', async () => {
      const base = { ...input('u1', 'echo', { text: 'again' }), status: 'running', progress: 0.4, result: null, error: null, draft_id: null, started_at: new Date().toISOString(), finished_at: null };
      const retried = await h.store.insert<JobDoc>(JOBS_COLLECTION, { ...base, id: newId(), attempts: 1 } as JobDoc);
      const exhausted = await h.store.insert<JobDoc>(JOBS_COLLECTION, { ...base, id: newId(), attempts: 3 } as JobDoc);
      const calls: string[] = [];
      const queue = create({ maxAttempts: 3 });
      queue.handle('echo', async (ctx) => {
        calls.push(ctx.job.id);
        return { result: { echoed: ctx.job.params.text } };
      });
      await queue.start();
      expect(await finished(retried.id)).toMatchObject({ status: 'succeeded', attempts: 2, result: { echoed: 'again' } });
      const failed = await finished(exhausted.id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/interrupted 3 times/);
      expect(calls).toEqual([retried.id]);
    });

    it('on stop, aborts jobs still running after the grace period and runs them again at the next start', async () => {
      const first = create({ stopGraceMs: 50 });
      const g = gate();
      first.handle('wait', g.handler);
      await first.start();
      const waiting = await first.enqueue(input('u1', 'wait'));
      await until(async () => (await job(waiting.id))?.status === 'running');
      await first.stop();
      expect(g.seen.aborted).toBe(true);
      expect(await job(waiting.id)).toMatchObject({ status: 'queued', attempts: 0 });

      const second = create();
      second.handle('wait', async () => ({ result: { second: true } }));
      await second.start();
      expect(await finished(waiting.id)).toMatchObject({ status: 'succeeded', result: { second: true }, attempts: 1 });
    });
  });
}
