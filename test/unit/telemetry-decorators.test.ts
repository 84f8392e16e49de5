/**
 * The port decorators of src/adapters/otel against an in-memory exporter: names and
 * attributes stay low-cardinality, calls outside a trace make no root spans, transactions
 * nest their operations, errors are marked without messages (except readable provider
 * errors), and a job carries its enqueuing context to the handler's CONSUMER span.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { openSqliteDocumentStore } from '../../src/adapters/sqlite/sqlite-document-store.js';
import { tracedDocumentStore } from '../../src/adapters/otel/traced-document-store.js';
import { tracedJobQueue } from '../../src/adapters/otel/traced-job-queue.js';
import { tracedImageProvider } from '../../src/adapters/otel/traced-providers.js';
import { tracedRedisPorts } from '../../src/adapters/otel/traced-redis.js';
import { ProviderError, type ImageProvider } from '../../src/ports/ai-providers.js';
import type { AttemptCounter } from '../../src/ports/attempt-counter.js';
import type { Cache } from '../../src/ports/cache.js';
import type { EventBus } from '../../src/ports/event-bus.js';
import type { JobContext, JobDoc, JobHandler, JobQueue } from '../../src/ports/job-queue.js';
import type { StoredDoc } from '../../src/ports/document-store.js';
import type { TokenDenylist } from '../../src/ports/token-denylist.js';
import { ConflictError } from '../../src/errors.js';
import { newId } from '../../src/lib/ids.js';

type Doc = StoredDoc & Record<string, unknown>;

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = () => trace.getTracer('test');

beforeAll(() => provider.register({ propagator: new W3CTraceContextPropagator() }));
afterEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

/** Runs fn inside a parent span; returns that span's id and trace. */
async function inParent(fn: () => Promise<unknown>) {
  return tracer().startActiveSpan('parent', async (parent) => {
    await fn();
    parent.end();
    return parent.spanContext();
  });
}

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const named = (name: string) => spans().find((span) => span.name === name);

describe('tracedDocumentStore', () => {
  const store = tracedDocumentStore(openSqliteDocumentStore({ path: ':memory:' }), 'sqlite');
  afterAll(() => store.close());

  it('makes no spans outside a trace', async () => {
    await store.insert<Doc>('projects', { id: newId(), owner_id: newId(), title: 'Quiet' });
    expect(spans()).toEqual([]);
  });

  it('names spans `<system> <operation> <collection>` without ids or filter values, and nests transactions', async () => {
    const id = newId();
    const parent = await inParent(async () => {
      await store.insert<Doc>('projects', { id, owner_id: newId(), title: 'Secret title' });
      await store.find('projects', { title: 'Secret title' });
      await store.transaction(async (tx) => {
        await tx.update('projects', id, { title: 'Renamed' });
      });
    });
    expect(spans().map((span) => span.name)).toEqual(['sqlite insert projects', 'sqlite find projects', 'sqlite update projects', 'sqlite transaction', 'parent']);
    expect(named('sqlite find projects')!.attributes).toEqual({
      'db.system': 'sqlite',
      'db.system.name': 'sqlite',
      'db.operation.name': 'find',
      'db.collection.name': 'projects',
    });
    expect(named('sqlite find projects')!.kind).toBe(SpanKind.CLIENT);
    expect(named('sqlite insert projects')!.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(named('sqlite update projects')!.parentSpanContext?.spanId).toBe(named('sqlite transaction')!.spanContext().spanId);
    expect(JSON.stringify(spans().map((span) => span.attributes))).not.toMatch(new RegExp(`${id}|Secret`));
  });

  it('marks a failed operation by error class only', async () => {
    const id = newId();
    await store.insert<Doc>('projects', { id, owner_id: newId(), title: 'Once' });
    await inParent(async () => {
      await expect(store.update('projects', id, { title: 'Twice' }, { expectedVersion: 7 })).rejects.toThrow();
    });
    const failed = named('sqlite update projects')!;
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(failed.attributes['error.type']).toBe('VersionConflictError');
  });
});

describe('tracedRedisPorts', () => {
  const calls: string[] = [];
  const denylist: TokenDenylist = {
    revoke: async () => true,
    isRevoked: async (key) => (calls.push(key), false),
    revokeUserTokensBefore: async () => undefined,
    userCutoff: async () => null,
    close: async () => undefined,
  };
  const backends = {
    client: { name: 'the ioredis client' },
    ping: async () => true,
    events: { publish: async () => undefined, subscribe: () => () => undefined, close: async () => undefined } as EventBus,
    denylist,
    cache: { get: async () => undefined } as unknown as Cache,
    attempts: { blockedFor: async (key: string) => (calls.push(key), 0) } as unknown as AttemptCounter,
  };

  it('traces the ports as `redis <port>.<operation>`, never the keys, and keeps the rest of the backends', async () => {
    const traced = tracedRedisPorts(backends);
    expect(traced.client).toBe(backends.client);
    expect(await traced.ping()).toBe(true);
    await inParent(async () => {
      await traced.denylist.isRevoked('jti:very-secret');
      await traced.cache.get('stats:abc');
      await traced.events.publish({ type: 'content_update', project_id: 'p', owner_id: 'o', data: {}, timestamp: '' });
      await traced.attempts.blockedFor('login:user:alice');
    });
    expect(calls).toEqual(['jti:very-secret', 'login:user:alice']);
    expect(spans().map((span) => span.name)).toEqual(['redis denylist.is_revoked', 'redis cache.get', 'redis publish', 'redis attempts.blocked_for', 'parent']);
    expect(JSON.stringify(named('redis attempts.blocked_for')!.attributes)).not.toContain('alice');
    expect(named('redis cache.get')!.attributes).toEqual({ 'db.system': 'redis', 'db.system.name': 'redis', 'db.operation.name': 'cache.get' });
  });
});

describe('tracedImageProvider', () => {
  const inner: ImageProvider = {
    name: 'sketch',
    model: 'sketch-1',
    supportsImageToImage: true,
    supportsNegativePrompt: false,
    maxPromptLength: 1234,
    async generate(request) {
      if (request.prompt === 'fail') throw new ProviderError('The renderer crashed');
      return [{ data: Buffer.from('png'), mime_type: 'image/png', seed: request.seed }];
    },
  };
  const traced = tracedImageProvider(inner);
  const request = { prompt: 'a secret plan', width: 64, height: 32, seed: 1, n: 1 };
  const options = { signal: new AbortController().signal };

  it('passes the provider facts through and adds no close() the provider lacks', () => {
    expect(traced).toMatchObject({ name: 'sketch', model: 'sketch-1', supportsImageToImage: true, supportsNegativePrompt: false, maxPromptLength: 1234 });
    expect('close' in traced).toBe(false);
  });

  it('traces a call as a CLIENT span with the model, never the prompt; a ProviderError is its status', async () => {
    await traced.generate(request, options);
    await expect(traced.generate({ ...request, prompt: 'fail' }, options)).rejects.toThrow('crashed');
    const [ok, failed] = spans();
    expect(ok!.name).toBe('generate_image sketch-1');
    expect(ok!.kind).toBe(SpanKind.CLIENT);
    expect(ok!.attributes).toMatchObject({ 'gen_ai.provider.name': 'sketch', 'gen_ai.request.model': 'sketch-1', 'inkframe.image.count': 1, 'inkframe.image.width': 64 });
    expect(JSON.stringify(spans().map((span) => span.attributes))).not.toContain('secret');
    expect(failed!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'The renderer crashed' });
  });
});

