import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  alice = await createUser(t.app);
  bob = await createUser(t.app);
});
afterAll(async () => t.close());

async function createProject(user: TestUser, body: Record<string, unknown> = {}) {
  const res = await as(t.app, user).post('/api/v1/projects', { title: 'The Long Night', ...body });
  expect(res.statusCode).toBe(201);
  return res.json().data;
}

describe('projects CRUD', () => {
  it('creates with defaults, a Location header and version 1', async () => {
    const res = await as(t.app, alice).post('/api/v1/projects', { title: 'Moonrise', genre: 'noir', tags: ['a', 'b'], style_guide: { art_style: 'ink wash' } });
    expect(res.statusCode).toBe(201);
    const project = res.json().data;
    expect(res.headers.location).toBe(`/api/v1/projects/${project.id}`);
    expect(project).toMatchObject({ title: 'Moonrise', owner_id: alice.id, genre: 'noir', tags: ['a', 'b'], description: '', version: 1 });
    expect(project.style_guide).toMatchObject({ art_style: 'ink wash', aspect_ratio: '2:3', color_palette: [] });
    expect(project.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const got = await as(t.app, alice).get(project.location ?? `/api/v1/projects/${project.id}`);
    expect(got.json().data).toEqual(project);
  });

  it.each([
    [{}, 'title'],
    [{ title: '' }, 'title'],
    [{ title: 'x'.repeat(201) }, 'title'],
    [{ title: 5 }, 'title'],
    [{ title: 'ok', owner_id: '0'.repeat(24) }, 'owner_id'],
    [{ title: 'ok', version: 7 }, 'version'],
    [{ title: 'ok', style_guide: { color_palette: ['red'] } }, 'style_guide.color_palette.0'],
    [{ title: 'ok', style_guide: { aspect_ratio: 'wide' } }, 'style_guide.aspect_ratio'],
    [{ title: 'ok', $set: { owner_id: 'x' } }, '$set'],
  ])('rejects %j with 422 naming %s', async (body, field) => {
    const res = await as(t.app, alice).post('/api/v1/projects', body);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ success: false, code: 'validation_failed' });
    expect(res.json().details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('updates partially and bumps the version', async () => {
    const project = await createProject(alice, { description: 'keep me' });
    const res = await as(t.app, alice).put(`/api/v1/projects/${project.id}`, { title: 'Renamed', style_guide: { mood: 'bleak' } });
    expect(res.statusCode).toBe(200);
    const updated = res.json().data;
    expect(updated).toMatchObject({ title: 'Renamed', description: 'keep me', version: 2 });
    expect(updated.style_guide).toMatchObject({ mood: 'bleak', aspect_ratio: '2:3' });
    expect(updated.updated_at >= project.updated_at).toBe(true);
  });

  it('honours the version check: a stale version is 409 and changes nothing', async () => {
    const project = await createProject(alice);
    const first = await as(t.app, alice).put(`/api/v1/projects/${project.id}`, { title: 'One', version: 1 });
    expect(first.statusCode).toBe(200);
    const stale = await as(t.app, alice).put(`/api/v1/projects/${project.id}`, { title: 'Two', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('version_conflict');
    expect((await as(t.app, alice).get(`/api/v1/projects/${project.id}`)).json().data).toMatchObject({ title: 'One', version: 2 });
  });

  it('deletes', async () => {
    const project = await createProject(alice);
    const res = await as(t.app, alice).delete(`/api/v1/projects/${project.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ id: project.id, deleted: true });
    expect((await as(t.app, alice).get(`/api/v1/projects/${project.id}`)).statusCode).toBe(404);
    expect((await as(t.app, alice).delete(`/api/v1/projects/${project.id}`)).statusCode).toBe(404);
  });

  it('rejects malformed ids with 422', async () => {
    const res = await as(t.app, alice).get('/api/v1/projects/not-an-id');
    expect(res.statusCode).toBe(422);
    expect(res.json().details[0].field).toBe('project_id');
  });
});

describe('isolation between users', () => {
  it("hides another user's project behind 404 on every route", async () => {
    const project = await createProject(alice);
    const bobApi = as(t.app, bob);
    const url = `/api/v1/projects/${project.id}`;
    for (const res of [await bobApi.get(url), await bobApi.put(url, { title: 'mine' }), await bobApi.delete(url)]) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ success: false, code: 'not_found' });
    }
    const list = (await bobApi.get('/api/v1/projects?limit=100')).json().data;
    expect(list.items.map((p: { id: string }) => p.id)).not.toContain(project.id);
    expect((await as(t.app, alice).get(url)).json().data.title).toBe('The Long Night');
  });
});

describe('pagination', () => {
  it('pages, sorts and reports has_more', async () => {
    const user = await createUser(t.app);
    for (const title of ['c', 'a', 'e', 'b', 'd']) await createProject(user, { title });
    const api = as(t.app, user);
    const first = (await api.get('/api/v1/projects?limit=2&sort=title')).json().data;
    expect(first).toMatchObject({ total: 5, skip: 0, limit: 2, has_more: true });
    expect(first.items.map((p: { title: string }) => p.title)).toEqual(['a', 'b']);
    const last = (await api.get('/api/v1/projects?limit=2&skip=4&sort=title')).json().data;
    expect(last).toMatchObject({ total: 5, skip: 4, has_more: false });
    expect(last.items.map((p: { title: string }) => p.title)).toEqual(['e']);
    const desc = (await api.get('/api/v1/projects?sort=-title')).json().data;
    expect(desc.items.map((p: { title: string }) => p.title)).toEqual(['e', 'd', 'c', 'b', 'a']);
    const beyond = (await api.get('/api/v1/projects?skip=50')).json().data;
    expect(beyond).toMatchObject({ items: [], total: 5, has_more: false });
    const byDefault = (await api.get('/api/v1/projects')).json().data;
    expect(byDefault.limit).toBe(20);
    expect(byDefault.items.map((p: { title: string }) => p.title)).toEqual(['d', 'b', 'e', 'a', 'c']);
  });

  it.each(['limit=0', 'limit=101', 'skip=-1', 'sort=owner_id', 'sort=-password', 'limit=abc', 'extra=1'])('rejects %s with 422', async (query) => {
    const res = await as(t.app, alice).get(`/api/v1/projects?${query}`);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('validation_failed');
  });
});
