import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { as, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { seedStory, type Story } from './generation.fixtures.js';
import { contentEvents, draftFrom, draftsApp, getDraft } from './drafts.fixtures.js';

let t: TestApp;
let events: AppEvent[];
let alice: TestUser;
let bob: TestUser;
let s: Story;

beforeAll(async () => {
  ({ t, events } = await draftsApp());
  alice = await createUser(t.app);
  bob = await createUser(t.app);
  s = await seedStory(t.app, alice);
});
afterAll(async () => t.close());

const api = () => as(t.app, alice);
const select = (draftId: string, variantId: string, user = alice) => as(t.app, user).post(`/api/v1/drafts/${draftId}/select`, { variant_id: variantId });
const read = async (url: string) => (await api().get(url)).json().data;

describe('selecting image drafts made by real jobs', () => {
  it('a panel image: the chosen variant becomes panel.image_id, with the edit events and `applied` recorded', async () => {
    const draft = await draftFrom(t.app, alice, `/api/v1/panels/${s.panelIds[0]!}/generate-image`, { n: 2 });
    expect(draft).toMatchObject({ kind: 'image', status: 'pending', target: { type: 'panel', id: s.panelIds[0]! }, source: { type: 'generation' }, selected_variant_id: null, applied: null });
    expect(draft.variants).toHaveLength(2);
    const before = await read(`/api/v1/panels/${s.panelIds[0]!}`);
    const chosen = draft.variants[1];
    const seen = events.length;

    const res = await select(draft.id, chosen.id);
    expect(res.statusCode, res.body).toBe(200);
    const panel = await read(`/api/v1/panels/${s.panelIds[0]!}`);
    expect(panel.image_id).toBe(chosen.image_id);
    expect(panel.version).toBe(before.version + 1);
    expect(res.json().data).toMatchObject({ status: 'selected', selected_variant_id: chosen.id, applied: { type: 'panel', id: s.panelIds[0]!, version: panel.version } });

    const fresh = events.slice(seen);
    expect(contentEvents(fresh, 'panel', s.panelIds[0]!)).toEqual([{ resource: 'panel', id: s.panelIds[0]!, action: 'updated', version: panel.version, parent: { type: 'scene', id: s.sceneId } }]);
    expect(contentEvents(fresh, 'draft', draft.id)).toEqual([expect.objectContaining({ action: 'updated', parent: { type: 'panel', id: s.panelIds[0]! } })]);
    expect(fresh.find((event) => event.data.resource === 'panel')!.owner_id).toBe(alice.id);
  });

  it('a chapter cover: the variant becomes cover_image_id', async () => {
    const draft = await draftFrom(t.app, alice, `/api/v1/chapters/${s.chapterId}/generate-cover`);
    expect(draft.target).toEqual({ type: 'chapter', id: s.chapterId });
    const seen = events.length;
    expect((await select(draft.id, draft.variants[0].id)).statusCode).toBe(200);
    const chapter = await read(`/api/v1/chapters/${s.chapterId}`);
    expect(chapter.cover_image_id).toBe(draft.variants[0].image_id);
    expect(contentEvents(events.slice(seen), 'chapter', s.chapterId)).toEqual([{ resource: 'chapter', id: s.chapterId, action: 'updated', version: chapter.version, parent: { type: 'project', id: s.projectId } }]);
  });

  it('character designs: each selected variant is appended to design_image_ids', async () => {
    const first = await draftFrom(t.app, alice, '/api/v1/generate/character-design', { character_id: s.characterId });
    const second = await draftFrom(t.app, alice, '/api/v1/generate/character-design', { character_id: s.characterId, n: 2 });
    expect((await select(first.id, first.variants[0].id)).statusCode).toBe(200);
    expect((await select(second.id, second.variants[1].id)).statusCode).toBe(200);
    const character = await read(`/api/v1/characters/${s.characterId}`);
    expect(character.design_image_ids).toEqual([first.variants[0].image_id, second.variants[1].image_id]);
    expect(character.sheet_image_id).toBeNull();
    expect((await getDraft(t.app, alice, second.id)).applied).toEqual({ type: 'character', id: s.characterId, version: character.version });
  });

  it('a character sheet: the variant becomes sheet_image_id (designs stay)', async () => {
    const draft = await draftFrom(t.app, alice, `/api/v1/characters/${s.characterId}/generate-sheet`);
    const designs = (await read(`/api/v1/characters/${s.characterId}`)).design_image_ids;
    expect((await select(draft.id, draft.variants[0].id)).statusCode).toBe(200);
    const character = await read(`/api/v1/characters/${s.characterId}`);
    expect(character.sheet_image_id).toBe(draft.variants[0].image_id);
    expect(character.design_image_ids).toEqual(designs);
  });

  it("a background: the variant is appended to the location's reference_image_ids", async () => {
    const draft = await draftFrom(t.app, alice, '/api/v1/generate/background', { location_id: s.locationId });
    expect(draft.target).toEqual({ type: 'location', id: s.locationId });
    const seen = events.length;
    expect((await select(draft.id, draft.variants[0].id)).statusCode).toBe(200);
    const location = await read(`/api/v1/locations/${s.locationId}`);
    expect(location.reference_image_ids).toEqual([draft.variants[0].image_id]);
    expect(contentEvents(events.slice(seen), 'location', s.locationId)).toHaveLength(1);
  });

  it('an image for a target with no image field (the project) is recorded as chosen, nothing else changes', async () => {
    const draft = await draftFrom(t.app, alice, '/api/v1/generate/image', { project_id: s.projectId, prompt: 'a lighthouse', target: { type: 'project', id: s.projectId } });
    const res = await select(draft.id, draft.variants[0].id);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ status: 'selected', applied: null });
  });
});

