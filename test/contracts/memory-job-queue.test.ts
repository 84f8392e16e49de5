import { describe, expect, it } from 'vitest';
import { openSqliteDocumentStore } from '../../src/adapters/sqlite/sqlite-document-store.js';
import { createMemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { createMemoryJobQueue } from '../../src/adapters/memory/memory-job-queue.js';
import { newId } from '../../src/lib/ids.js';
import { JOBS_COLLECTION, type JobDoc } from '../../src/ports/job-queue.js';
import { jobQueueContract } from './job-queue.contract.js';

jobQueueContract('embedded (SQLite :memory:)', async () => {
  const store = openSqliteDocumentStore({ path: ':memory:' });
  const events = createMemoryEventBus();
  return {
    store,
    events,
    create: (options) => createMemoryJobQueue({ store, events, logLevel: 'silent', ...options, cancelWaitMs: options.stopGraceMs, progressWriteMs: 0 }),
    async close() {
      await events.close();
      await store.close();
    },
  };
});

describe('embedded job queue: progress writes', () => {
  it('publishes every progress report but writes the job at most once per interval, the last value landing', async () => {
    const store = openSqliteDocumentStore({ path: ':memory:' });
    const events = createMemoryEventBus();
    const published: number[] = [];
    events.subscribe((event) => {
      if (event.type === 'generation_progress' && event.data.status === 'running') published.push(event.data.progress as number);
    });
    const queue = createMemoryJobQueue({ store, events, logLevel: 'silent', progressWriteMs: 100 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    queue.handle('chatty', async (ctx) => {
      for (let i = 1; i <= 50; i++) await ctx.progress(i / 100);
      await released;
      return { result: {} };
    });
    try {
      await queue.start();
      const job = await queue.enqueue({ kind: 'generation', type: 'chatty', owner_id: 'u', project_id: newId(), params: {}, provider: null, model: null, prompt: null, seed: null });
      const read = () => store.get<JobDoc>(JOBS_COLLECTION, job.id);
      const deadline = Date.now() + 3_000;
      while ((await read())?.progress !== 0.5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      const doc = (await read())!;
      expect(doc).toMatchObject({ status: 'running', progress: 0.5 });
      // insert (1) + claim (1) + a couple of progress writes, not 50.
      expect(doc.version).toBeLessThan(8);
      expect(published.filter((p) => p > 0)).toHaveLength(50);
      release();
    } finally {
      await queue.stop();
      await events.close();
      await store.close();
    }
  });
});
