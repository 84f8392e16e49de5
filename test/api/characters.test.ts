import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { story, type Created } from '../helpers/story-fixtures.js';
import { jpeg, uploadImage } from './images.fixtures.js';
import type { AppEvent } from '../../src/ports/event-bus.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let a: ReturnType<typeof story>;
let b: ReturnType<typeof story>;
let project: Created;

beforeAll(async () => {
  t = await buildTestApp();
  alice = await createUser(t.app);
  bob = await createUser(t.app);
  a = story(t.app, alice);
  b = story(t.app, bob);
  project = await a.project();
});
afterAll(() => t.close());

const missingId = 'ffffffffffffffffffffffff';

describe('character CRUD', () => {
  it('creates with defaults, a Location header and version 1', async () => {
    const res = await a.api.post(`/api/v1/projects/${project.id}/characters`, { name: 'Mara', role: 'protagonist', traits: ['brave', 'stubborn'] });
    expect(res.statusCode).toBe(201);
    const character = res.json().data;
    expect(res.headers.location).toBe(`/api/v1/characters/${character.id}`);
    expect(character).toMatchObject({
      project_id: project.id,
      name: 'Mara',
      role: 'protagonist',
      description: '',
      appearance: '',
      personality: '',
      backstory: '',
      traits: ['brave', 'stubborn'],
      design_image_ids: [],
      sheet_image_id: null,
      reference_image_ids: [],
      version: 1,
    });
    expect(character.id).toMatch(/^[0-9a-f]{24}$/);
    expect(character).not.toHaveProperty('owner_id');
    expect((await a.api.get(res.headers.location as string)).json().data).toEqual(character);
  });

  it.each([
    ['a missing name', {}],
    ['an empty name', { name: '' }],
    ['a name over 200 characters', { name: 'x'.repeat(201) }],
    ['an unknown field', { name: 'Mara', nickname: 'M' }],
    ['a smuggled owner_id', { name: 'Mara', owner_id: missingId }],
    ['image ids on create', { name: 'Mara', design_image_ids: [missingId] }],
    ['traits of the wrong type', { name: 'Mara', traits: 'brave' }],
  ])('rejects %s with a 422', async (_label, body) => {
    const res = await a.api.post(`/api/v1/projects/${project.id}/characters`, body);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('validation_failed');
  });

  it('rejects a malformed project id with a 422', async () => {
    expect((await a.api.post('/api/v1/projects/nope/characters', { name: 'Mara' })).statusCode).toBe(422);
  });

  it('lists paginated, by name by default, and sorts by created_at', async () => {
    const own = await a.project();
    for (const name of ['Cleo', 'Abe', 'Bran']) await a.character(own.id, { name });
    const page = await a.read(`/api/v1/projects/${own.id}/characters?limit=2`);
    expect(page).toMatchObject({ total: 3, skip: 0, limit: 2, has_more: true });
    expect((page.items as { name: string }[]).map((c) => c.name)).toEqual(['Abe', 'Bran']);
    const rest = await a.read(`/api/v1/projects/${own.id}/characters?skip=2&limit=2`);
    expect((rest.items as { name: string }[]).map((c) => c.name)).toEqual(['Cleo']);
    expect(rest.has_more).toBe(false);
    const byCreation = await a.read(`/api/v1/projects/${own.id}/characters?sort=created_at`);
    expect((byCreation.items as { name: string }[]).map((c) => c.name)).toEqual(['Cleo', 'Abe', 'Bran']);
    const desc = await a.read(`/api/v1/projects/${own.id}/characters?sort=-name`);
    expect((desc.items as { name: string }[]).map((c) => c.name)).toEqual(['Cleo', 'Bran', 'Abe']);
    expect((await a.api.get(`/api/v1/projects/${own.id}/characters?sort=role`)).statusCode).toBe(422);
    expect((await a.api.get(`/api/v1/projects/${own.id}/characters?limit=101`)).statusCode).toBe(422);
  });

  it('updates partially, bumps version and accepts image ids', async () => {
    const character = await a.character(project.id, { name: 'Ivo', role: 'mentor', traits: ['wise'] });
    const image = (await uploadImage(t.app, alice, project.id, await jpeg())).id;
    const res = await a.api.put(`/api/v1/characters/${character.id}`, {
      backstory: 'Grew up at sea',
      design_image_ids: [image],
      sheet_image_id: image,
      reference_image_ids: [image],
      version: 1,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({
      name: 'Ivo',
      role: 'mentor',
      traits: ['wise'],
      backstory: 'Grew up at sea',
      design_image_ids: [image],
      sheet_image_id: image,
      reference_image_ids: [image],
      version: 2,
    });
    const cleared = await a.api.put(`/api/v1/characters/${character.id}`, { sheet_image_id: null });
    expect(cleared.json().data).toMatchObject({ sheet_image_id: null, version: 3 });
  });

  it.each([
    ['an empty name', { name: '' }],
    ['an unknown field', { colour: 'red' }],
    ['a bad image id', { sheet_image_id: 'not-an-id' }],
    ['a non-integer version', { version: 1.5 }],
    ['a managed field', { project_id: missingId }],
  ])('rejects an update with %s (422)', async (_label, body) => {
    const character = await a.character(project.id);
    expect((await a.api.put(`/api/v1/characters/${character.id}`, body)).statusCode).toBe(422);
  });

  it('answers 409 on a stale version and changes nothing', async () => {
    const character = await a.character(project.id, { name: 'Stale' });
    await a.api.put(`/api/v1/characters/${character.id}`, { role: 'first' });
    const res = await a.api.put(`/api/v1/characters/${character.id}`, { role: 'second', version: 1 });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('version_conflict');
    expect(await a.read(`/api/v1/characters/${character.id}`)).toMatchObject({ role: 'first', version: 2 });
  });

  it('deletes', async () => {
    const character = await a.character(project.id);
    const res = await a.api.delete(`/api/v1/characters/${character.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ id: character.id, deleted: true });
    expect((await a.api.get(`/api/v1/characters/${character.id}`)).statusCode).toBe(404);
    expect((await a.api.delete(`/api/v1/characters/${character.id}`)).statusCode).toBe(404);
  });
});

describe("another user's characters", () => {
  it('are a 404 on every route, and so is a missing one', async () => {
    const character = await a.character(project.id);
    const calls = [
      () => b.api.get(`/api/v1/projects/${project.id}/characters`),
      () => b.api.post(`/api/v1/projects/${project.id}/characters`, { name: 'Intruder' }),
      () => b.api.get(`/api/v1/characters/${character.id}`),
      () => b.api.put(`/api/v1/characters/${character.id}`, { name: 'Renamed' }),
      () => b.api.delete(`/api/v1/characters/${character.id}`),
      () => b.api.get(`/api/v1/characters/${character.id}/appearances`),
      () => a.api.get(`/api/v1/characters/${missingId}`),
      () => a.api.get(`/api/v1/projects/${missingId}/characters`),
    ];
    for (const call of calls) {
      const res = await call();
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    expect(await a.read(`/api/v1/characters/${character.id}`)).toMatchObject({ name: 'Hero', version: 1 });
  });
});

/**
 * Chapters created so that story order differs from creation order: `second` is created
 * first, then `first` is inserted before it; the same inside scenes and panels.
 */
async function buildStory(characterId: string, otherId: string) {
  const own = project.id;
  const second = await a.chapter(own);
  const first = await a.chapter(own, { order: 0 });
  const s2a = await a.scene(second.id, { character_ids: [characterId] });
  const s1b = await a.scene(first.id, { character_ids: [otherId, characterId] });
  const s1a = await a.scene(first.id, { order: 0, character_ids: [characterId] });
  const s1c = await a.scene(first.id, { character_ids: [otherId] });
  const speech = (characterId: string | null, text: string) => ({ type: 'speech', character_id: characterId, text });
  const p2 = await a.panel(s2a.id, { character_ids: [characterId] });
  const p1b2 = await a.panel(s1b.id, { dialogue: [speech(otherId, 'Hi'), speech(characterId, 'Only my voice'), { type: 'caption', text: 'Later' }] });
  const p1b1 = await a.panel(s1b.id, { order: 0, character_ids: [characterId, otherId], dialogue: [speech(characterId, 'Both')] });
  const p1a = await a.panel(s1a.id, { character_ids: [characterId] });
  const unrelated = await a.panel(s1c.id, { character_ids: [otherId], dialogue: [speech(otherId, 'Not me')] });
  return { chapters: { first, second }, scenes: { s1a, s1b, s1c, s2a }, panels: { p1a, p1b1, p1b2, p2, unrelated } };
}

describe('appearances and delete cascade', () => {
  it('lists scenes and panels in story order, including speaker-only panels', async () => {
    const hero = await a.character(project.id, { name: 'Hero' });
    const other = await a.character(project.id, { name: 'Other' });
    const { chapters, scenes, panels } = await buildStory(hero.id, other.id);
    const data = await a.read(`/api/v1/characters/${hero.id}/appearances`);
    expect(data.character_id).toBe(hero.id);
    const sceneRows = data.scenes as { id: string }[];
    expect(sceneRows.map((s) => s.id)).toEqual([scenes.s1a.id, scenes.s1b.id, scenes.s2a.id]);
    expect(sceneRows[0]).toEqual({ id: scenes.s1a.id, chapter_id: chapters.first.id, order: 0, title: 'Scene', description: '' });
    const panelRows = data.panels as { id: string; speaks: boolean }[];
    expect(panelRows.map((p) => p.id)).toEqual([panels.p1a.id, panels.p1b1.id, panels.p1b2.id, panels.p2.id]);
    expect(panelRows.map((p) => p.speaks)).toEqual([false, true, true, false]);
    expect(panelRows[2]).toMatchObject({ chapter_id: chapters.first.id, scene_id: scenes.s1b.id, order: 1 });

    const lonely = await a.character(project.id, { name: 'Nobody' });
    expect(await a.read(`/api/v1/characters/${lonely.id}/appearances`)).toEqual({ character_id: lonely.id, scenes: [], panels: [] });
  });

  it('detaches a deleted character everywhere in one go, keeping bubble text, and publishes events', async () => {
    const hero = await a.character(project.id, { name: 'Doomed' });
    const other = await a.character(project.id, { name: 'Survivor' });
    const { scenes, panels } = await buildStory(hero.id, other.id);
    // Inserting siblings at order 0 bumped some versions, so take them just before the delete.
    const versions = new Map<string, number>();
    for (const doc of [...(await t.container.store.find('scenes', { project_id: project.id })), ...(await t.container.store.find('panels', { project_id: project.id }))]) {
      versions.set(doc.id, doc.version);
    }
    const before = (id: string) => versions.get(id)!;
    const events: AppEvent[] = [];
    const unsubscribe = t.container.events.subscribe((event) => events.push(event));

    expect((await a.api.delete(`/api/v1/characters/${hero.id}`)).statusCode).toBe(200);
    unsubscribe();

    // No dangling id anywhere in the stored scenes and panels (character_ids or bubbles).
    const sceneDocs = await t.container.store.find('scenes', { project_id: project.id });
    const panelDocs = await t.container.store.find('panels', { project_id: project.id });
    expect(sceneDocs.length + panelDocs.length).toBeGreaterThan(0);
    for (const doc of [...sceneDocs, ...panelDocs]) expect(JSON.stringify(doc)).not.toContain(hero.id);

    const s1b = await a.read(`/api/v1/scenes/${scenes.s1b.id}`);
    expect(s1b).toMatchObject({ character_ids: [other.id], version: before(scenes.s1b.id) + 1 });
    expect(await a.read(`/api/v1/scenes/${scenes.s1c.id}`)).toMatchObject({ version: before(scenes.s1c.id) });
    const p1b2 = await a.read(`/api/v1/panels/${panels.p1b2.id}`);
    expect(p1b2.version).toBe(before(panels.p1b2.id) + 1);
    expect((p1b2.dialogue as { character_id: string | null; text: string }[]).map((d) => [d.character_id, d.text])).toEqual([
      [other.id, 'Hi'],
      [null, 'Only my voice'],
      [null, 'Later'],
    ]);
    const p1b1 = await a.read(`/api/v1/panels/${panels.p1b1.id}`);
    expect(p1b1).toMatchObject({ character_ids: [other.id], dialogue: [{ character_id: null, text: 'Both' }] });
    expect(await a.read(`/api/v1/panels/${panels.unrelated.id}`)).toMatchObject({ version: before(panels.unrelated.id) });

    const changes = events.filter((e) => e.type === 'content_update').map((e) => `${e.data.resource}:${e.data.action}:${e.data.id}`);
    expect(changes).toContain(`character:deleted:${hero.id}`);
    for (const id of [scenes.s1a.id, scenes.s1b.id, scenes.s2a.id]) expect(changes).toContain(`scene:updated:${id}`);
    for (const id of [panels.p1a.id, panels.p1b1.id, panels.p1b2.id, panels.p2.id]) expect(changes).toContain(`panel:updated:${id}`);
    expect(changes).not.toContain(`panel:updated:${panels.unrelated.id}`);
    expect(events.every((e) => e.owner_id === alice.id && e.project_id === project.id)).toBe(true);
  });
});