describe('select errors', () => {
  it('409 once the draft is no longer pending; nothing changes', async () => {
    const draft = await draftFrom(t.app, alice, `/api/v1/panels/${s.panelIds[1]!}/generate-image`, { n: 2 });
    expect((await select(draft.id, draft.variants[0].id)).statusCode).toBe(200);
    const again = await select(draft.id, draft.variants[1].id);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'conflict', details: { status: 'selected' } });
    expect((await read(`/api/v1/panels/${s.panelIds[1]!}`)).image_id).toBe(draft.variants[0].image_id);
  });

  it('422 for an unknown variant, a missing variant_id, an unknown field or a bad id; 404 for another user', async () => {
    const draft = await draftFrom(t.app, alice, `/api/v1/panels/${s.panelIds[2]!}/generate-image`);
    const unknown = await select(draft.id, '0123456789abcdef01234567');
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().details).toEqual([{ field: 'variant_id', message: expect.any(String) }]);
    expect((await api().post(`/api/v1/drafts/${draft.id}/select`, {})).statusCode).toBe(422);
    expect((await api().post(`/api/v1/drafts/${draft.id}/select`, { variant_id: draft.variants[0].id, status: 'selected' })).statusCode).toBe(422);
    expect((await api().post('/api/v1/drafts/not-an-id/select', { variant_id: draft.variants[0].id })).statusCode).toBe(422);
    expect((await select(draft.id, draft.variants[0].id, bob)).statusCode).toBe(404);
    expect((await getDraft(t.app, alice, draft.id)).status).toBe('pending');
    expect((await read(`/api/v1/panels/${s.panelIds[2]!}`)).image_id).toBeNull();
  });

  it('409 with a clear message when the target is gone but the draft is not', async () => {
    const panel = (await api().post(`/api/v1/scenes/${s.sceneId}/panels`, { description: 'doomed' })).json().data;
    const draft = await draftFrom(t.app, alice, `/api/v1/panels/${panel.id}/generate-image`);
    // DELETE /panels/{id} removes the panel's drafts with it; a panel removed some other way leaves the draft behind.
    expect(await t.container.store.delete('panels', panel.id)).toBe(true);
    const res = await select(draft.id, draft.variants[0].id);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatch(/panel this draft was made for no longer exists/);
    expect((await getDraft(t.app, alice, draft.id)).status).toBe('pending');
  });

  it("409 when the variant's image was deleted meanwhile", async () => {
    const draft = await draftFrom(t.app, alice, '/api/v1/generate/character-design', { character_id: s.characterId });
    expect((await api().delete(`/api/v1/images/${draft.variants[0].image_id}`)).statusCode).toBe(200);
    const res = await select(draft.id, draft.variants[0].id);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatch(/image was deleted/);
  });
});
