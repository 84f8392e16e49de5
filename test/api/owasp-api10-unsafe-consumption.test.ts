/**
 * OWASP API10:2023 Unsafe Consumption of APIs. Inkframe consumes AI providers; everything they
 * answer is treated as untrusted: answers are size-limited (declared and streamed), every call
 * has a timeout and bounded retries, redirects are refused, JSON is shape-checked and image
 * bytes format-checked before use, and nothing a provider says (nor the API key) reaches a
 * user unredacted. End to end, a misbehaving provider fails the job cleanly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { createHttpClient, shape, type HttpClientOptions } from '../../src/adapters/ai/http.js';
import { createOpenAiImageProvider } from '../../src/adapters/ai/openai.js';
import { ProviderError } from '../../src/ports/ai-providers.js';
import { as, buildTestApp, createUser, type TestApp } from '../helpers/app.js';
import { FakeServer, sendJson } from '../fakes/fake-server.js';
import { startFakeOpenAi } from '../fakes/openai.js';
import { finished } from './generation.fixtures.js';

const KEY = 'sk-owasp-0123456789abcdefSECRET';
const Answer = Type.Object({ ok: Type.Boolean(), items: Type.Array(Type.String(), { maxItems: 10 }) });
const signal = () => new AbortController().signal;

let server: FakeServer;
let elsewhere: FakeServer;
beforeAll(async () => {
  elsewhere = await new FakeServer((_req, res) => sendJson(res, 200, { ok: true, items: [] })).start();
  server = await new FakeServer((req, res) => {
    if (req.path === '/big-declared') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) });
      return void res.end('{}');
    }
    if (req.path === '/big-streamed') {
      // No Content-Length: chunked, and far more than the limit.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 200 && res.write(chunk)) sent++;
        if (sent < 200) res.once('drain', pump);
        else res.end();
      };
      res.on('error', () => undefined);
      return pump();
    }
    if (req.path === '/redirect') {
      res.writeHead(302, { location: `${elsewhere.url}/ok` });
      return void res.end();
    }
    if (req.path === '/wrong-shape') return sendJson(res, 200, { ok: 'yes', items: 'everything' });
    if (req.path === '/too-many') return sendJson(res, 200, { ok: true, items: Array.from({ length: 1000 }, () => 'x') });
    if (req.path === '/not-json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('<html>gateway</html>');
    }
    if (req.path === '/always-503') return sendJson(res, 503, { error: { message: 'overloaded' } });
    if (req.path === '/echo-key') return sendJson(res, 400, { error: { message: `bad request from key ${req.headers.authorization}` } });
    sendJson(res, 200, { ok: true, items: ['a'] });
  }).start();
});
afterAll(async () => {
  await server.close();
  await elsewhere.close();
});

const client = (options: Partial<HttpClientOptions> = {}) =>
  createHttpClient({ provider: 'Test', baseUrl: server.url, headers: { authorization: `Bearer ${KEY}` }, secrets: [KEY], timeoutMs: 2_000, retries: 0, backoffMs: 5, maxBackoffMs: 10, ...options });
const get = (path: string, options: Partial<HttpClientOptions> = {}) => client(options).json({ method: 'GET', path, signal: signal(), what: 'probe' }, shape(Answer));

describe('API10: answers are limited, checked and redacted', () => {
  it('accepts a well-formed answer (the baseline for the refusals below)', async () => {
    expect(await get('/fine')).toEqual({ ok: true, items: ['a'] });
  });

  it('refuses an answer whose declared size is over the limit, without reading it', async () => {
    await expect(get('/big-declared', { maxResponseBytes: 1024 * 1024 })).rejects.toThrow(/Test: probe answer is too large \(10485760 bytes\)/);
  });

  it('stops reading a streamed answer as soon as it passes the limit', async () => {
    const started = Date.now();
    await expect(get('/big-streamed', { maxResponseBytes: 256 * 1024 })).rejects.toThrow(/larger than 262144 bytes/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives up on a server that does not answer, after the timeout', async () => {
    server.script('GET', '/hang', { hang: true });
    const started = Date.now();
    await expect(get('/hang', { timeoutMs: 300 })).rejects.toThrow(/probe timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('retries a failing server a bounded number of times, then fails (retryable)', async () => {
    const before = server.calls('GET', '/always-503').length;
    const error = await get('/always-503', { retries: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/failed: HTTP 503 .*after 3 attempts: overloaded/);
    expect(server.calls('GET', '/always-503').length - before).toBe(3);
  });

  it('does not wait out a Retry-After longer than it allows', async () => {
    server.script('GET', '/slow-down', { status: 429, json: { error: { message: 'later' } }, headers: { 'retry-after': '3600' } });
    const started = Date.now();
    await expect(get('/slow-down', { retries: 3 })).rejects.toThrow(/asked to retry after 3600 s/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses redirects: the request is not replayed elsewhere', async () => {
    const before = elsewhere.requests.length;
    await expect(get('/redirect')).rejects.toThrow(ProviderError);
    expect(elsewhere.requests.length).toBe(before);
  });

  it.each([
    ['/wrong-shape', /unexpected shape/],
    ['/too-many', /unexpected shape/],
    ['/not-json', /is not JSON: <html>gateway<\/html>/],
  ])('refuses %s before using it', async (path, message) => {
    await expect(get(path)).rejects.toThrow(message);
  });

  it('never repeats the API key, even when the server echoes it', async () => {
    const error = (await get('/echo-key').catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/refused: HTTP 400/);
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain('0123456789abcdef');
  });

  it('image answers must be real PNG, JPEG or WebP bytes', async () => {
    const fake = await startFakeOpenAi({ apiKey: KEY });
    try {
      fake.script('POST', '/v1/images/generations', { json: { created: 1, data: [{ b64_json: Buffer.from('<svg onload="alert(1)"/>').toString('base64') }] } });
      const provider = createOpenAiImageProvider({ baseUrl: fake.baseUrl, apiKey: KEY, textModel: '', imageModel: 'gpt-image-1', http: { timeoutMs: 2_000, retries: 0 } });
      await expect(provider.generate({ prompt: 'x', n: 1, width: 1024, height: 1024, seed: 1 }, { signal: signal() })).rejects.toThrow(/not a PNG, JPEG or WebP image/);
    } finally {
      await fake.close();
    }
  });
});

describe('API10: a misbehaving provider fails the job, not the server', () => {
  let fake: Awaited<ReturnType<typeof startFakeOpenAi>>;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAi({ apiKey: KEY });
    t = await buildTestApp({
      env: { IMAGE_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: KEY },
      container: { providerTuning: { http: { timeoutMs: 1_000, retries: 0, backoffMs: 5, maxBackoffMs: 10 } } },
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it.each([
    ['a wrong shape', { json: { created: 1, data: 'nope' } }, /unexpected shape/],
    ['an error that echoes the key', { status: 400, json: { error: { message: `invalid for ${KEY}` } } }, /refused: HTTP 400/],
    ['no answer in time', { hang: true }, /timed out/],
  ])('%s: the job fails with a clear reason and no secret; the API keeps answering', async (_name, answer, reason) => {
    const user = await createUser(t.app);
    const project = (await as(t.app, user).post('/api/v1/projects', { title: 'P' })).json().data.id;
    fake.script('POST', '/v1/images/generations', answer);
    const res = await as(t.app, user).post('/api/v1/generate/image', { project_id: project, prompt: 'A harbour' });
    expect(res.statusCode, res.body).toBe(202);
    const job = await finished(t.app, user, String(res.headers.location));
    expect(job.status).toBe('failed');
    expect(String(job.error)).toMatch(reason);
    expect(JSON.stringify(job)).not.toContain(KEY);
    expect((await as(t.app, user).get('/api/v1/auth/me')).statusCode).toBe(200);
  });
});
