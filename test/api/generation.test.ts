import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftDoc } from '../../src/modules/drafts/drafts.store.js';
import type { Job } from '../../src/modules/generation/jobs.schemas.js';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { finished, seedStory, upload, type Story } from './generation.fixtures.js';

let t: TestApp;
let alice: TestUser;
let s: Story;
const events: AppEvent[] = [];

beforeAll(async () => {
  // The generation limit has its own suite; here it must not get in the way.
  t = await buildTestApp({ env: { RATE_LIMIT_GENERATION: '1000/minute' } });
  t.container.events.subscribe((event) => events.push(event));
  alice = await createUser(t.app);
  s = await seedStory(t.app, alice);
});
afterAll(async () => t.close());

const api = () => as(t.app, alice);

/** POST, expect 202 with a queued job, wait for the end; returns the finished job. */
async function run(url: string, body: unknown = {}) {
  const res = await api().post(url, body);
  expect(res.statusCode, res.body).toBe(202);
  const job = res.json().data;
  expect(job).toMatchObject({ kind: 'generation', status: 'queued', progress: 0, result: null, error: null, draft_id: null, started_at: null, finished_at: null });
  expect(job.id).toMatch(/^[0-9a-f]{24}$/);
  expect(res.headers.location).toBe(`/api/v1/generate/status/${job.id}`);
  const done = await finished(t.app, alice, `/api/v1/generate/status/${job.id}`);
  expect(done.error, JSON.stringify(done)).toBeNull();
  expect(done.status).toBe('succeeded');
  return done as unknown as Finished;
}

/** A succeeded job as these tests read it. */
type Finished = Omit<Job, 'result' | 'prompt' | 'draft_id' | 'started_at' | 'finished_at'> & {
  prompt: string;
  draft_id: string;
  started_at: string;
  finished_at: string;
  result: { image_ids: string[]; draft_id?: string; draft_ids: string[]; panels: { panel_id: string }[] };
};

async function draftOf(id: string) {
  return (await t.container.store.get<DraftDoc>('drafts', id))!;
}

async function imageOf(id: string) {
  const res = await api().get(`/api/v1/images/${id}/metadata`);
  expect(res.statusCode).toBe(200);
  return res.json().data;
}

