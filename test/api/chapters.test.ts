import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import type { StoredDoc } from '../../src/ports/document-store.js';
import { newId } from '../../src/lib/ids.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { jpeg, uploadImage } from './images.fixtures.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let api: ReturnType<typeof as>;

type Json = StoredDoc & { order: number } & Record<string, unknown>;

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

async function newChapter(projectId: string, body: Record<string, unknown> = {}): Promise<Json> {
  const res = await api.post(`/api/v1/projects/${projectId}/chapters`, { title: 'Chapter', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
}

async function listAll(projectId: string): Promise<Json[]> {
  const res = await api.get(`/api/v1/projects/${projectId}/chapters?limit=100`);
  expect(res.statusCode).toBe(200);
  return res.json().data.items;
}

describe('chapters CRUD', () => {
  it('creates (201 + Location), reads, updates and deletes a chapter', async () => {
    const projectId = await newProject();
    const res = await api.post(`/api/v1/projects/${projectId}/chapters`, { title: 'Opening', summary: 'It begins' });
    expect(res.statusCode).toBe(201);
    const chapter = res.json().data;
    expect(res.headers.location).toBe(`/api/v1/chapters/${chapter.id}`);
    const expected = { project_id: projectId, owner_id: alice.id, title: 'Opening', summary: 'It begins', order: 0, cover_image_id: null };
    expect(chapter).toMatchObject({ ...expected, version: 1 });
    expect(chapter.id).toMatch(/^[0-9a-f]{24}$/);

    const got = await api.get(`/api/v1/chapters/${chapter.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json().data).toEqual(chapter);

    const cover = (await uploadImage(t.app, alice, projectId, await jpeg())).id;
    const put = await api.put(`/api/v1/chapters/${chapter.id}`, { title: 'The Opening', cover_image_id: cover });
    expect(put.statusCode).toBe(200);
    expect(put.json().data).toMatchObject({ title: 'The Opening', summary: 'It begins', cover_image_id: cover, version: 2 });
    expect(put.json().data.updated_at >= chapter.updated_at).toBe(true);

    const cleared = await api.put(`/api/v1/chapters/${chapter.id}`, { cover_image_id: null, version: 2 });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().data).toMatchObject({ cover_image_id: null, version: 3, title: 'The Opening' });

    const del = await api.delete(`/api/v1/chapters/${chapter.id}`);
    expect(del.statusCode).toBe(200);
    expect(del.json().data).toEqual({ id: chapter.id, deleted: true });
    expect((await api.get(`/api/v1/chapters/${chapter.id}`)).statusCode).toBe(404);
    expect((await api.delete(`/api/v1/chapters/${chapter.id}`)).statusCode).toBe(404);
  });

  it('rejects a stale version with 409 and changes nothing', async () => {
    const projectId = await newProject();
    const chapter = await newChapter(projectId, { title: 'v1' });
    expect((await api.put(`/api/v1/chapters/${chapter.id}`, { title: 'v2', version: 1 })).statusCode).toBe(200);
    const stale = await api.put(`/api/v1/chapters/${chapter.id}`, { title: 'v3', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('version_conflict');
    // A stale version with a move changes no order either.
    await newChapter(projectId);
    expect((await api.put(`/api/v1/chapters/${chapter.id}`, { order: 1, version: 1 })).statusCode).toBe(409);
    const after = (await api.get(`/api/v1/chapters/${chapter.id}`)).json().data;
    expect(after).toMatchObject({ title: 'v2', version: 2, order: 0 });
  });
});

describe('chapter validation', () => {
  it('answers 422 on bad bodies, ids and positions', async () => {
    const projectId = await newProject();
    const chapter = await newChapter(projectId);
    const url = `/api/v1/projects/${projectId}/chapters`;
    const bad: [string, unknown, string][] = [
      [url, {}, 'title'],
      [url, { title: '' }, 'title'],
      [url, { title: 'x'.repeat(201) }, 'title'],
      [url, { title: 'ok', owner_id: bob.id }, 'owner_id'],
      [url, { title: 'ok', cover_image_id: newId() }, 'cover_image_id'],
      [url, { title: 'ok', order: -1 }, 'order'],
      [url, { title: 'ok', order: 2 }, 'order'],
      [url, { title: 'ok', order: 0.5 }, 'order'],
      [url, { title: 'ok', order: '0' }, 'order'],
    ];
    for (const [target, body, field] of bad) {
      const res = await api.post(target, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().code).toBe('validation_failed');
      expect(res.json().details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const puts: [unknown, string][] = [
      [{ title: '' }, 'title'],
      [{ project_id: newId() }, 'project_id'],
      [{ cover_image_id: 'not-an-id' }, 'cover_image_id'],
      [{ order: 1 }, 'order'],
      [{ version: 0 }, 'version'],
    ];
    for (const [body, field] of puts) {
      const res = await api.put(`/api/v1/chapters/${chapter.id}`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().details.map((d: { field: string }) => d.field)).toContain(field);
    }
    for (const body of [{}, { order: 1 }, { order: -1 }, { order: 0, extra: true }]) {
      const res = await api.post(`/api/v1/chapters/${chapter.id}/reorder`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
    }
    expect((await api.get('/api/v1/chapters/not-an-id')).statusCode).toBe(422);
    expect((await api.get(`/api/v1/projects/xyz/chapters`)).statusCode).toBe(422);
    expect((await listAll(projectId)).length).toBe(1);
  });
});

describe('chapter access', () => {
  it("answers 404 for another user's project and chapter on every route", async () => {
    const projectId = await newProject();
    const chapter = await newChapter(projectId, { title: 'Mine' });
    const other = as(t.app, bob);
    const responses = [
      await other.get(`/api/v1/projects/${projectId}/chapters`),
      await other.post(`/api/v1/projects/${projectId}/chapters`, { title: 'Theirs' }),
      await other.get(`/api/v1/chapters/${chapter.id}`),
      await other.put(`/api/v1/chapters/${chapter.id}`, { title: 'Hijacked' }),
      await other.post(`/api/v1/chapters/${chapter.id}/reorder`, { order: 0 }),
      await other.delete(`/api/v1/chapters/${chapter.id}`),
      await api.get(`/api/v1/chapters/${newId()}`),
      await api.get(`/api/v1/projects/${newId()}/chapters`),
      await api.post(`/api/v1/projects/${newId()}/chapters`, { title: 'Nowhere' }),
    ];
    for (const res of responses) {
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    const after = await listAll(projectId);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ title: 'Mine', version: 1 });
  });
});

describe('chapter lists', () => {
  it('paginates and sorts by order, title and created_at', async () => {
    const projectId = await newProject();
    const titles = ['delta', 'alpha', 'echo', 'charlie', 'bravo'];
    const ids: string[] = [];
    for (const title of titles) ids.push((await newChapter(projectId, { title })).id);

    const page = await api.get(`/api/v1/projects/${projectId}/chapters?skip=1&limit=2`);
    expect(page.json().data).toMatchObject({ total: 5, skip: 1, limit: 2, has_more: true });
    expect(page.json().data.items.map((c: { id: string }) => c.id)).toEqual(ids.slice(1, 3));
    const last = (await api.get(`/api/v1/projects/${projectId}/chapters?skip=4&limit=2`)).json().data;
    expect(last).toMatchObject({ total: 5, has_more: false });
    expect(last.items).toHaveLength(1);

    const sorted = async (sort: string) =>
      (await api.get(`/api/v1/projects/${projectId}/chapters?sort=${sort}`)).json().data.items.map((c: { title: string }) => c.title);
    expect(await sorted('title')).toEqual([...titles].sort());
    expect(await sorted('-title')).toEqual([...titles].sort().reverse());
    expect(await sorted('-order')).toEqual([...titles].reverse());
    expect(await sorted('order')).toEqual(titles);
    const byCreated = (await api.get(`/api/v1/projects/${projectId}/chapters?sort=-created_at`)).json().data.items;
    const stamps = byCreated.map((c: { created_at: string }) => c.created_at);
    expect(stamps).toEqual([...stamps].sort().reverse());

    for (const query of ['sort=summary', 'sort=owner_id', 'limit=0', 'limit=101', 'skip=-1', 'extra=1']) {
      expect((await api.get(`/api/v1/projects/${projectId}/chapters?${query}`)).statusCode, query).toBe(422);
    }
  });
});

describe('chapter events and docs', () => {
  it('publishes content_update for the chapter and the siblings it shifted', async () => {
    const projectId = await newProject();
    const first = await newChapter(projectId);
    const seen: AppEvent[] = [];
    const stop = t.container.events.subscribe((event) => seen.push(event));
    try {
      const inserted = await newChapter(projectId, { order: 0 });
      await api.delete(`/api/v1/chapters/${inserted.id}`);
      await new Promise((resolve) => setImmediate(resolve));
      const data = seen.filter((e) => e.type === 'content_update' && e.project_id === projectId).map((e) => e.data);
      const parent = { type: 'project', id: projectId };
      expect(data).toEqual([
        { resource: 'chapter', id: inserted.id, action: 'created', version: 1, parent },
        { resource: 'chapter', id: first.id, action: 'updated', version: 2, parent },
        { resource: 'chapter', id: inserted.id, action: 'deleted', version: null, parent },
        { resource: 'chapter', id: first.id, action: 'updated', version: 3, parent },
      ]);
      expect(seen.every((e) => e.owner_id === alice.id)).toBe(true);
    } finally {
      stop();
    }
  });

  it('documents every chapter route in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const paths = doc.paths as Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    expect(Object.keys(paths['/api/v1/projects/{project_id}/chapters'] ?? {})).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(paths['/api/v1/chapters/{chapter_id}'] ?? {})).toEqual(expect.arrayContaining(['get', 'put', 'delete']));
    expect(paths['/api/v1/chapters/{chapter_id}/reorder']?.post?.requestBody).toBeDefined();
    expect(paths['/api/v1/projects/{project_id}/chapters']?.post?.responses['201']).toBeDefined();
  });
});
