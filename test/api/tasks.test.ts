import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftDoc } from '../../src/modules/drafts/drafts.store.js';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { finished, seedStory, type Story } from './generation.fixtures.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let s: Story;
const events: AppEvent[] = [];

beforeAll(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_GENERATION: '1000/minute', RATE_LIMIT_DEFAULT: '100000/hour' } });
  t.container.events.subscribe((event) => events.push(event));
  alice = await createUser(t.app);
  bob = await createUser(t.app);
  s = await seedStory(t.app, alice);
});
afterAll(async () => t.close());

const api = () => as(t.app, alice);

async function execute(body: unknown, user = alice) {
  const res = await as(t.app, user).post('/api/v1/tasks/execute', body);
  expect(res.statusCode, res.body).toBe(202);
  const job = res.json().data;
  expect(job).toMatchObject({ kind: 'task', status: 'queued', progress: 0, draft_id: null, result: null });
  expect(res.headers.location).toBe(`/api/v1/tasks/${job.id}/status`);
  return job as { id: string; type: string };
}

describe('GET /tasks/types', () => {
  it('lists the six task types with descriptions and accepted targets', async () => {
    const res = await api().get('/api/v1/tasks/types');
    expect(res.statusCode).toBe(200);
    const types = res.json().data as { type: string; description: string; targets: string[]; structured: boolean }[];
    expect(types.map((x) => x.type).sort()).toEqual(['chapter_outline', 'character_profile', 'dialogue', 'panel_description', 'scene_summary', 'visual_prompt']);
    for (const type of types) {
      expect(type.description.length).toBeGreaterThan(10);
      expect(type.targets.length).toBeGreaterThan(0);
    }
    expect(types.find((x) => x.type === 'scene_summary')).toMatchObject({ targets: ['scene'], structured: false });
    expect(types.find((x) => x.type === 'dialogue')).toMatchObject({ targets: ['panel'], structured: true });
  });
});

describe('POST /tasks/execute end to end (offline text provider)', () => {
  const cases = () =>
    [
      ['scene_summary', { type: 'scene', id: s.sceneId }],
      ['character_profile', { type: 'character', id: s.characterId }],
      ['panel_description', { type: 'panel', id: s.panelIds[0] }],
      ['dialogue', { type: 'panel', id: s.panelIds[2] }],
      ['chapter_outline', { type: 'chapter', id: s.chapterId }],
      ['visual_prompt', { type: 'panel', id: s.panelIds[1] }],
    ] as const;

  it('runs every task type and leaves a text draft with 2 variants for its target', async () => {
    for (const [type, target] of cases()) {
      const job = await execute({ type, target });
      const done = await finished(t.app, alice, `/api/v1/tasks/${job.id}/status`);
      expect(done, `${type}: ${JSON.stringify(done)}`).toMatchObject({ type, status: 'succeeded', progress: 1, error: null });
      expect(typeof done.prompt).toBe('string');
      expect(done.provider).toBe('template');

      const result = await api().get(`/api/v1/tasks/${job.id}/result`);
      expect(result.statusCode).toBe(200);
      const data = result.json().data;
      expect(data).toMatchObject({ task_id: job.id, type, status: 'succeeded', draft_id: done.draft_id });
      expect(data.result.variants).toHaveLength(2);

      const draft = (await t.container.store.get<DraftDoc>('drafts', done.draft_id as string))!;
      expect(draft).toMatchObject({ kind: 'text', target, target_id: target.id, source: { type: 'task', id: job.id }, status: 'pending', project_id: s.projectId, owner_id: alice.id });
      expect(draft.variants).toHaveLength(2);
      for (const variant of draft.variants) {
        expect(variant.id).toMatch(/^[0-9a-f]{24}$/);
        expect(variant.content === '' || variant.content === null || variant.content === undefined).toBe(false);
      }
      const complete = events.find((e) => e.type === 'task_complete' && e.data.task_id === job.id);
      expect(complete).toMatchObject({ project_id: s.projectId, owner_id: alice.id, data: { status: 'succeeded', draft_id: done.draft_id } });
      expect(events.some((e) => e.type === 'draft_ready' && e.data.draft_id === done.draft_id)).toBe(true);
    }
  });

  it('honours variants, seed and extra instructions, and merges the applicable instructions into the prompt', async () => {
    const job = await execute({ type: 'panel_description', target: { type: 'panel', id: s.panelIds[0] }, params: { variants: 3, seed: 9, instructions: 'Mention the fog horn' } });
    const done = await finished(t.app, alice, `/api/v1/tasks/${job.id}/status`);
    expect(done).toMatchObject({ status: 'succeeded', seed: 9, params: { variants: 3, seed: 9, instructions: 'Mention the fog horn' } });
    expect(done.prompt).toContain('Always show the rain');
    expect(done.prompt).toContain('Keep the lamp glow warm');
    expect(done.prompt).toContain('Mention the fog horn');
    expect((done.result as { variants: unknown[] }).variants).toHaveLength(3);
  });

  it('rejects bad input with 422', async () => {
    const bad = [
      { type: 'poem', target: { type: 'scene', id: s.sceneId } },
      { type: 'scene_summary', target: { type: 'panel', id: s.panelIds[0] } },
      { type: 'character_profile', target: { type: 'scene', id: s.sceneId } },
      { type: 'scene_summary', target: { type: 'scene', id: 'nope' } },
      { type: 'scene_summary', target: { type: 'location', id: s.locationId } },
      { type: 'scene_summary', target: { type: 'scene', id: s.sceneId }, params: { variants: 5 } },
      { type: 'scene_summary', target: { type: 'scene', id: s.sceneId }, params: { temperature: 2 } },
      { type: 'scene_summary', target: { type: 'scene', id: s.sceneId }, owner_id: bob.id },
      { type: 'scene_summary' },
    ];
    for (const body of bad) {
      const res = await api().post('/api/v1/tasks/execute', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().code).toBe('validation_failed');
    }
  });

  it("keeps tasks and targets to their owner (404), and a generation id is not a task", async () => {
    const job = await execute({ type: 'scene_summary', target: { type: 'scene', id: s.sceneId } });
    await finished(t.app, alice, `/api/v1/tasks/${job.id}/status`);
    const bobApi = as(t.app, bob);
    for (const url of [`/api/v1/tasks/${job.id}/status`, `/api/v1/tasks/${job.id}/result`]) expect((await bobApi.get(url)).statusCode).toBe(404);
    expect((await bobApi.post(`/api/v1/tasks/${job.id}/cancel`)).statusCode).toBe(404);
    const foreign = await bobApi.post('/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: s.sceneId } });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('not_found');

    const generation = (await api().post('/api/v1/generate/image', { project_id: s.projectId, prompt: 'x' })).json().data;
    expect((await api().get(`/api/v1/tasks/${generation.id}/status`)).statusCode).toBe(404);
    expect((await api().get('/api/v1/tasks/0123456789abcdef01234567/status')).statusCode).toBe(404);
    expect((await api().get('/api/v1/tasks/xyz/status')).statusCode).toBe(422);
  });

  it('answers 409 for cancelling a finished task', async () => {
    const job = await execute({ type: 'chapter_outline', target: { type: 'chapter', id: s.chapterId } });
    await finished(t.app, alice, `/api/v1/tasks/${job.id}/status`);
    const res = await api().post(`/api/v1/tasks/${job.id}/cancel`);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('conflict');
  });
});
