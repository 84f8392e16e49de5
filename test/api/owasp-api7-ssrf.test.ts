/**
 * OWASP API7:2023 Server Side Request Forgery. The server never fetches a URL a user gave: no
 * request input is a URL, uploads are bytes, and the only outbound HTTP client is the AI one,
 * whose base URLs come from configuration alone. An answer from a configured provider can name
 * an image URL; the worker follows it only on that provider's own origin or over HTTPS, so a
 * provider answer cannot point it at plain-HTTP services inside the network.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiImageProvider } from '../../src/adapters/ai/openai.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { FakeServer, fakePng, sendJson } from '../fakes/fake-server.js';
import { openApiOperations, walkSchema, type Json } from './owasp.fixtures.js';

const URLISH = /url|uri|href|link|callback|webhook|endpoint|host|base|redirect|fetch/i;

describe('API7: no user input is a URL', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await buildTestApp();
    user = await createUser(t.app);
  });
  afterAll(() => t.close());

  it('no request body, query or path parameter is named or formatted like a URL', async () => {
    const { doc, operations } = await openApiOperations(t.app);
    const found: string[] = [];
    for (const { method, path: route, operation } of operations) {
      const inputs: [string, Json][] = Object.entries<Json>(operation.requestBody?.content ?? {}).map(([type, content]) => [type, content.schema]);
      for (const parameter of operation.parameters ?? []) inputs.push([`${parameter.in} ${parameter.name}`, { ...parameter.schema, title: parameter.name }]);
      for (const [where, schema] of inputs) {
        for (const { at, schema: node } of walkSchema(doc, schema)) {
          const name = at.split('.').pop() || String(node.title ?? '');
          if (URLISH.test(name) || ['uri', 'url', 'iri', 'uri-reference', 'hostname'].includes(String(node.format))) found.push(`${method} ${route} ${where} ${at}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it.each([
    ['/api/v1/generate/image', { project_id: '0'.repeat(24), prompt: 'x', image_url: 'http://169.254.169.254/latest/meta-data/' }],
    ['/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: '0'.repeat(24) }, params: { base_url: 'http://127.0.0.1:6379/' } }],
    ['/api/v1/projects', { title: 'x', webhook: 'http://10.0.0.1/hook' }],
  ])('a URL smuggled into %s is refused (422), not fetched', async (url, body) => {
    const res = await as(t.app, user).post(url, body);
    expect(res.statusCode, res.body).toBe(422);
  });

  it('only the AI HTTP client (src/adapters/ai/http.ts) and the ComfyUI socket make outbound connections', async () => {
    const root = path.resolve('src');
    const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts'));
    const outbound: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(root, file), 'utf8');
      const patterns = [/\bfetch\(/, /\bhttps?\.(request|get)\(/, /from 'node:https?'/, /\bundici\b/, /\baxios\b/, /\bnew WebSocket\(/, /\bnet\.connect\(/];
      for (const pattern of patterns) if (pattern.test(text.replace(/import type [^;]+;/g, ''))) outbound.push(`${file.split(path.sep).join('/')} ${pattern}`);
    }
    expect(outbound.sort()).toEqual([
      'adapters/ai/comfyui-watch.ts /\\bnew WebSocket\\(/',
      'adapters/ai/http.ts /\\bfetch\\(/',
    ]);
    // The socket goes to the configured ComfyUI server only.
    expect(await readFile(path.join(root, 'adapters/ai/comfyui.ts'), 'utf8')).toMatch(/connectSocket\(`\$\{wsBase\}\/ws\?/);
    // And redirects are refused, so a provider cannot bounce a request elsewhere.
    expect(await readFile(path.join(root, 'adapters/ai/http.ts'), 'utf8')).toMatch(/redirect: 'error'/);
  });
});

describe('API7: image URLs in a provider answer', () => {
  let provider: FakeServer;
  let internal: FakeServer;
  let nextUrl = '';
  const signal = () => new AbortController().signal;
  const request = { prompt: 'A harbour', n: 1, width: 1024, height: 1024, seed: 1 } as const;

  beforeAll(async () => {
    internal = await new FakeServer((_req, res) => void res.end('metadata: secret')).start();
    provider = await new FakeServer(async (req, res) => {
      if (req.method === 'POST' && req.path === '/v1/images/generations') return sendJson(res, 200, { created: 1, data: [{ url: nextUrl }] });
      if (req.method === 'GET' && req.path === '/files/out.png') {
        const png = await fakePng(8, 8);
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
        return void res.end(png);
      }
      sendJson(res, 404, { error: { message: 'no' } });
    }).start();
  });
  afterAll(async () => {
    await provider.close();
    await internal.close();
  });

  const generate = () =>
    createOpenAiImageProvider({ baseUrl: `${provider.url}/v1`, apiKey: 'sk-test-key-123456', textModel: '', imageModel: 'dall-e-2', http: { timeoutMs: 2_000, retries: 0 } }).generate(request, { signal: signal() });

  it('follows a URL on the configured server\'s own origin', async () => {
    nextUrl = `${provider.url}/files/out.png`;
    const [image] = await generate();
    expect(image!.mime_type).toBe('image/png');
  });

  it.each([
    ['plain HTTP on another host', () => `${internal.url}/latest/meta-data/`, /plain-HTTP image URL on another host/],
    ['credentials in the URL', () => `${provider.url.replace('http://', 'http://user:pass@')}/files/out.png`, /credentials/],
    ['a non-HTTP scheme', () => 'file:///etc/passwd', /non-HTTP/],
    ['gopher', () => `gopher://${new URL(internal.url).host}/_INFO`, /non-HTTP/],
  ])('refuses %s, without connecting to it', async (_name, url, message) => {
    nextUrl = url();
    const before = internal.requests.length;
    await expect(generate()).rejects.toThrow(message);
    expect(internal.requests.length).toBe(before);
  });
});
