import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { newId } from '../../src/lib/ids.js';
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
  const res = await as(t.app, user).post('/api/v1/projects', { title: 'Styled', ...body });
  expect(res.statusCode).toBe(201);
  return res.json().data as { id: string; version: number; style_guide: Record<string, unknown> };
}

const url = (projectId: string) => `/api/v1/projects/${projectId}/style-guide`;

describe('GET /projects/{project_id}/style-guide', () => {
  it("answers the project's style guide with the project version", async () => {
    const project = await createProject(alice, { style_guide: { art_style: 'ink wash', color_palette: ['#000000', '#FFaa00'] } });
    const res = await as(t.app, alice).get(url(project.id));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ success: true });
    expect(res.json().data).toEqual({
      project_id: project.id,
      version: 1,
      updated_at: expect.any(String),
      art_style: 'ink wash',
      color_palette: ['#000000', '#FFaa00'],
      line_style: '',
      mood: '',
      lighting: '',
      aspect_ratio: '2:3',
      negative_prompt: '',
      reference_image_ids: [],
      notes: '',
    });
  });

  it("is a 404 for another user's project and for no project", async () => {
    const project = await createProject(alice);
    for (const [user, id] of [[bob, project.id], [alice, newId()]] as const) {
      const res = await as(t.app, user).get(url(id));
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ success: false, code: 'not_found' });
    }
  });

  it('is a 422 for a malformed id', async () => {
    const res = await as(t.app, alice).get(url('nope'));
    expect(res.statusCode).toBe(422);
    expect(res.json().details[0].field).toBe('project_id');
  });
});

describe('PUT /projects/{project_id}/style-guide', () => {
  it('changes only the fields sent, bumps the project version and publishes a style_guide update', async () => {
    const project = await createProject(alice, { style_guide: { art_style: 'ink', mood: 'grim' } });
    const seen: AppEvent[] = [];
    const unsubscribe = t.container.events.subscribe((event) => seen.push(event));
    const res = await as(t.app, alice).put(url(project.id), { lighting: 'low key', color_palette: ['#102030'], aspect_ratio: '16:9' });
    unsubscribe();
    expect(res.statusCode).toBe(200);
    const guide = res.json().data;
    expect(guide).toMatchObject({ art_style: 'ink', mood: 'grim', lighting: 'low key', color_palette: ['#102030'], aspect_ratio: '16:9', version: 2 });

    const stored = (await as(t.app, alice).get(`/api/v1/projects/${project.id}`)).json().data;
    expect(stored.version).toBe(2);
    expect(stored.style_guide).toMatchObject({ art_style: 'ink', mood: 'grim', lighting: 'low key', aspect_ratio: '16:9' });
    expect((await as(t.app, alice).get(url(project.id))).json().data).toEqual(guide);

    const update = seen.find((event) => event.data.resource === 'style_guide');
    expect(update).toMatchObject({
      type: 'content_update',
      project_id: project.id,
      owner_id: alice.id,
      data: { resource: 'style_guide', id: project.id, action: 'updated', version: 2 },
    });
  });

  it('honours version: the current one succeeds, a stale one is a 409 and changes nothing', async () => {
    const project = await createProject(alice);
    const first = await as(t.app, alice).put(url(project.id), { mood: 'calm', version: 1 });
    expect(first.statusCode).toBe(200);
    expect(first.json().data.version).toBe(2);

    const stale = await as(t.app, alice).put(url(project.id), { mood: 'angry', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ success: false, code: 'version_conflict' });
    const after = (await as(t.app, alice).get(url(project.id))).json().data;
    expect(after).toMatchObject({ mood: 'calm', version: 2 });
  });

  it.each([
    [{ color_palette: ['red'] }, 'color_palette.0'],
    [{ color_palette: ['#12345'] }, 'color_palette.0'],
    [{ color_palette: ['#1234567'] }, 'color_palette.0'],
    [{ color_palette: '#123456' }, 'color_palette'],
    [{ aspect_ratio: '16x9' }, 'aspect_ratio'],
    [{ aspect_ratio: '0:1' }, 'aspect_ratio'],
    [{ aspect_ratio: '3:' }, 'aspect_ratio'],
    [{ art_style: 7 }, 'art_style'],
    [{ reference_image_ids: ['nope'] }, 'reference_image_ids.0'],
    [{ palette: ['#000000'] }, 'palette'],
    [{ style_guide: { mood: 'x' } }, 'style_guide'],
    [{ version: 0 }, 'version'],
  ])('rejects %j with a 422 on %s and changes nothing', async (body, field) => {
    const project = await createProject(alice);
    const res = await as(t.app, alice).put(url(project.id), body);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ success: false, code: 'validation_failed' });
    expect(res.json().details.map((d: { field: string }) => d.field)).toContain(field);
    expect((await as(t.app, alice).get(url(project.id))).json().data.version).toBe(1);
  });

  it('checks reference images: own image of the project ok, unknown 404, image of another project 422', async () => {
    const project = await createProject(alice);
    const other = await createProject(alice);
    const image = (projectId: string) => ({ id: newId(), owner_id: alice.id, project_id: projectId, panel_id: null, source: 'upload', sha256: 'a'.repeat(64) });
    const [mine, elsewhere] = [image(project.id), image(other.id)];
    await t.container.store.insertMany('images', [mine, elsewhere]);

    const good = await as(t.app, alice).put(url(project.id), { reference_image_ids: [mine.id] });
    expect(good.statusCode).toBe(200);
    expect(good.json().data.reference_image_ids).toEqual([mine.id]);

    expect((await as(t.app, alice).put(url(project.id), { reference_image_ids: [newId()] })).statusCode).toBe(404);
    const foreign = await as(t.app, alice).put(url(project.id), { reference_image_ids: [elsewhere.id] });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.json().details[0].field).toBe('reference_image_ids');
  });

  it("is a 404 for another user's project and leaves it unchanged", async () => {
    const project = await createProject(alice);
    const res = await as(t.app, bob).put(url(project.id), { mood: 'hijacked' });
    expect(res.statusCode).toBe(404);
    expect((await as(t.app, alice).get(url(project.id))).json().data).toMatchObject({ mood: '', version: 1 });
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const path = doc.paths['/api/v1/projects/{project_id}/style-guide'];
    expect(path.get.tags).toEqual(['style-guides']);
    expect(path.put.requestBody.content['application/json'].schema.properties).toHaveProperty('aspect_ratio');
    expect(path.put.responses['200']).toBeDefined();
    expect(path.put.responses['409']).toBeDefined();
  });
});
