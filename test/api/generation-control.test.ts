import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { controllableImageProvider, finished, reaches, seedStory, upload, type Story } from './generation.fixtures.js';

const statusUrl = (id: string) => `/api/v1/generate/status/${id}`;
const cancelUrl = (id: string) => `/api/v1/generate/cancel/${id}`;

describe('cancel, isolation and fairness (one job at a time, a steerable provider)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let s: Story;
  const steer = controllableImageProvider();

  beforeAll(async () => {
    t = await buildTestApp({ env: { JOB_CONCURRENCY: '1', RATE_LIMIT_GENERATION: '1000/minute', RATE_LIMIT_DEFAULT: '100000/hour' }, container: { imageProvider: steer.provider } });
    alice = await createUser(t.app);
    bob = await createUser(t.app);
    s = await seedStory(t.app, alice);
  });
  afterAll(async () => t.close());

  const generate = async (user: TestUser, prompt: string, projectId = s.projectId) => {
    const res = await as(t.app, user).post('/api/v1/generate/image', { project_id: projectId, prompt });
    expect(res.statusCode, res.body).toBe(202);
    return res.json().data as { id: string };
  };

  it('cancels a running job: the provider call is aborted, the job ends canceled with nothing produced', async () => {
    steer.hold();
    const aborts = steer.aborts();
    const images = () => t.container.store.count('images', { project_id: s.projectId, source: 'generated' });
    const imagesBefore = await images();
    const job = await generate(alice, 'held');
    await reaches(t.app, alice, statusUrl(job.id), 'running');
    const canceled = await as(t.app, alice).post(cancelUrl(job.id));
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json().data).toMatchObject({ id: job.id, status: 'canceled', result: null, error: null });
    expect(canceled.json().data.finished_at).not.toBeNull();
    expect(steer.aborts()).toBe(aborts + 1);
    expect(await images()).toBe(imagesBefore);

    const again = await as(t.app, alice).post(cancelUrl(job.id));
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');
  });

  it('cancels a queued job, which then never runs', async () => {
    steer.hold();
    const blocker = await generate(alice, 'blocker');
    await reaches(t.app, alice, statusUrl(blocker.id), 'running');
    const queued = await generate(alice, 'never drawn');
    const canceled = await as(t.app, alice).post(cancelUrl(queued.id));
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json().data).toMatchObject({ status: 'canceled', started_at: null });
    await as(t.app, alice).post(cancelUrl(blocker.id));
    // Let the worker take what is next: the canceled job must not be it.
    const after = await generate(alice, 'after');
    await finished(t.app, alice, statusUrl(after.id));
    expect(steer.calls.some((call) => call.prompt.includes('never drawn'))).toBe(false);
    expect((await as(t.app, alice).get(statusUrl(queued.id))).json().data.status).toBe('canceled');
  });

  it('discards what a canceled panel sequence already produced', async () => {
    const callsBefore = steer.calls.length;
    const generated = () => t.container.store.count('images', { project_id: s.projectId, source: 'generated' });
    const imagesBefore = await generated();
    // The first panel renders at once, the second is held until the cancel.
    steer.script('ok', 'hold');
    const res = await as(t.app, alice).post('/api/v1/generate/panel-sequence', { scene_id: s.sceneId });
    const job = res.json().data;
    const deadline = Date.now() + 10_000;
    while (steer.calls.length < callsBefore + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Progress is written at most every 500 ms: the first panel's third shows up shortly.
    let running = (await as(t.app, alice).get(statusUrl(job.id))).json().data;
    while (running.progress === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      running = (await as(t.app, alice).get(statusUrl(job.id))).json().data;
    }
    expect(running.status).toBe('running');
    expect(running.progress).toBeCloseTo(1 / 3);
    expect(await t.container.store.count('drafts', { target_id: s.panelIds[0]! })).toBe(1);
    expect(await generated()).toBe(imagesBefore + 1);

    expect((await as(t.app, alice).post(cancelUrl(job.id))).statusCode).toBe(200);
    expect(await t.container.store.count('drafts', { target_id: s.panelIds[0]! })).toBe(0);
    expect(await generated()).toBe(imagesBefore);
  });

  it('answers 409 for cancelling a finished job', async () => {
    const job = await generate(alice, 'quick');
    expect((await finished(t.app, alice, statusUrl(job.id))).status).toBe('succeeded');
    const res = await as(t.app, alice).post(cancelUrl(job.id));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ success: false, code: 'conflict' });
  });

  it("keeps every user's jobs, targets and images to themselves (404)", async () => {
    const job = await generate(alice, 'private');
    await finished(t.app, alice, statusUrl(job.id));
    const image = await upload(t.app, alice, s.projectId);
    const bobApi = as(t.app, bob);
    expect((await bobApi.get(statusUrl(job.id))).statusCode).toBe(404);
    expect((await bobApi.post(cancelUrl(job.id))).statusCode).toBe(404);
    expect((await bobApi.get('/api/v1/generate/history')).json().data.total).toBe(0);
    expect((await bobApi.get(`/api/v1/generate/history?project_id=${s.projectId}`)).json().data.total).toBe(0);
    const attempts: [string, unknown][] = [
      ['/api/v1/generate/image', { project_id: s.projectId, prompt: 'x' }],
      ['/api/v1/generate/panel-sequence', { scene_id: s.sceneId }],
      ['/api/v1/generate/character-design', { character_id: s.characterId }],
      ['/api/v1/generate/background', { location_id: s.locationId }],
      ['/api/v1/generate/background', { project_id: s.projectId, prompt: 'x' }],
      [`/api/v1/chapters/${s.chapterId}/generate-cover`, {}],
      [`/api/v1/characters/${s.characterId}/generate-sheet`, {}],
      [`/api/v1/panels/${s.panelIds[0]}/generate-image`, {}],
      [`/api/v1/images/${image.id}/variations`, {}],
      [`/api/v1/images/${image.id}/style-transfer`, {}],
    ];
    for (const [url, body] of attempts) {
      const res = await bobApi.post(url, body);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    // Bob's own project with Alice's panel as target: still a 404, not a 422.
    const bobProject = (await bobApi.post('/api/v1/projects', { title: 'Bob' })).json().data;
    const crossTarget = await bobApi.post('/api/v1/generate/image', { project_id: bobProject.id, prompt: 'x', target: { type: 'panel', id: s.panelIds[0] } });
    expect(crossTarget.statusCode).toBe(404);
  });

  it("interleaves two users' jobs instead of running one user's backlog first", async () => {
    const carol = await createUser(t.app);
    const carolStory = await seedStory(t.app, carol);
    const bobStory = await seedStory(t.app, bob);
    steer.hold();
    const blocker = await generate(carol, 'blocker', carolStory.projectId);
    await reaches(t.app, carol, statusUrl(blocker.id), 'running');
    const from = steer.calls.length;
    const jobs = [];
    for (const label of ['alice-1', 'alice-2', 'alice-3']) jobs.push({ user: alice, job: await generate(alice, label) });
    for (const label of ['bob-1', 'bob-2']) jobs.push({ user: bob, job: await generate(bob, label, bobStory.projectId) });
    await as(t.app, carol).post(cancelUrl(blocker.id));
    for (const { user, job } of jobs) await finished(t.app, user, statusUrl(job.id));
    const order = steer.calls.slice(from).map((call) => /(alice|bob)-\d/.exec(call.prompt)?.[0]);
    expect(order).toEqual(['alice-1', 'bob-1', 'alice-2', 'bob-2', 'alice-3']);
  });
});