describe('tracedJobQueue', () => {
  function fakeQueue() {
    const handlers = new Map<string, JobHandler>();
    const enqueued: Record<string, unknown>[] = [];
    const queue: JobQueue = {
      handle: (type, handler) => void handlers.set(type, handler),
      enqueue: async (input) => (enqueued.push(input), { ...input, id: newId() } as unknown as JobDoc),
      cancel: async () => ({}) as JobDoc,
      start: async () => undefined,
      stop: async () => undefined,
    };
    return { queue, handlers, enqueued };
  }
  const input = { kind: 'generation' as const, type: 'image', owner_id: newId(), project_id: null, params: {}, provider: null, model: null, prompt: null, seed: null };
  const run = (handler: JobHandler, job: Record<string, unknown>, signal = new AbortController().signal) =>
    handler({ job: { ...input, attempts: 1, ...job } as unknown as JobDoc, signal } as JobContext);

  it("stores the producer span's traceparent on the job, and the handler's CONSUMER span continues it", async () => {
    const { queue, handlers, enqueued } = fakeQueue();
    const traced = tracedJobQueue(queue);
    let activeInHandler: string | undefined;
    traced.handle('image', async () => {
      activeInHandler = trace.getActiveSpan()?.spanContext().spanId;
      return { result: {} };
    });
    const parent = await inParent(async () => void (await traced.enqueue(input)));
    const producer = named('job enqueue image')!;
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(producer.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(enqueued[0]!.trace_parent).toBe(`00-${parent.traceId}-${producer.spanContext().spanId}-01`);

    // Later, outside any span (as a worker would): the stored job alone carries the context.
    expect(trace.getActiveSpan()).toBeUndefined();
    await run(handlers.get('image')!, { trace_parent: enqueued[0]!.trace_parent });
    const consumer = named('job process image')!;
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.spanContext().traceId).toBe(parent.traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(activeInHandler).toBe(consumer.spanContext().spanId);
    expect(consumer.attributes).toMatchObject({ 'messaging.destination.name': 'image', 'inkframe.job.kind': 'generation', 'inkframe.job.attempt': 1 });
  });

  it('starts a new trace for a job without trace_parent; an aborted job is not an error, a failed one is', async () => {
    const { queue, handlers } = fakeQueue();
    tracedJobQueue(queue).handle('image', async ({ job }) => {
      throw job.params.conflict ? new ConflictError('Already done') : new ProviderError('canceled');
    });
    const aborted = new AbortController();
    aborted.abort();
    await expect(run(handlers.get('image')!, {}, aborted.signal)).rejects.toThrow();
    await expect(run(handlers.get('image')!, { params: { conflict: true } })).rejects.toThrow();
    const [canceled, failed] = spans();
    expect(canceled!.parentSpanContext).toBeUndefined();
    expect(canceled!.status.code).toBe(SpanStatusCode.UNSET);
    expect(canceled!.attributes['inkframe.job.aborted']).toBe(true);
    expect(failed!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Already done' });
  });
});