describe('POST /generate/image', () => {
  it('makes n images without a target (no draft) and records the final prompt, provider, model and seed', async () => {
    const job = await run('/api/v1/generate/image', { project_id: s.projectId, prompt: 'a lighthouse in fog', n: 2, seed: 1234 });
    expect(job).toMatchObject({ type: 'image', progress: 1, seed: 1234, draft_id: null, params: { project_id: s.projectId, prompt: 'a lighthouse in fog', n: 2, seed: 1234 } });
    expect(typeof job.provider).toBe('string');
    expect(typeof job.model).toBe('string');
    // The prompt sent holds the request, the style guide and the project instruction.
    expect(job.prompt).toContain('a lighthouse in fog');
    expect(job.prompt).toContain('ink wash');
    expect(job.prompt).toContain('Always show the rain');
    expect(job.result.image_ids).toHaveLength(2);
    expect(job.result.draft_id).toBeUndefined();
    expect(Date.parse(job.started_at)).toBeLessThanOrEqual(Date.parse(job.finished_at));

    const image = await imageOf(job.result.image_ids[0]!);
    expect(image).toMatchObject({ source: 'generated', project_id: s.projectId, metadata: { job_id: job.id, prompt: job.prompt, seed: 1234, provider: job.provider } });
    const bytes = await t.app.inject({ method: 'GET', url: image.url });
    expect(bytes.statusCode).toBe(200);
    expect(bytes.headers['content-type']).toMatch(/^image\//);
  });

  it('with a target, also leaves a draft with one variant per image and sets draft_id', async () => {
    const job = await run('/api/v1/generate/image', { project_id: s.projectId, prompt: 'Mara at the window', n: 2, target: { type: 'panel', id: s.panelIds[0] } });
    expect(job.draft_id).toMatch(/^[0-9a-f]{24}$/);
    expect(job.result.draft_id).toBe(job.draft_id);
    const draft = await draftOf(job.draft_id);
    expect(draft).toMatchObject({
      owner_id: alice.id,
      project_id: s.projectId,
      target: { type: 'panel', id: s.panelIds[0] },
      target_type: 'panel',
      target_id: s.panelIds[0],
      kind: 'image',
      source: { type: 'generation', id: job.id },
      status: 'pending',
      selected_variant_id: null,
      feedback: [],
      revision_of: null,
    });
    expect(draft.variants.map((v) => v.image_id)).toEqual(job.result.image_ids);
    expect(draft.variants[0]!.id).toMatch(/^[0-9a-f]{24}$/);
    // The panel's own instruction applies to a panel target.
    expect(job.prompt).toContain('Keep the lamp glow warm');
    const ready = events.find((e) => e.type === 'draft_ready' && e.data.draft_id === job.draft_id);
    expect(ready).toMatchObject({ project_id: s.projectId, owner_id: alice.id, data: { target: { type: 'panel', id: s.panelIds[0] }, kind: 'image' } });
    const progress = events.filter((e) => e.type === 'generation_progress' && e.data.job_id === job.id).map((e) => e.data.status);
    expect(progress[0]).toBe('queued');
    expect(progress.at(-1)).toBe('succeeded');
  });

  it('is deterministic on the offline renderer: same prompt and seed, same bytes', async () => {
    const body = { project_id: s.projectId, prompt: 'twin ships', seed: 77 };
    const [a, b] = [await run('/api/v1/generate/image', body), await run('/api/v1/generate/image', body)];
    const [ia, ib] = [await imageOf(a.result.image_ids[0]!), await imageOf(b.result.image_ids[0]!)];
    expect(ia.sha256).toBe(ib.sha256);
  });

  it('rejects bad input with 422', async () => {
    const bad = [
      { project_id: s.projectId },
      { project_id: s.projectId, prompt: '' },
      { project_id: s.projectId, prompt: 'x', n: 5 },
      { project_id: s.projectId, prompt: 'x', n: 0 },
      { project_id: s.projectId, prompt: 'x', width: 100 },
      { project_id: s.projectId, prompt: 'x', seed: -1 },
      { project_id: 'nope', prompt: 'x' },
      { project_id: s.projectId, prompt: 'x', target: { type: 'draft', id: s.panelIds[0] } },
      { project_id: s.projectId, prompt: 'x', owner_id: alice.id },
    ];
    for (const body of bad) {
      const res = await api().post('/api/v1/generate/image', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().code).toBe('validation_failed');
    }
  });

  it('rejects a target of another project of the same user with 422', async () => {
    const other = await seedStory(t.app, alice);
    const res = await api().post('/api/v1/generate/image', { project_id: s.projectId, prompt: 'x', target: { type: 'panel', id: other.panelIds[0] } });
    expect(res.statusCode).toBe(422);
    expect(res.json().details).toEqual([{ field: 'target.id', message: expect.any(String) }]);
  });
});

describe('targeted generation endpoints', () => {
  it('POST /panels/{panel_id}/generate-image (no body) drafts images for the panel', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/panels/${s.panelIds[2]}/generate-image`, headers: alice.auth });
    expect(res.statusCode, res.body).toBe(202);
    const job = await finished(t.app, alice, `/api/v1/generate/status/${res.json().data.id}`);
    expect(job).toMatchObject({ type: 'panel_image', status: 'succeeded' });
    const draft = await draftOf(job.draft_id as string);
    expect(draft).toMatchObject({ target: { type: 'panel', id: s.panelIds[2] }, kind: 'image' });
    expect(draft.variants).toHaveLength(1);
    const image = await imageOf(draft.variants[0]!.image_id!);
    expect(image).toMatchObject({ source: 'generated', panel_id: s.panelIds[2] });
    expect(job.prompt).toContain('Mara');
  });

  it('POST /generate/panel-sequence: one job over every panel in order, one draft per panel', async () => {
    const job = await run('/api/v1/generate/panel-sequence', { scene_id: s.sceneId, seed: 10 });
    expect(job.type).toBe('panel_sequence');
    expect(job.result.draft_ids).toHaveLength(3);
    expect(job.result.image_ids).toHaveLength(3);
    expect(job.result.panels.map((p: { panel_id: string }) => p.panel_id)).toEqual(s.panelIds);
    for (const [index, draftId] of job.result.draft_ids.entries()) {
      expect(await draftOf(draftId)).toMatchObject({ target: { type: 'panel', id: s.panelIds[index] }, kind: 'image', source: { id: job.id } });
    }
    const progress = events.filter((e) => e.type === 'generation_progress' && e.data.job_id === job.id && e.data.status === 'running').map((e) => e.data.progress as number);
    for (const step of [1 / 3, 2 / 3]) expect(progress.some((p) => Math.abs(p - step) < 1e-9)).toBe(true);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('POST /generate/panel-sequence on a scene without panels is a 422', async () => {
    const scene = (await api().post(`/api/v1/chapters/${s.chapterId}/scenes`, { title: 'Empty' })).json().data;
    expect((await api().post('/api/v1/generate/panel-sequence', { scene_id: scene.id })).statusCode).toBe(422);
  });

  it('POST /generate/character-design and /characters/{character_id}/generate-sheet draft images for the character', async () => {
    const design = await run('/api/v1/generate/character-design', { character_id: s.characterId, n: 2 });
    expect(design.type).toBe('character_design');
    expect((await draftOf(design.draft_id)).variants).toHaveLength(2);
    expect(design.prompt).toContain('red coat');

    const sheet = await run(`/api/v1/characters/${s.characterId}/generate-sheet`, {});
    expect(sheet.type).toBe('character_sheet');
    expect(await draftOf(sheet.draft_id)).toMatchObject({ target: { type: 'character', id: s.characterId } });
    expect(sheet.prompt).toMatch(/sheet/i);
  });

  it('POST /generate/background for a location drafts for it; from a project prompt it makes images only', async () => {
    const forLocation = await run('/api/v1/generate/background', { location_id: s.locationId });
    expect(await draftOf(forLocation.draft_id)).toMatchObject({ target: { type: 'location', id: s.locationId } });
    expect(forLocation.prompt).toContain('rain-soaked docks');

    const free = await run('/api/v1/generate/background', { project_id: s.projectId, prompt: 'an empty market square' });
    expect(free.draft_id).toBeNull();
    expect(free.result.image_ids).toHaveLength(1);
    expect(free.prompt).toContain('an empty market square');

    expect((await api().post('/api/v1/generate/background', {})).statusCode).toBe(422);
    expect((await api().post('/api/v1/generate/background', { project_id: s.projectId })).statusCode).toBe(422);
  });

  it('POST /chapters/{chapter_id}/generate-cover drafts a cover for the chapter', async () => {
    const job = await run(`/api/v1/chapters/${s.chapterId}/generate-cover`, { seed: 5 });
    expect(job).toMatchObject({ type: 'chapter_cover', seed: 5 });
    expect(await draftOf(job.draft_id)).toMatchObject({ target: { type: 'chapter', id: s.chapterId }, kind: 'image' });
    expect(job.prompt).toContain('Arrival');
  });

  it('POST /images/{image_id}/variations and /style-transfer re-render an image (img2img)', async () => {
    const source = await upload(t.app, alice, s.projectId);
    const variations = await run(`/api/v1/images/${source.id}/variations`, { n: 2 });
    expect(variations.type).toBe('variations');
    expect(variations.result.image_ids).toHaveLength(2);
    expect(await draftOf(variations.draft_id)).toMatchObject({ target: { type: 'image', id: source.id } });
    expect((await imageOf(variations.result.image_ids[0]!)).metadata).toMatchObject({ source_image_id: source.id });

    const styled = await run(`/api/v1/images/${source.id}/style-transfer`, { style: 'watercolour', use_style_guide: false });
    expect(styled.type).toBe('style_transfer');
    expect(styled.prompt).toContain('watercolour');
    expect(styled.prompt).not.toContain('ink wash');
    const withGuide = await run(`/api/v1/images/${source.id}/style-transfer`, {});
    expect(withGuide.prompt).toContain('ink wash');
    expect((await api().post(`/api/v1/images/${source.id}/style-transfer`, { use_style_guide: false })).statusCode).toBe(422);
    expect((await api().post(`/api/v1/images/${source.id}/variations`, { n: 9 })).statusCode).toBe(422);
  });
});

describe('GET /generate/status and /generate/history', () => {
  it('lists own generations newest first, filtered by project, status and type, paginated', async () => {
    const other = await seedStory(t.app, alice);
    const a = await run('/api/v1/generate/image', { project_id: other.projectId, prompt: 'one' });
    const b = await run('/api/v1/generate/background', { project_id: other.projectId, prompt: 'two' });
    const page = (await api().get(`/api/v1/generate/history?project_id=${other.projectId}`)).json().data;
    expect(page).toMatchObject({ total: 2, skip: 0, limit: 20, has_more: false });
    expect(page.items.map((j: { id: string }) => j.id)).toEqual([b.id, a.id]);

    const typed = (await api().get(`/api/v1/generate/history?project_id=${other.projectId}&type=background&status=succeeded`)).json().data;
    expect(typed.items.map((j: { id: string }) => j.id)).toEqual([b.id]);
    const first = (await api().get(`/api/v1/generate/history?limit=1&sort=created_at`)).json().data;
    expect(first).toMatchObject({ limit: 1, has_more: true });

    for (const query of ['limit=0', 'limit=101', 'sort=prompt', 'status=done', 'project_id=xyz', 'skip=-1']) {
      expect((await api().get(`/api/v1/generate/history?${query}`)).statusCode, query).toBe(422);
    }
  });

  it('does not list or show text tasks as generations', async () => {
    const task = await api().post('/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: s.sceneId } });
    expect(task.statusCode).toBe(202);
    expect((await api().get(`/api/v1/generate/status/${task.json().data.id}`)).statusCode).toBe(404);
    const history = (await api().get('/api/v1/generate/history?limit=100')).json().data;
    expect(history.items.every((j: { kind: string }) => j.kind === 'generation')).toBe(true);
  });

  it('answers 404 for an unknown id and 422 for a malformed one', async () => {
    expect((await api().get('/api/v1/generate/status/0123456789abcdef01234567')).statusCode).toBe(404);
    expect((await api().get('/api/v1/generate/status/nope')).statusCode).toBe(422);
  });
});