describe('an unreachable provider', () => {
  let t: TestApp;
  let user: TestUser;
  let s: Story;

  beforeAll(async () => {
    // A port that was just free: the OpenAI-compatible adapters get a connection refused.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    t = await buildTestApp({
      env: { IMAGE_PROVIDER: 'openai', TEXT_PROVIDER: 'openai', OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, OPENAI_API_KEY: 'sk-test-secret-key' },
      // Retries still happen (bounded), just without long backoffs.
      container: { providerTuning: { http: { retries: 1, backoffMs: 5, maxBackoffMs: 10, timeoutMs: 5_000 } } },
    });
    user = await createUser(t.app);
    s = await seedStory(t.app, user);
  });
  afterAll(async () => t.close());

  it('fails the job with a readable message (no key, no stack) and leaves the server healthy', async () => {
    const res = await as(t.app, user).post('/api/v1/generate/image', { project_id: s.projectId, prompt: 'a boat' });
    expect(res.statusCode).toBe(202);
    const job = await finished(t.app, user, statusUrl(res.json().data.id), 60_000);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/openai/i);
    expect(job.error).not.toMatch(/sk-test-secret-key|\n\s+at /);
    expect(job.result).toBeNull();

    const task = await as(t.app, user).post('/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: s.sceneId } });
    const failed = await finished(t.app, user, `/api/v1/tasks/${task.json().data.id}/status`, 60_000);
    expect(failed.status).toBe('failed');
    expect(failed.error).not.toMatch(/sk-test-secret-key|\n\s+at /);

    expect((await t.app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
    expect((await as(t.app, user).get(`/api/v1/projects/${s.projectId}`)).statusCode).toBe(200);
  }, 120_000);
});

describe('generation rate limit (RATE_LIMIT_GENERATION, default 10/minute)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ container: { imageProvider: controllableImageProvider().provider } });
  });
  afterAll(async () => t.close());

  it('answers the 11th generation request of a minute with 429; reads stay open; other users are not affected', async () => {
    const user = await createUser(t.app);
    const s = await seedStory(t.app, user);
    const api = as(t.app, user);
    const requests: [string, unknown][] = [
      ['/api/v1/generate/image', { project_id: s.projectId, prompt: 'x' }],
      [`/api/v1/panels/${s.panelIds[0]}/generate-image`, {}],
      ['/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: s.sceneId } }],
    ];
    let taskId = '';
    for (let i = 0; i < 10; i++) {
      const [url, body] = requests[i % requests.length]!;
      const res = await api.post(url, body);
      expect(res.statusCode, `${i + 1}: ${res.body}`).toBe(202);
      if (url.includes('tasks')) taskId = res.json().data.id;
    }
    const limited = await api.post('/api/v1/generate/image', { project_id: s.projectId, prompt: 'x' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await api.post(`/api/v1/chapters/${s.chapterId}/generate-cover`, {})).statusCode).toBe(429);

    expect((await api.get('/api/v1/generate/history')).statusCode).toBe(200);
    expect((await api.get(`/api/v1/generate/status/${(await api.get('/api/v1/generate/history')).json().data.items[0].id}`)).statusCode).toBe(200);
    expect((await api.get(`/api/v1/tasks/${taskId}/status`)).statusCode).toBe(200);
    expect((await api.get('/api/v1/tasks/types')).statusCode).toBe(200);

    const other = await createUser(t.app);
    const o = await seedStory(t.app, other);
    expect((await as(t.app, other).post('/api/v1/generate/image', { project_id: o.projectId, prompt: 'x' })).statusCode).toBe(202);
  });
});
