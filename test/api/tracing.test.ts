/**
 * Tracing end to end on the embedded adapters: telemetry exports to a fake OTLP receiver, and
 * the spans it gets must match what the API answered: X-Trace-Id is the SERVER span's trace,
 * named after the route template; storage spans nest under it (also over a real socket and
 * for a WebSocket handshake); a job's CONSUMER span carries the trace of the request that
 * enqueued it, with the provider call inside.
 * (MongoDB and Redis: tracing-services.test.ts.)
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { WebSocket } from 'ws';
import { ProviderError, type ImageProvider } from '../../src/ports/ai-providers.js';
import { as, createUser, type TestUser } from '../helpers/app.js';
import { finished, samplePng } from './generation.fixtures.js';
import { buildTracedApp, descendsFrom, SERVICE_NAME, spansCarryingIds, type TracedTestApp } from './tracing.fixtures.js';

/** Answers with a real PNG, or fails the way a provider does when the prompt asks for it. */
const provider: ImageProvider = {
  name: 'traced-test',
  model: 'test-model-1',
  supportsImageToImage: false,
  supportsNegativePrompt: true,
  maxPromptLength: 4000,
  async generate(request) {
    if (request.prompt.includes('PLEASE FAIL')) throw new ProviderError('The provider is overloaded', true);
    const data = await samplePng(32, 32);
    return Array.from({ length: request.n }, (_, index) => ({ data, mime_type: 'image/png' as const, seed: request.seed + index }));
  },
};

let t: TracedTestApp;
/** trace id -> the span active in an onRequest hook of that request. */
const activeInHook = new Map<string, string>();
let alice: TestUser;
let projectId: string;

beforeAll(async () => {
  t = await buildTracedApp({
    env: { RATE_LIMIT_GENERATION: '1000/minute' },
    container: { imageProvider: provider, jobs: { maxAttempts: 1 } },
    // Added after the auth hook: sees what authentication sees.
    configure: (app) => {
      app.addHook('onRequest', async (request) => {
        const active = trace.getActiveSpan()?.spanContext();
        if (active) activeInHook.set(request.trace.traceId, active.spanId);
      });
      // A test-only route that breaks, for the 5xx case.
      app.get('/api/v1/tracing-test/:thing_id/boom', { config: { public: true } }, async () => {
        throw new TypeError('kaboom');
      });
    },
  });
  alice = await createUser(t.app);
  const res = await as(t.app, alice).post('/api/v1/projects', { title: 'Traced' });
  expect(res.statusCode).toBe(201);
  projectId = res.json().data.id;
});
afterAll(async () => t.close());

let listening: Promise<string> | undefined;
const baseUrl = () => (listening ??= t.app.listen({ host: '127.0.0.1', port: 0 }));

/** A POST whose body arrives in two TCP writes, 50 ms apart (so its end is a socket event). */
function postInTwoParts(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers }));
    });
    request.on('error', reject);
    request.write(body.slice(0, 5));
    setTimeout(() => request.end(body.slice(5)), 50);
  });
}

const serverSpanOf = async (traceId: string) =>
  (await t.exported((span) => span.traceId === traceId && span.kind === 'SERVER', `the SERVER span of trace ${traceId}`))[0]!;

