/**
 * OWASP API4:2023 Unrestricted Resource Consumption: every input is bounded (body size, upload
 * bytes and pixels, page size, string and list lengths, WebSocket frames) and one user cannot
 * pile up background work (MAX_ACTIVE_JOBS_PER_USER queued + running jobs; beyond it a 429).
 * Request rates: RATE_LIMIT_DEFAULT / RATE_LIMIT_GENERATION (test/api/rate-limit.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { WsClient } from '../helpers/ws.js';
import { controllableImageProvider, waitingTextProvider } from './generation.fixtures.js';
import { claimedHugePng, jpeg, upload } from './images.fixtures.js';
import { openApiOperations, walkSchema, type Json } from './owasp.fixtures.js';

describe('API4: request size limits', () => {
  let t: TestApp;
  let user: TestUser;
  let project: string;
  beforeAll(async () => {
    t = await buildTestApp({ env: { MAX_UPLOAD_BYTES: '4096', MAX_IMAGE_PIXELS: '250000' } });
    user = await createUser(t.app);
    project = (await as(t.app, user).post('/api/v1/projects', { title: 'Limits' })).json().data.id;
  });
  afterAll(() => t.close());

  it('a JSON body over 1 MiB is a 413 before it is parsed', async () => {
    const res = await as(t.app, user).post('/api/v1/projects', { title: 'x', description: 'y'.repeat(1_100_000) });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
  });

  it('an upload over MAX_UPLOAD_BYTES is a 413', async () => {
    const data = await jpeg(400, 300);
    expect(data.length).toBeGreaterThan(4096);
    const res = await upload(t.app, user, [['project_id', project]], { data });
    expect(res.statusCode, res.body).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
  });

  it('an image over MAX_IMAGE_PIXELS is a 422, judged from its header without decoding it', async () => {
    const bomb = claimedHugePng(20_000, 20_000, 1_000);
    expect(bomb.length).toBeLessThan(4096);
    const res = await upload(t.app, user, [['project_id', project]], { data: bomb });
    expect(res.statusCode, res.body).toBe(422);
    expect(JSON.stringify(res.json().details)).toMatch(/pixels/i);
  });

  it('a page is at most 100 items; skip and limit outside their range are a 422', async () => {
    expect((await as(t.app, user).get('/api/v1/projects?limit=100')).statusCode).toBe(200);
    for (const query of ['limit=101', 'limit=0', 'limit=1000000', 'skip=-1', 'skip=1e309', 'limit=abc']) {
      const res = await as(t.app, user).get(`/api/v1/projects?${query}`);
      expect(res.statusCode, query).toBe(422);
    }
  });

  it('every string and list a client can send is bounded in the schema', async () => {
    const { doc, operations } = await openApiOperations(t.app);
    const unbounded: string[] = [];
    for (const { method, path, operation } of operations) {
      const inputs: [string, Json][] = Object.entries<Json>(operation.requestBody?.content ?? {}).map(([type, content]) => [type, content.schema]);
      for (const parameter of operation.parameters ?? []) inputs.push([`${parameter.in} ${parameter.name}`, parameter.schema]);
      for (const [where, schema] of inputs) {
        for (const { at, schema: node } of walkSchema(doc, schema)) {
          const where_ = `${method} ${path} ${where} ${at}`;
          if (node.type === 'string' && node.maxLength === undefined && !node.enum && !node.pattern && !node.format) unbounded.push(where_);
          if (node.type === 'array' && node.maxItems === undefined) unbounded.push(where_);
        }
      }
    }
    // The socket token is checked against 4 KB in code (src/lib/jwt.ts), before any parsing.
    expect(unbounded.filter((entry) => !entry.startsWith('GET /api/v1/ws/{project_id} query token'))).toEqual([]);
  });

  it('answers over-long strings and lists with 422', async () => {
    for (const payload of [{ title: 't'.repeat(201) }, { title: 'ok', tags: Array.from({ length: 1000 }, (_, i) => `t${i}`) }]) {
      expect((await as(t.app, user).post('/api/v1/projects', payload)).statusCode).toBe(422);
    }
  });
});

describe('API4: WebSocket frames', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('a client frame over 64 KB closes the socket with 1009', async () => {
    const user = await createUser(t.app);
    const project = (await as(t.app, user).post('/api/v1/projects', { title: 'Frames' })).json().data.id;
    const address = t.app.server.address() as { port: number };
    const client = await WsClient.connect(`ws://127.0.0.1:${address.port}/api/v1/ws/${project}?token=${user.token}`);
    client.send('x'.repeat(65 * 1024));
    expect((await client.closed).code).toBe(1009);
  });
});

describe('API4: per-user cap on queued and running jobs', () => {
  let t: TestApp;
  let images: ReturnType<typeof controllableImageProvider>;
  let user: TestUser;
  let project: string;
  let scene: string;
  beforeAll(async () => {
    images = controllableImageProvider();
    t = await buildTestApp({
      env: { MAX_ACTIVE_JOBS_PER_USER: '3', JOB_CONCURRENCY: '1', RATE_LIMIT_GENERATION: '1000/minute' },
      container: { imageProvider: images.provider, textProvider: waitingTextProvider().provider, jobs: { stopGraceMs: 50 } },
    });
    user = await createUser(t.app);
    project = (await as(t.app, user).post('/api/v1/projects', { title: 'Busy' })).json().data.id;
    const chapter = (await as(t.app, user).post(`/api/v1/projects/${project}/chapters`, { title: 'C' })).json().data.id;
    scene = (await as(t.app, user).post(`/api/v1/chapters/${chapter}/scenes`, { title: 'S' })).json().data.id;
  });
  afterAll(() => t.close());

  const generate = (who: TestUser, projectId: string) => as(t.app, who).post('/api/v1/generate/image', { project_id: projectId, prompt: 'A long render' });

  it('accepts jobs up to the cap, counting every kind together, then answers 429 with a reason and Retry-After', async () => {
    images.hold(10);
    const accepted = [
      await generate(user, project),
      await as(t.app, user).post('/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: scene } }),
      await as(t.app, user).post(`/api/v1/scenes/${scene}/breakdown`, {}),
    ];
    expect(accepted.map((res) => res.statusCode)).toEqual([202, 202, 202]);
    for (const refused of [await generate(user, project), await as(t.app, user).post('/api/v1/workflow/auto-panel', { scene_id: scene })]) {
      expect(refused.statusCode, refused.body).toBe(429);
      expect(refused.json()).toMatchObject({ success: false, code: 'rate_limited', details: { active_jobs: 3, max_active_jobs: 3 } });
      expect(refused.json().error).toMatch(/3 jobs queued or running.*most allowed at once is 3/);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Nothing was stored for the refused requests.
    expect(await t.container.store.count('jobs', { owner_id: user.id })).toBe(3);

    // Another user has a cap of their own.
    const other = await createUser(t.app);
    const theirs = (await as(t.app, other).post('/api/v1/projects', { title: 'Theirs' })).json().data.id;
    expect((await generate(other, theirs)).statusCode).toBe(202);

    // Canceling one frees a place.
    const cancel = await as(t.app, user).post(`/api/v1/generate/cancel/${accepted[0]!.json().data.id}`);
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect((await generate(user, project)).statusCode).toBe(202);
  });

  it('holds under parallel requests: no burst slips past the cap', async () => {
    const busy = await createUser(t.app);
    const theirs = (await as(t.app, busy).post('/api/v1/projects', { title: 'Burst' })).json().data.id;
    images.hold(20);
    const results = await Promise.all(Array.from({ length: 10 }, () => generate(busy, theirs)));
    expect(results.filter((res) => res.statusCode === 202)).toHaveLength(3);
    expect(results.filter((res) => res.statusCode === 429)).toHaveLength(7);
  });
});
