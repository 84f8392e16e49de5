/**
 * Tracing on the production adapters: an app on MongoDB (MONGODB_URL) and/or Redis
 * (REDIS_URL) exporting to a fake OTLP receiver. The trace named by X-Trace-Id must hold
 * MongoDB and Redis child spans under the request's SERVER span, and a job's work must
 * continue that trace. Last, when OTEL_EXPORTER_OTLP_ENDPOINT is set, a real collector must
 * accept our export. Each part says loudly when its service is not configured.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { SpanKind } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { tracesUrl } from '../../src/telemetry.js';
import { as, createUser, type TestUser } from '../helpers/app.js';
import { MONGODB_URL, OTEL_ENDPOINT, REDIS_URL, announceSkip } from '../helpers/services.js';
import { dropKeys, testKeyPrefix } from '../contracts/redis.fixtures.js';
import { finished } from './generation.fixtures.js';
import { buildTracedApp, descendsFrom, spansCarryingIds, type TracedTestApp } from './tracing.fixtures.js';
import type { ReceivedSpan } from '../fakes/otlp-receiver.js';

if (!MONGODB_URL) announceSkip('Tracing: MongoDB child spans', 'MONGODB_URL');
if (!REDIS_URL) announceSkip('Tracing: Redis child spans', 'REDIS_URL');

const enabled = MONGODB_URL !== undefined || REDIS_URL !== undefined;

describe.runIf(enabled)(`tracing on ${[MONGODB_URL && 'MongoDB', REDIS_URL && 'Redis'].filter(Boolean).join(' + ')}`, () => {
  const dbName = `inkframe_tracing_${randomBytes(4).toString('hex')}`;
  const keyPrefix = testKeyPrefix();
  let t: TracedTestApp;
  let alice: TestUser;
  let projectId: string;

  beforeAll(async () => {
    t = await buildTracedApp({
      env: {
        RATE_LIMIT_GENERATION: '1000/minute',
        ...(MONGODB_URL ? { MONGODB_URL, MONGODB_DB: dbName } : {}),
        ...(REDIS_URL ? { REDIS_URL } : {}),
      },
      container: { redisKeyPrefix: keyPrefix },
    });
    alice = await createUser(t.app);
    const res = await as(t.app, alice).post('/api/v1/projects', { title: 'Traced on services' });
    expect(res.statusCode).toBe(201);
    projectId = res.json().data.id;
  });
  afterAll(async () => {
    await t?.close();
    if (REDIS_URL) await dropKeys(REDIS_URL, keyPrefix);
    if (MONGODB_URL) {
      const client = new MongoClient(MONGODB_URL);
      await client.db(dbName).dropDatabase().catch(() => undefined);
      await client.close();
    }
  });

  /** The request's SERVER span and every span of its trace, once `expected` spans arrived. */
  async function traced(traceId: string, expected: (span: ReceivedSpan) => boolean, what: string) {
    const [server] = await t.exported((span) => span.traceId === traceId && span.kind === 'SERVER', `the SERVER span of ${traceId}`);
    await t.exported((span) => span.traceId === traceId && expected(span), what);
    return { server: server!, spans: t.traceOf(traceId) };
  }

  it.runIf(MONGODB_URL)("finds the response's trace id with MongoDB child spans under the request span", async () => {
    const res = await as(t.app, alice).get(`/api/v1/projects/${projectId}`);
    expect(res.statusCode).toBe(200);
    const { server, spans } = await traced(res.headers['x-trace-id'] as string, (span) => span.name === 'mongodb get projects', 'the MongoDB read');
    expect(server.name).toBe('GET /api/v1/projects/:project_id');
    const mongo = spans.filter((span) => span.attributes['db.system'] === 'mongodb');
    for (const span of mongo) {
      expect(span.kind).toBe('CLIENT');
      expect(span.attributes).toMatchObject({ 'db.system.name': 'mongodb', 'db.collection.name': expect.any(String), 'db.operation.name': expect.any(String) });
      expect(descendsFrom(span, server, spans), span.name).toBe(true);
    }
    expect(spans.some((span) => span.attributes['db.system'] === 'sqlite')).toBe(false);
  });

  it.runIf(REDIS_URL)("finds the response's trace id with Redis child spans: the denylist in the auth hook, the cache in the handler", async () => {
    const res = await as(t.app, alice).get(`/api/v1/projects/${projectId}/stats`);
    expect(res.statusCode).toBe(200);
    const { server, spans } = await traced(res.headers['x-trace-id'] as string, (span) => span.name === 'redis cache.get', 'the cache read');
    expect(server.name).toBe('GET /api/v1/projects/:project_id/stats');
    const redis = spans.filter((span) => span.attributes['db.system'] === 'redis');
    expect(redis.map((span) => span.name)).toEqual(expect.arrayContaining(['redis denylist.is_revoked', 'redis denylist.user_cutoff', 'redis cache.get']));
    for (const span of redis) {
      expect(span.kind).toBe('CLIENT');
      expect(descendsFrom(span, server, spans), span.name).toBe(true);
    }
  });

  it.runIf(REDIS_URL)('traces event publishing on Redis after a write', async () => {
    const res = await as(t.app, alice).post(`/api/v1/projects/${projectId}/chapters`, { title: 'Published' });
    expect(res.statusCode).toBe(201);
    const { server, spans } = await traced(res.headers['x-trace-id'] as string, (span) => span.name === 'redis publish', 'the event publish');
    const publish = spans.find((span) => span.name === 'redis publish')!;
    expect(descendsFrom(publish, server, spans)).toBe(true);
  });

  it("continues the request's trace into the job, whose storage work nests under its CONSUMER span", async () => {
    const res = await as(t.app, alice).post('/api/v1/generate/image', { project_id: projectId, prompt: 'harbour at dawn', n: 1 });
    expect(res.statusCode, res.body).toBe(202);
    const traceId = res.headers['x-trace-id'] as string;
    const job = await finished(t.app, alice, `/api/v1/generate/status/${res.json().data.id}`);
    expect(job.status).toBe('succeeded');

    const system = MONGODB_URL ? 'mongodb' : 'sqlite';
    const { spans } = await traced(traceId, (span) => span.name === `${system} insert images`, 'the image record of the job');
    const consumer = spans.find((span) => span.kind === 'CONSUMER');
    expect(consumer?.name).toBe('job process image');
    const insert = spans.find((span) => span.name === `${system} insert images`)!;
    expect(descendsFrom(insert, consumer!, spans)).toBe(true);
    if (REDIS_URL) {
      // Progress events of the job go out on Redis inside the job's trace.
      const publishes = spans.filter((span) => span.name === 'redis publish' && descendsFrom(span, consumer!, spans));
      expect(publishes.length).toBeGreaterThan(0);
    }
    expect(spansCarryingIds(t.receiver.spans)).toEqual([]);
  });
});

if (!enabled) {
  describe.skip('tracing on MongoDB / Redis (MONGODB_URL and REDIS_URL not set)', () => {
    it('needs a MongoDB or Redis server', () => undefined);
  });
}

// The suites above check spans through a fake receiver; this one checks that the real
// collector (Jaeger) CI points OTEL_EXPORTER_OTLP_ENDPOINT at accepts what we send.
if (!OTEL_ENDPOINT) announceSkip('Tracing: export to a real OTLP collector', 'OTEL_EXPORTER_OTLP_ENDPOINT');
describe.runIf(OTEL_ENDPOINT)('the collector at OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('accepts our OTLP/HTTP export', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    provider.getTracer('inkframe-ci-check').startSpan('GET /api/v1/health', { kind: SpanKind.SERVER }).end();
    await provider.forceFlush();
    const exporter = new OTLPTraceExporter({ url: tracesUrl(OTEL_ENDPOINT!) });
    const result = await new Promise<ExportResult>((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
    await exporter.shutdown();
    await provider.shutdown();
    expect(result.error?.message).toBeUndefined();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
  });
});
