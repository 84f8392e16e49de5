import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDoc } from '../../src/ports/document-store.js';
import { newId } from '../../src/lib/ids.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let api: ReturnType<typeof as>;

type Json = StoredDoc & { order: number } & Record<string, unknown>;

/** Documents of other modules (characters, panels, instructions) go straight into the store, so these tests do not depend on those modules. */
const insert = async (collection: string, doc: Record<string, unknown>) =>
  (await t.container.store.insert<StoredDoc & Record<string, unknown>>(collection, { id: newId(), owner_id: alice.id, ...doc })).id;

beforeAll(async () => {
  t = await buildTestApp();
  alice = await createUser(t.app);
  bob = await createUser(t.app);
  api = as(t.app, alice);
});
afterAll(() => t.close());

async function newProject(title = 'Story'): Promise<string> {
  const res = await api.post('/api/v1/projects', { title });
  expect(res.statusCode).toBe(201);
  return res.json().data.id;
}

async function newChapter(projectId: string): Promise<string> {
  const res = await api.post(`/api/v1/projects/${projectId}/chapters`, { title: 'Chapter' });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data.id;
}

async function newScene(chapterId: string, body: Record<string, unknown> = {}): Promise<Json> {
  const res = await api.post(`/api/v1/chapters/${chapterId}/scenes`, { title: 'Scene', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
}

const insertRef = (collection: 'characters' | 'locations', projectId: string, owner = alice.id) =>
  insert(collection, { owner_id: owner, project_id: projectId, name: 'N' });

/** Orders are exactly 0..n-1 and the ids come in `expected` order. */
async function expectOrder(chapterId: string, expected: string[]): Promise<void> {
  const res = await api.get(`/api/v1/chapters/${chapterId}/scenes?limit=100`);
  expect(res.statusCode).toBe(200);
  const items: { id: string; order: number }[] = res.json().data.items;
  expect(items.map((s) => s.order)).toEqual(expected.map((_, index) => index));
  expect(items.map((s) => s.id)).toEqual(expected);
}

describe('scenes CRUD', () => {
  it('creates (201 + Location), reads, updates and deletes a scene', async () => {
    const projectId = await newProject();
    const chapterId = await newChapter(projectId);
    const hero = await insertRef('characters', projectId);
    const villain = await insertRef('characters', projectId);
    const castle = await insertRef('locations', projectId);

    const res = await api.post(`/api/v1/chapters/${chapterId}/scenes`, {
      title: 'Arrival',
      description: 'Rain',
      character_ids: [hero],
      location_id: castle,
    });
    expect(res.statusCode).toBe(201);
    const scene = res.json().data;
    expect(res.headers.location).toBe(`/api/v1/scenes/${scene.id}`);
    expect(scene).toMatchObject({
      owner_id: alice.id,
      project_id: projectId,
      chapter_id: chapterId,
      title: 'Arrival',
      description: 'Rain',
      summary: '',
      order: 0,
      location_id: castle,
      character_ids: [hero],
      version: 1,
    });

    const got = await api.get(`/api/v1/scenes/${scene.id}`);
    expect(got.json().data).toEqual(scene);

    const put = await api.put(`/api/v1/scenes/${scene.id}`, { summary: 'They arrive', character_ids: [hero, villain], location_id: null });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().data).toMatchObject({ title: 'Arrival', summary: 'They arrive', character_ids: [hero, villain], location_id: null, version: 2 });

    const bare = await newScene(chapterId, { title: 'Bare' });
    expect(bare).toMatchObject({ order: 1, location_id: null, character_ids: [], description: '' });

    const del = await api.delete(`/api/v1/scenes/${scene.id}`);
    expect(del.json().data).toEqual({ id: scene.id, deleted: true });
    expect((await api.get(`/api/v1/scenes/${scene.id}`)).statusCode).toBe(404);
    await expectOrder(chapterId, [bare.id]);
  });

  it('rejects a stale version with 409 and changes nothing', async () => {
    const chapterId = await newChapter(await newProject());
    const scene = await newScene(chapterId, { title: 'v1' });
    expect((await api.put(`/api/v1/scenes/${scene.id}`, { title: 'v2', version: 1 })).statusCode).toBe(200);
    const stale = await api.put(`/api/v1/scenes/${scene.id}`, { title: 'v3', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('version_conflict');
    expect((await api.get(`/api/v1/scenes/${scene.id}`)).json().data).toMatchObject({ title: 'v2', version: 2 });
  });

  it('lists only the scenes of the chapter asked for', async () => {
    const projectId = await newProject();
    const one = await newChapter(projectId);
    const two = await newChapter(projectId);
    const a = await newScene(one);
    const b = await newScene(two);
    await expectOrder(one, [a.id]);
    await expectOrder(two, [b.id]);
  });
});

describe('scene validation', () => {
  it('answers 422 on bad bodies, ids, positions and foreign references', async () => {
    const projectId = await newProject();
    const otherProject = await newProject('Other');
    const chapterId = await newChapter(projectId);
    const scene = await newScene(chapterId);
    const ownCharacter = await insertRef('characters', projectId);
    const foreignCharacter = await insertRef('characters', otherProject);
    const foreignLocation = await insertRef('locations', otherProject);
    const bobsCharacter = await insertRef('characters', newId(), bob.id);
    const url = `/api/v1/chapters/${chapterId}/scenes`;
    const posts: [unknown, string][] = [
      [{}, 'title'],
      [{ title: '' }, 'title'],
      [{ title: 'x'.repeat(201) }, 'title'],
      [{ title: 'ok', project_id: otherProject }, 'project_id'],
      [{ title: 'ok', order: 2 }, 'order'],
      [{ title: 'ok', order: -1 }, 'order'],
      [{ title: 'ok', character_ids: ['nope'] }, 'character_ids.0'],
      [{ title: 'ok', character_ids: [ownCharacter, ownCharacter] }, 'character_ids'],
      [{ title: 'ok', character_ids: [ownCharacter, foreignCharacter] }, 'character_ids'],
      [{ title: 'ok', character_ids: [bobsCharacter] }, 'character_ids'],
      [{ title: 'ok', character_ids: [newId()] }, 'character_ids'],
      [{ title: 'ok', location_id: foreignLocation }, 'location_id'],
      [{ title: 'ok', location_id: ownCharacter }, 'location_id'],
      [{ title: 'ok', location_id: 'castle' }, 'location_id'],
    ];
    for (const [body, field] of posts) {
      const res = await api.post(url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().code).toBe('validation_failed');
      expect(res.json().details.map((d: { field: string }) => d.field), JSON.stringify(body)).toContain(field);
    }
    const puts: [unknown, string][] = [
      [{ chapter_id: await newChapter(projectId) }, 'chapter_id'],
      [{ title: '' }, 'title'],
      [{ order: 1 }, 'order'],
      [{ character_ids: [foreignCharacter] }, 'character_ids'],
      [{ location_id: foreignLocation }, 'location_id'],
    ];
    for (const [body, field] of puts) {
      const res = await api.put(`/api/v1/scenes/${scene.id}`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect((await api.get('/api/v1/scenes/123')).statusCode).toBe(422);
    expect((await api.get(`/api/v1/chapters/${chapterId}/scenes?sort=description`)).statusCode).toBe(422);
    const after = (await api.get(`/api/v1/scenes/${scene.id}`)).json().data;
    expect(after).toMatchObject({ version: 1, character_ids: [], location_id: null });
    await expectOrder(chapterId, [scene.id]);
  });
});

describe('scene access', () => {
  it("answers 404 for another user's chapter and scene on every route", async () => {
    const projectId = await newProject();
    const chapterId = await newChapter(projectId);
    const scene = await newScene(chapterId, { title: 'Mine' });
    const other = as(t.app, bob);
    const responses = [
      await other.get(`/api/v1/chapters/${chapterId}/scenes`),
      await other.post(`/api/v1/chapters/${chapterId}/scenes`, { title: 'Theirs' }),
      await other.get(`/api/v1/scenes/${scene.id}`),
      await other.put(`/api/v1/scenes/${scene.id}`, { title: 'Hijacked' }),
      await other.delete(`/api/v1/scenes/${scene.id}`),
      await api.get(`/api/v1/scenes/${newId()}`),
      await api.put(`/api/v1/scenes/${newId()}`, { title: 'x' }),
      await api.get(`/api/v1/chapters/${newId()}/scenes`),
      await api.post(`/api/v1/chapters/${newId()}/scenes`, { title: 'Nowhere' }),
    ];
    for (const res of responses) {
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    await expectOrder(chapterId, [scene.id]);
    expect((await api.get(`/api/v1/scenes/${scene.id}`)).json().data).toMatchObject({ title: 'Mine', version: 1 });
  });
});

describe('scene lists', () => {
  it('paginates and sorts by order, title and created_at', async () => {
    const chapterId = await newChapter(await newProject());
    const titles = ['mango', 'apple', 'kiwi', 'banana'];
    const ids: string[] = [];
    for (const title of titles) ids.push((await newScene(chapterId, { title })).id);
    const list = async (query: string) => (await api.get(`/api/v1/chapters/${chapterId}/scenes?${query}`)).json().data;

    const page = await list('limit=2&skip=2');
    expect(page).toMatchObject({ total: 4, skip: 2, limit: 2, has_more: false });
    expect(page.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(2));
    expect(await list('limit=3')).toMatchObject({ has_more: true });
    const titlesOf = async (sort: string) => (await list(`sort=${sort}`)).items.map((s: { title: string }) => s.title);
    expect(await titlesOf('title')).toEqual([...titles].sort());
    expect(await titlesOf('-title')).toEqual([...titles].sort().reverse());
    expect(await titlesOf('-order')).toEqual([...titles].reverse());
    const stamps = (await list('sort=created_at')).items.map((s: { created_at: string }) => s.created_at);
    expect(stamps).toEqual([...stamps].sort());
  });

  it('documents every scene route in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/api/v1/chapters/{chapter_id}/scenes'] ?? {})).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(paths['/api/v1/scenes/{scene_id}'] ?? {})).toEqual(expect.arrayContaining(['get', 'put', 'delete']));
  });
});
