import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { as, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { seedStory, type Story } from './generation.fixtures.js';
import { contentEvents, draftFrom, draftsApp, getDraft, plantDraft, taskDraft, type Json } from './drafts.fixtures.js';

let t: TestApp;
let events: AppEvent[];
let alice: TestUser;
let bob: TestUser;
let s: Story;
let second: Story;
let bobStory: Story;

beforeAll(async () => {
  ({ t, events } = await draftsApp());
  alice = await createUser(t.app);
  bob = await createUser(t.app);
  s = await seedStory(t.app, alice);
  second = await seedStory(t.app, alice);
  bobStory = await seedStory(t.app, bob);
});
afterAll(async () => t.close());

const api = (user = alice) => as(t.app, user);
const page = async (url: string, user = alice) => {
  const res = await api(user).get(url);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as { items: Json[]; total: number; skip: number; limit: number; has_more: boolean };
};
const plant = (story: Story, owner: TestUser, target: { type: string; id: string }, extra: { kind?: 'text' | 'image'; status?: string } = {}) =>
  plantDraft(t.container.store, { owner_id: owner.id, project_id: story.projectId, target, variants: [{ content: 'text' }], ...extra });

describe('listing drafts', () => {
  let ids: Record<string, string>;

  beforeAll(async () => {
    // Planted one by one (ids and created_at grow), in this order.
    ids = {};
    ids.scene = (await plant(s, alice, { type: 'scene', id: s.sceneId })).id;
    ids.panel = (await plant(s, alice, { type: 'panel', id: s.panelIds[0]! }, { kind: 'image' })).id;
    ids.rejected = (await plant(s, alice, { type: 'scene', id: s.sceneId }, { status: 'rejected' })).id;
    ids.second = (await plant(second, alice, { type: 'chapter', id: second.chapterId })).id;
    ids.bob = (await plant(bobStory, bob, { type: 'scene', id: bobStory.sceneId })).id;
  });

  it('lists only your own drafts, newest first, with the API fields', async () => {
    const data = await page('/api/v1/drafts?limit=100');
    expect(data.items.map((draft) => draft.id)).toEqual([ids.second, ids.rejected, ids.panel, ids.scene]);
    expect(data.total).toBe(4);
    expect(Object.keys(data.items[0]!).sort()).toEqual(
      ['applied', 'created_at', 'feedback', 'id', 'kind', 'owner_id', 'project_id', 'rejection_reason', 'revised_by', 'revision_job_id', 'revision_of', 'selected_variant_id', 'source', 'status', 'target', 'updated_at', 'variants', 'version'].sort(),
    );
    expect((await page('/api/v1/drafts', bob)).items.map((draft) => draft.id)).toEqual([ids.bob]);
  });

  it('filters by project, status, kind, target type and target id, and combines them', async () => {
    const idsOf = async (query: string) => (await page(`/api/v1/drafts?${query}`)).items.map((draft) => draft.id);
    expect(await idsOf(`project_id=${second.projectId}`)).toEqual([ids.second]);
    expect(await idsOf('status=rejected')).toEqual([ids.rejected]);
    expect(await idsOf('kind=image')).toEqual([ids.panel]);
    expect(await idsOf('target_type=scene')).toEqual([ids.rejected, ids.scene]);
    expect(await idsOf(`target_id=${s.sceneId}&status=pending`)).toEqual([ids.scene]);
    expect(await idsOf(`project_id=${bobStory.projectId}`)).toEqual([]);
  });

  it('pages with skip/limit/has_more and sorts oldest first on request', async () => {
    const first = await page('/api/v1/drafts?limit=3');
    expect(first).toMatchObject({ total: 4, skip: 0, limit: 3, has_more: true });
    const rest = await page('/api/v1/drafts?limit=3&skip=3');
    expect(rest).toMatchObject({ total: 4, has_more: false });
    expect([...first.items, ...rest.items].map((draft) => draft.id)).toEqual([ids.second, ids.rejected, ids.panel, ids.scene]);
    expect((await page('/api/v1/drafts?sort=created_at&limit=1')).items[0]!.id).toBe(ids.scene);
  });

  it('GET /drafts/pending lists the pending ones only (same filters)', async () => {
    expect((await page('/api/v1/drafts/pending')).items.map((draft) => draft.id)).toEqual([ids.second, ids.panel, ids.scene]);
    expect((await page(`/api/v1/drafts/pending?project_id=${s.projectId}&kind=text`)).items.map((draft) => draft.id)).toEqual([ids.scene]);
    expect((await api().get('/api/v1/drafts/pending?status=rejected')).statusCode).toBe(422);
  });

  it('422 on bad query parameters', async () => {
    for (const query of ['status=done', 'kind=video', 'project_id=nope', 'sort=title', 'limit=0', 'limit=101', 'colour=red', 'target_type=Panel!']) {
      expect((await api().get(`/api/v1/drafts?${query}`)).statusCode, query).toBe(422);
    }
  });

  it("GET /drafts/{id}: your draft; another user's is a 404, a bad id a 422", async () => {
    expect((await getDraft(t.app, alice, ids.scene!)).target).toEqual({ type: 'scene', id: s.sceneId });
    expect((await api().get(`/api/v1/drafts/${ids.bob}`)).statusCode).toBe(404);
    expect((await api().get('/api/v1/drafts/0123456789abcdef01234567')).statusCode).toBe(404);
    expect((await api().get('/api/v1/drafts/xyz')).statusCode).toBe(422);
  });
});

describe('rejecting', () => {
  it('marks the draft rejected with the reason, changes nothing else, and 409s a second time', async () => {
    const draft = await taskDraft(t.app, alice, 'scene_summary', { type: 'scene', id: s.sceneId });
    const scene = (await api().get(`/api/v1/scenes/${s.sceneId}`)).json().data;
    const seen = events.length;
    const res = await api().post(`/api/v1/drafts/${draft.id}/reject`, { reason: 'Off tone' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ status: 'rejected', rejection_reason: 'Off tone', selected_variant_id: null, applied: null, version: draft.version + 1 });
    expect((await api().get(`/api/v1/scenes/${s.sceneId}`)).json().data.version).toBe(scene.version);
    expect(contentEvents(events.slice(seen), 'draft', draft.id)).toHaveLength(1);
    expect(contentEvents(events.slice(seen), 'scene')).toEqual([]);
    expect((await api().post(`/api/v1/drafts/${draft.id}/reject`)).statusCode).toBe(409);
    expect((await api().post(`/api/v1/drafts/${draft.id}/select`, { variant_id: draft.variants[0].id })).statusCode).toBe(409);
  });

  it('takes no body at all, and 422s unknown fields', async () => {
    const draft = await plant(s, alice, { type: 'scene', id: s.sceneId });
    expect((await api().post(`/api/v1/drafts/${draft.id}/reject`, { reason: 'x', why: 'y' })).statusCode).toBe(422);
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/drafts/${draft.id}/reject`, headers: alice.auth });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({ status: 'rejected', rejection_reason: null });
  });
});

describe('feedback', () => {
  it('201 with the entry (id, created_at), appended in order; allowed on any status', async () => {
    const draft = await taskDraft(t.app, alice, 'panel_description', { type: 'panel', id: s.panelIds[1]! });
    const first = await api().post(`/api/v1/drafts/${draft.id}/feedback`, { rating: 5, comment: 'Lovely', variant_id: draft.variants[1].id });
    expect(first.statusCode).toBe(201);
    expect(first.headers.location).toBe(`/api/v1/drafts/${draft.id}`);
    const entry = first.json().data;
    expect(entry).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), rating: 5, comment: 'Lovely', variant_id: draft.variants[1].id, created_at: expect.any(String) });
    await api().post(`/api/v1/drafts/${draft.id}/reject`, {});
    expect((await api().post(`/api/v1/drafts/${draft.id}/feedback`, { rating: 1 })).statusCode).toBe(201);
    const feedback = (await getDraft(t.app, alice, draft.id)).feedback as Json[];
    expect(feedback).toEqual([entry, expect.objectContaining({ rating: 1, comment: null, variant_id: null })]);
  });

  it('422 for a rating outside 1..5, an unknown variant or extra fields', async () => {
    const draft = await plant(s, alice, { type: 'scene', id: s.sceneId });
    for (const body of [{ rating: 0 }, { rating: 6 }, { rating: 2.5 }, {}, { rating: 3, variant_id: '0123456789abcdef01234567' }, { rating: 3, mood: 'sad' }, { rating: 3, comment: '' }]) {
      expect((await api().post(`/api/v1/drafts/${draft.id}/feedback`, body)).statusCode, JSON.stringify(body)).toBe(422);
    }
    expect((await getDraft(t.app, alice, draft.id)).feedback).toEqual([]);
  });
});

describe('project stats', () => {
  it('count pending drafts, and follow a select and a reject', async () => {
    const stats = async () => (await api().get(`/api/v1/projects/${second.projectId}/stats`)).json().data.pending_drafts as number;
    const start = await stats();
    const a = await taskDraft(t.app, alice, 'chapter_outline', { type: 'chapter', id: second.chapterId });
    const b = await taskDraft(t.app, alice, 'scene_summary', { type: 'scene', id: second.sceneId });
    expect(await stats()).toBe(start + 2);
    await api().post(`/api/v1/drafts/${a.id}/select`, { variant_id: a.variants[0].id });
    expect(await stats()).toBe(start + 1);
    await api().post(`/api/v1/drafts/${b.id}/reject`, {});
    expect(await stats()).toBe(start);
  });
});

describe('deleting drafts and their images', () => {
  const imageGone = async (imageId: string) => (await api().get(`/api/v1/images/${imageId}/metadata`)).statusCode === 404;
  const fileExists = async (sha256: string) => (await t.container.blobs.read(sha256)) !== null;
  const imageDoc = async (imageId: string) => (await t.container.store.get<Json & { id: string; created_at: string; updated_at: string; version: number }>('images', imageId))!;

  it('a rejected image draft keeps its images until it is deleted; then unused ones and their files go', async () => {
    const draft = await draftFrom(t.app, alice, `/api/v1/panels/${s.panelIds[2]}/generate-image`, { n: 2, seed: 4242 });
    const [kept, dropped] = draft.variants as Json[];
    // One variant's image is used elsewhere (the chapter cover), so it must survive the delete.
    expect((await api().put(`/api/v1/chapters/${s.chapterId}`, { cover_image_id: kept!.image_id })).statusCode).toBe(200);
    expect((await api().post(`/api/v1/drafts/${draft.id}/reject`, {})).statusCode).toBe(200);
    const droppedSha = (await imageDoc(dropped!.image_id)).sha256 as string;
    expect(await imageGone(dropped!.image_id)).toBe(false);
    expect(await fileExists(droppedSha)).toBe(true);

    const res = await api().delete(`/api/v1/drafts/${draft.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ id: draft.id, deleted: true });
    expect((await api().get(`/api/v1/drafts/${draft.id}`)).statusCode).toBe(404);
    expect(await imageGone(dropped!.image_id)).toBe(true);
    expect(await fileExists(droppedSha)).toBe(false);
    expect(await imageGone(kept!.image_id)).toBe(false);
    expect((await api().get(`/api/v1/chapters/${s.chapterId}`)).json().data.cover_image_id).toBe(kept!.image_id);
  });

  it("a selected draft's chosen image stays when the draft is deleted", async () => {
    const draft = await draftFrom(t.app, alice, '/api/v1/generate/character-design', { character_id: s.characterId, n: 2 });
    await api().post(`/api/v1/drafts/${draft.id}/select`, { variant_id: draft.variants[0].id });
    expect((await api().delete(`/api/v1/drafts/${draft.id}`)).statusCode).toBe(200);
    expect(await imageGone(draft.variants[0].image_id)).toBe(false);
    expect(await imageGone(draft.variants[1].image_id)).toBe(true);
    expect((await api().get(`/api/v1/characters/${s.characterId}`)).json().data.design_image_ids).toContain(draft.variants[0].image_id);
  });

  it("deleting the project removes its drafts and frees the files of their variants' images", async () => {
    const project = await seedStory(t.app, alice);
    const draft = await draftFrom(t.app, alice, `/api/v1/panels/${project.panelIds[0]}/generate-image`, { seed: 777 });
    const sha = (await imageDoc(draft.variants[0].image_id)).sha256 as string;
    expect(await fileExists(sha)).toBe(true);
    expect((await api().delete(`/api/v1/projects/${project.projectId}`)).statusCode).toBe(200);
    expect((await api().get(`/api/v1/drafts/${draft.id}`)).statusCode).toBe(404);
    expect(await fileExists(sha)).toBe(false);
  });
});

describe('OpenAPI', () => {
  it('documents every draft route with the draft_id path parameter and its success response', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const expected: [string, string, string][] = [
      ['/api/v1/drafts', 'get', '200'],
      ['/api/v1/drafts/pending', 'get', '200'],
      ['/api/v1/drafts/bulk-action', 'post', '200'],
      ['/api/v1/drafts/{draft_id}', 'get', '200'],
      ['/api/v1/drafts/{draft_id}', 'delete', '200'],
      ['/api/v1/drafts/{draft_id}/select', 'post', '200'],
      ['/api/v1/drafts/{draft_id}/reject', 'post', '200'],
      ['/api/v1/drafts/{draft_id}/revise', 'post', '202'],
      ['/api/v1/drafts/{draft_id}/feedback', 'post', '201'],
    ];
    for (const [path, method, status] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation.tags).toEqual(['drafts']);
      expect(operation.responses[status], `${method} ${path} ${status}`).toBeDefined();
      if (path.includes('{draft_id}')) expect(operation.parameters.map((p: Json) => p.name)).toContain('draft_id');
    }
  });
});
