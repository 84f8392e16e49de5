import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { story, type Created } from '../helpers/story-fixtures.js';
import { jpeg, uploadImage } from './images.fixtures.js';
import type { AppEvent } from '../../src/ports/event-bus.js';

let t: TestApp;
let alice: TestUser;
let a: ReturnType<typeof story>;
let b: ReturnType<typeof story>;
let project: Created;

beforeAll(async () => {
  t = await buildTestApp();
  alice = await createUser(t.app);
  a = story(t.app, alice);
  b = story(t.app, await createUser(t.app));
  project = await a.project();
});
afterAll(() => t.close());

const missingId = 'ffffffffffffffffffffffff';
const names = (page: Created) => (page.items as { name: string }[]).map((item) => item.name);

describe('location CRUD', () => {
  it('creates with defaults and a Location header', async () => {
    const res = await a.api.post(`/api/v1/projects/${project.id}/locations`, { name: 'Lighthouse', tags: ['coast', 'night'] });
    expect(res.statusCode).toBe(201);
    const location = res.json().data;
    expect(res.headers.location).toBe(`/api/v1/locations/${location.id}`);
    expect(location).toMatchObject({ project_id: project.id, name: 'Lighthouse', description: '', tags: ['coast', 'night'], reference_image_ids: [], version: 1 });
    expect((await a.api.get(res.headers.location as string)).json().data).toEqual(location);
  });

  it.each([
    ['a missing name', {}],
    ['an empty name', { name: '' }],
    ['an unknown field', { name: 'Dock', climate: 'wet' }],
    ['duplicate tags', { name: 'Dock', tags: ['a', 'a'] }],
    ['an over-long description', { name: 'Dock', description: 'x'.repeat(10_001) }],
  ])('rejects %s with a 422', async (_label, body) => {
    const res = await a.api.post(`/api/v1/projects/${project.id}/locations`, body);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('validation_failed');
  });

  it('lists paginated and sorted', async () => {
    const own = await a.project();
    for (const name of ['Mill', 'Cave', 'Tower']) await a.location(own.id, { name });
    expect(names(await a.read(`/api/v1/projects/${own.id}/locations`))).toEqual(['Cave', 'Mill', 'Tower']);
    expect(names(await a.read(`/api/v1/projects/${own.id}/locations?sort=-created_at`))).toEqual(['Tower', 'Cave', 'Mill']);
    const page = await a.read(`/api/v1/projects/${own.id}/locations?skip=1&limit=1`);
    expect(page).toMatchObject({ total: 3, skip: 1, limit: 1, has_more: true });
    expect(names(page)).toEqual(['Mill']);
    expect((await a.api.get(`/api/v1/projects/${own.id}/locations?sort=tags`)).statusCode).toBe(422);
  });

  it('updates partially with version checks', async () => {
    const location = await a.location(project.id, { name: 'Market', tags: ['day'] });
    const image = (await uploadImage(t.app, alice, project.id, await jpeg())).id;
    const res = await a.api.put(`/api/v1/locations/${location.id}`, { description: 'Busy', reference_image_ids: [image], version: 1 });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ name: 'Market', tags: ['day'], description: 'Busy', reference_image_ids: [image], version: 2 });
    const stale = await a.api.put(`/api/v1/locations/${location.id}`, { name: 'Bazaar', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(await a.read(`/api/v1/locations/${location.id}`)).toMatchObject({ name: 'Market', version: 2 });
    expect((await a.api.put(`/api/v1/locations/${location.id}`, { reference_image_ids: ['xyz'] })).statusCode).toBe(422);
    expect((await a.api.put(`/api/v1/locations/${location.id}`, { name: '' })).statusCode).toBe(422);
  });

  it("answers 404 for another user's locations on every route", async () => {
    const location = await a.location(project.id);
    for (const call of [
      () => b.api.get(`/api/v1/projects/${project.id}/locations`),
      () => b.api.post(`/api/v1/projects/${project.id}/locations`, { name: 'Mine' }),
      () => b.api.get(`/api/v1/locations/${location.id}`),
      () => b.api.put(`/api/v1/locations/${location.id}`, { name: 'Mine' }),
      () => b.api.delete(`/api/v1/locations/${location.id}`),
      () => b.api.get(`/api/v1/locations/${location.id}/usage`),
      () => a.api.get(`/api/v1/locations/${missingId}/usage`),
    ]) {
      const res = await call();
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    expect(await a.read(`/api/v1/locations/${location.id}`)).toMatchObject({ version: 1 });
  });
});

describe('usage and delete cascade', () => {
  /** Story order differs from creation order: the later chapter, scene and panel are inserted first. */
  async function buildStory(locationId: string, otherId: string) {
    const second = await a.chapter(project.id);
    const first = await a.chapter(project.id, { order: 0 });
    const late = await a.scene(second.id, { location_id: locationId });
    const early = await a.scene(first.id, { location_id: locationId });
    const elsewhere = await a.scene(first.id, { location_id: otherId });
    const pLate = await a.panel(late.id, { location_id: locationId });
    const pEarly2 = await a.panel(elsewhere.id, { location_id: locationId });
    const pEarly1 = await a.panel(early.id, { location_id: locationId });
    const pOther = await a.panel(early.id, { location_id: otherId });
    return { first, scenes: { early, late, elsewhere }, panels: { pEarly1, pEarly2, pLate, pOther } };
  }

  it('lists the scenes and panels at the location in story order', async () => {
    const harbour = await a.location(project.id, { name: 'Harbour' });
    const other = await a.location(project.id, { name: 'Field' });
    const { first, scenes, panels } = await buildStory(harbour.id, other.id);
    const usage = await a.read(`/api/v1/locations/${harbour.id}/usage`);
    expect(usage.location_id).toBe(harbour.id);
    expect((usage.scenes as { id: string }[]).map((s) => s.id)).toEqual([scenes.early.id, scenes.late.id]);
    expect((usage.panels as { id: string }[]).map((p) => p.id)).toEqual([panels.pEarly1.id, panels.pEarly2.id, panels.pLate.id]);
    expect((usage.panels as Created[])[0]).toEqual({ id: panels.pEarly1.id, chapter_id: first.id, scene_id: scenes.early.id, order: 0, description: '' });
    const unused = await a.location(project.id, { name: 'Unused' });
    expect(await a.read(`/api/v1/locations/${unused.id}/usage`)).toEqual({ location_id: unused.id, scenes: [], panels: [] });
  });

  it('clears location_id on scenes and panels when the location is deleted', async () => {
    const doomed = await a.location(project.id, { name: 'Doomed' });
    const other = await a.location(project.id, { name: 'Kept' });
    const { scenes, panels } = await buildStory(doomed.id, other.id);
    const versionOf = async (collection: string, id: string) => (await t.container.store.get(collection, id))!.version;
    const before = { early: await versionOf('scenes', scenes.early.id), pLate: await versionOf('panels', panels.pLate.id) };
    const events: AppEvent[] = [];
    const unsubscribe = t.container.events.subscribe((event) => events.push(event));
    expect((await a.api.delete(`/api/v1/locations/${doomed.id}`)).statusCode).toBe(200);
    unsubscribe();

    for (const collection of ['scenes', 'panels']) {
      for (const doc of await t.container.store.find(collection, { project_id: project.id })) expect(JSON.stringify(doc)).not.toContain(doomed.id);
    }
    expect(await a.read(`/api/v1/scenes/${scenes.early.id}`)).toMatchObject({ location_id: null, version: before.early + 1 });
    expect(await a.read(`/api/v1/panels/${panels.pLate.id}`)).toMatchObject({ location_id: null, version: before.pLate + 1 });
    expect(await a.read(`/api/v1/scenes/${scenes.elsewhere.id}`)).toMatchObject({ location_id: other.id });
    expect(await a.read(`/api/v1/panels/${panels.pOther.id}`)).toMatchObject({ location_id: other.id });
    expect((await a.api.get(`/api/v1/locations/${doomed.id}`)).statusCode).toBe(404);

    const changes = events.map((e) => `${e.data.resource}:${e.data.action}:${e.data.id}`);
    expect(changes).toContain(`location:deleted:${doomed.id}`);
    expect(changes).toContain(`scene:updated:${scenes.late.id}`);
    expect(changes).toContain(`panel:updated:${panels.pEarly2.id}`);
    expect(changes).not.toContain(`panel:updated:${panels.pOther.id}`);
  });
});