describe('HTTP server spans', () => {
  it('X-Trace-Id and traceparent are the ids of an exported SERVER span named after the route template', async () => {
    const res = await as(t.app, alice).get(`/api/v1/projects/${projectId}`);
    expect(res.statusCode).toBe(200);
    const traceId = res.headers['x-trace-id'] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const server = await serverSpanOf(traceId);
    expect(server.name).toBe('GET /api/v1/projects/:project_id');
    expect(res.headers.traceparent).toBe(`00-${traceId}-${server.spanId}-01`);
    expect(server.parentSpanId).toBeUndefined();
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/api/v1/projects/:project_id',
      'http.response.status_code': 200,
    });
    expect(server.status.code).toBe(0);
    expect(server.resource['service.name']).toBe(SERVICE_NAME);
    expect(t.receiver.requests.every((request) => request.contentType === 'application/json')).toBe(true);
  });

  it('runs the hooks after it (authentication) and the handler in its context: store calls nest under it', async () => {
    const res = await as(t.app, alice).get(`/api/v1/projects/${projectId}`);
    const traceId = res.headers['x-trace-id'] as string;
    const server = await serverSpanOf(traceId);
    expect(activeInHook.get(traceId)).toBe(server.spanId);
    await t.exported((span) => span.traceId === traceId && span.name === 'sqlite get projects', 'the project read');

    const spans = t.traceOf(traceId);
    const store = spans.filter((span) => span.attributes['db.system'] === 'sqlite');
    expect(store.length).toBeGreaterThan(0);
    for (const span of store) {
      expect(span.kind).toBe('CLIENT');
      expect(span.attributes['db.operation.name']).toEqual(expect.any(String));
      expect(span.name).toBe(`sqlite ${span.attributes['db.operation.name']} ${span.attributes['db.collection.name']}`);
      expect(descendsFrom(span, server, spans), span.name).toBe(true);
    }
  });

  it('keeps the context across body parsing on a real socket, with no ids in names or attributes', async () => {
    // Over TCP the body arrives in socket events, outside the request's async context.
    const res = await postInTwoParts(`${await baseUrl()}/api/v1/projects/${projectId}/chapters`, alice.auth, JSON.stringify({ title: 'One' }));
    expect(res.status).toBe(201);
    const traceId = res.headers['x-trace-id'] as string;
    const server = await serverSpanOf(traceId);
    expect(server.name).toBe('POST /api/v1/projects/:project_id/chapters');
    expect(server.attributes['http.response.status_code']).toBe(201);
    const inserts = await t.exported((span) => span.traceId === traceId && span.name === 'sqlite insert chapters', 'the chapter insert');
    expect(descendsFrom(inserts[0]!, server, t.traceOf(traceId))).toBe(true);
    expect(spansCarryingIds(t.receiver.spans)).toEqual([]);
  });

  it('continues an incoming traceparent', async () => {
    const incomingTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const incomingSpan = '00f067aa0ba902b7';
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${projectId}`,
      headers: { ...alice.auth, traceparent: `00-${incomingTrace}-${incomingSpan}-01` },
    });
    expect(res.headers['x-trace-id']).toBe(incomingTrace);
    const server = await serverSpanOf(incomingTrace);
    expect(server.parentSpanId).toBe(incomingSpan);
    expect(res.headers.traceparent).toBe(`00-${incomingTrace}-${server.spanId}-01`);
  });

  it('traces errors: the body trace_id is the span trace; a 4xx is not a span error; unknown routes are named by method', async () => {
    const denied = await t.app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}` });
    expect(denied.statusCode).toBe(401);
    const traceId = denied.headers['x-trace-id'] as string;
    expect(denied.json().trace_id).toBe(traceId);
    const server = await serverSpanOf(traceId);
    expect(server.name).toBe('GET /api/v1/projects/:project_id');
    expect(server.attributes['http.response.status_code']).toBe(401);
    expect(server.status.code).toBe(0);

    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/no-such-thing/123' });
    expect(missing.statusCode).toBe(404);
    const unrouted = await serverSpanOf(missing.headers['x-trace-id'] as string);
    expect(unrouted.name).toBe('GET');
    expect(unrouted.attributes['http.route']).toBeUndefined();
  });
  it('ends the span of a WebSocket handshake with the upgrade (101), its authorization nested under it', async () => {
    const socket = new WebSocket(`${(await baseUrl()).replace('http', 'ws')}/api/v1/ws/${projectId}`, ['bearer', alice.token]);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    try {
      // The 101 answer is written by the WebSocket library, without our headers: find the span by name.
      const [server] = await t.exported((span) => span.kind === 'SERVER' && span.name === 'GET /api/v1/ws/:project_id', 'the handshake span');
      expect(server!.attributes['http.response.status_code']).toBe(101);
      const traceId = server!.traceId;
      const [load] = await t.exported((span) => span.traceId === traceId && span.name === 'sqlite get projects', 'the handshake project check');
      expect(descendsFrom(load!, server!, t.traceOf(traceId))).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('marks a 5xx as a span error and records the exception (the client sees none of it)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/tracing-test/abc/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('kaboom');
    const server = await serverSpanOf(res.headers['x-trace-id'] as string);
    expect(server.name).toBe('GET /api/v1/tracing-test/:thing_id/boom');
    expect(server.status.code).toBe(2);
    expect(server.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': 'TypeError' });
    expect(server.events.find((event) => event.name === 'exception')?.attributes['exception.message']).toBe('kaboom');
  });
});

describe('jobs', () => {
  it("continue the enqueuing request's trace into the worker, with the provider call inside", async () => {
    const res = await as(t.app, alice).post('/api/v1/generate/image', { project_id: projectId, prompt: 'a lighthouse in fog', n: 1 });
    expect(res.statusCode, res.body).toBe(202);
    const traceId = res.headers['x-trace-id'] as string;
    const job = await finished(t.app, alice, `/api/v1/generate/status/${res.json().data.id}`);
    expect(job.status).toBe('succeeded');
    // The job document keeps the context it was enqueued in, but the API never shows it.
    expect(job).not.toHaveProperty('trace_parent');
    const stored = await t.container.store.get<{ id: string; created_at: string; updated_at: string; version: number; trace_parent?: string }>('jobs', job.id as string);
    expect(stored?.trace_parent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const server = await serverSpanOf(traceId);
    expect(server.name).toBe('POST /api/v1/generate/image');
    const [consumer] = await t.exported((span) => span.traceId === traceId && span.kind === 'CONSUMER', 'the job CONSUMER span');
    const [generate] = await t.exported((span) => span.traceId === traceId && span.name === 'generate_image test-model-1', 'the provider span');
    const spans = t.traceOf(traceId);
    const producer = spans.find((span) => span.kind === 'PRODUCER')!;
    expect(producer.name).toBe('job enqueue image');
    expect(descendsFrom(producer, server, spans)).toBe(true);
    expect(consumer!.name).toBe('job process image');
    expect(consumer!.parentSpanId).toBe(producer.spanId);
    expect(consumer!.attributes).toMatchObject({ 'messaging.destination.name': 'image', 'inkframe.job.kind': 'generation', 'inkframe.job.attempt': 1 });
    expect(consumer!.status.code).toBe(0);

    expect(generate!.kind).toBe('CLIENT');
    expect(generate!.parentSpanId).toBe(consumer!.spanId);
    expect(generate!.attributes).toMatchObject({ 'gen_ai.provider.name': 'traced-test', 'gen_ai.request.model': 'test-model-1', 'gen_ai.request.choice.count': 1, 'inkframe.image.count': 1 });
    // Prompts stay out of traces.
    expect(JSON.stringify(spans)).not.toContain('lighthouse');
    // The job's own storage work (the image record) nests under the consumer.
    const imageInsert = spans.find((span) => span.name === 'sqlite insert images');
    expect(imageInsert && descendsFrom(imageInsert, consumer!, spans)).toBe(true);
  });

  it('marks a failed job and its provider call as errors with the readable reason', async () => {
    const res = await as(t.app, alice).post('/api/v1/generate/image', { project_id: projectId, prompt: 'PLEASE FAIL', n: 1 });
    expect(res.statusCode, res.body).toBe(202);
    const traceId = res.headers['x-trace-id'] as string;
    const job = await finished(t.app, alice, `/api/v1/generate/status/${res.json().data.id}`);
    expect(job.status).toBe('failed');

    const [consumer] = await t.exported((span) => span.traceId === traceId && span.kind === 'CONSUMER', 'the failed job span');
    const [generate] = await t.exported((span) => span.traceId === traceId && span.name.startsWith('generate_image'), 'the failed provider span');
    for (const span of [consumer!, generate!]) {
      expect(span.status).toEqual({ code: 2, message: 'The provider is overloaded' });
      expect(span.attributes['error.type']).toBe('ProviderError');
    }
  });
});
