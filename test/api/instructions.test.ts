import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { story, type Created } from '../helpers/story-fixtures.js';

let t: TestApp;
let alice: TestUser;
let a: ReturnType<typeof story>;
let b: ReturnType<typeof story>;

beforeAll(async () => {
  t = await buildTestApp();
  alice = await createUser(t.app);
  a = story(t.app, alice);
  b = story(t.app, await createUser(t.app));
});
afterAll(() => t.close());

const missingId = 'ffffffffffffffffffffffff';
const contents = (items: unknown) => (items as { content: string }[]).map((item) => item.content);

/** A project with chapter > scene > panel, plus a sibling at each level. */
async function tree() {
  const project = await a.project();
  const chapter = await a.chapter(project.id);
  const otherChapter = await a.chapter(project.id);
  const scene = await a.scene(chapter.id);
  const otherScene = await a.scene(chapter.id);
  const panel = await a.panel(scene.id);
  const otherPanel = await a.panel(scene.id);
  return { project, chapter, otherChapter, scene, otherScene, panel, otherPanel };
}

async function instruction(url: string, body: Record<string, unknown>) {
  const res = await a.api.post(url, body);
  expect(res.statusCode).toBe(201);
  return res.json().data as Created & { content: string };
}

describe('instruction CRUD', () => {
  it('creates a project instruction with defaults and a Location header', async () => {
    const { project } = await tree();
    const res = await a.api.post(`/api/v1/projects/${project.id}/instructions`, { content: 'Keep it moody' });
    expect(res.statusCode).toBe(201);
    const data = res.json().data;
    expect(res.headers.location).toBe(`/api/v1/instructions/${data.id}`);
    expect(data).toMatchObject({ project_id: project.id, scope: { type: 'project', id: project.id }, content: 'Keep it moody', priority: 0, enabled: true, version: 1 });
    expect(data).not.toHaveProperty('scope_id');
    expect((await a.api.get(res.headers.location as string)).json().data).toEqual(data);
  });

  it('creates scoped instructions through the chapter, scene and panel routes and through a body scope', async () => {
    const { project, chapter, scene, panel } = await tree();
    for (const [type, id] of [['chapter', chapter.id], ['scene', scene.id], ['panel', panel.id]] as const) {
      const res = await a.api.post(`/api/v1/${type}s/${id}/instructions`, { content: `${type} rule`, priority: 2, enabled: false });
      expect(res.statusCode).toBe(201);
      expect(res.headers.location).toBe(`/api/v1/instructions/${res.json().data.id}`);
      expect(res.json().data).toMatchObject({ project_id: project.id, scope: { type, id }, priority: 2, enabled: false });
    }
    const viaBody = await instruction(`/api/v1/projects/${project.id}/instructions`, { content: 'x', scope: { type: 'scene', id: scene.id } });
    expect(viaBody.scope).toEqual({ type: 'scene', id: scene.id });
  });

  it.each([
    ['a missing content', {}],
    ['an empty content', { content: '' }],
    ['a content over 4000 characters', { content: 'x'.repeat(4001) }],
    ['a non-integer priority', { content: 'x', priority: 1.5 }],
    ['an unknown field', { content: 'x', weight: 1 }],
    ['a bad scope type', { content: 'x', scope: { type: 'book', id: missingId } }],
    ['a malformed scope id', { content: 'x', scope: { type: 'chapter', id: 'abc' } }],
    ['a scope with an extra field', { content: 'x', scope: { type: 'chapter', id: missingId, deep: true } }],
    ['a scope pointing at nothing', { content: 'x', scope: { type: 'panel', id: missingId } }],
  ])('rejects %s with a 422', async (_label, body) => {
    const { project } = await tree();
    const res = await a.api.post(`/api/v1/projects/${project.id}/instructions`, body);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('validation_failed');
  });

  it('rejects a scope id of another project (422), including another project id', async () => {
    const mine = await tree();
    const theirs = await tree();
    for (const scope of [
      { type: 'chapter', id: theirs.chapter.id },
      { type: 'scene', id: theirs.scene.id },
      { type: 'panel', id: theirs.panel.id },
      { type: 'project', id: theirs.project.id },
      { type: 'scene', id: mine.chapter.id },
    ]) {
      const res = await a.api.post(`/api/v1/projects/${mine.project.id}/instructions`, { content: 'x', scope });
      expect(res.statusCode).toBe(422);
      expect(res.json().details[0].field).toBe('scope.id');
    }
    expect((await a.read(`/api/v1/projects/${mine.project.id}/instructions`)).total).toBe(0);
  });

  it('rejects a scope in the body of a scoped route (422)', async () => {
    const { chapter } = await tree();
    const res = await a.api.post(`/api/v1/chapters/${chapter.id}/instructions`, { content: 'x', scope: { type: 'chapter', id: chapter.id } });
    expect(res.statusCode).toBe(422);
  });

  it('lists every scope, filters by scope_type and enabled, sorts by priority or created_at', async () => {
    const { project, chapter, scene } = await tree();
    await instruction(`/api/v1/projects/${project.id}/instructions`, { content: 'p-low', priority: -1 });
    await instruction(`/api/v1/chapters/${chapter.id}/instructions`, { content: 'c-high', priority: 9 });
    await instruction(`/api/v1/scenes/${scene.id}/instructions`, { content: 's-off', priority: 3, enabled: false });
    await instruction(`/api/v1/scenes/${scene.id}/instructions`, { content: 's-on', priority: 3 });
    const all = await a.read(`/api/v1/projects/${project.id}/instructions`);
    expect(all.total).toBe(4);
    expect(contents(all.items)).toEqual(['c-high', 's-off', 's-on', 'p-low']);
    expect(contents((await a.read(`/api/v1/projects/${project.id}/instructions?sort=created_at`)).items)).toEqual(['p-low', 'c-high', 's-off', 's-on']);
    expect(contents((await a.read(`/api/v1/projects/${project.id}/instructions?scope_type=scene`)).items)).toEqual(['s-off', 's-on']);
    expect(contents((await a.read(`/api/v1/projects/${project.id}/instructions?enabled=false`)).items)).toEqual(['s-off']);
    expect(contents((await a.read(`/api/v1/projects/${project.id}/instructions?scope_type=scene&enabled=true`)).items)).toEqual(['s-on']);
    const page = await a.read(`/api/v1/projects/${project.id}/instructions?limit=1&skip=1&sort=priority`);
    expect(page).toMatchObject({ total: 4, skip: 1, limit: 1, has_more: true });
    expect(contents(page.items)).toEqual(['s-off']);
    for (const query of ['sort=content', 'scope_type=book', 'enabled=maybe', 'limit=0']) {
      expect((await a.api.get(`/api/v1/projects/${project.id}/instructions?${query}`)).statusCode).toBe(422);
    }
  });

  it('updates partially, honours version, toggles and deletes', async () => {
    const { project } = await tree();
    const created = await instruction(`/api/v1/projects/${project.id}/instructions`, { content: 'Old', priority: 1 });
    const url = `/api/v1/instructions/${created.id}`;
    const updated = await a.api.put(url, { content: 'New', version: 1 });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().data).toMatchObject({ content: 'New', priority: 1, enabled: true, version: 2 });
    expect((await a.api.put(url, { priority: 5, version: 1 })).statusCode).toBe(409);
    expect((await a.api.put(url, { content: 'x'.repeat(4001) })).statusCode).toBe(422);
    expect((await a.api.put(url, { scope: { type: 'project', id: project.id } })).statusCode).toBe(422);
    expect(await a.read(url)).toMatchObject({ content: 'New', priority: 1, version: 2 });

    const off = await a.api.post(`${url}/toggle`);
    expect(off.statusCode).toBe(200);
    expect(off.json().data).toMatchObject({ enabled: false, version: 3 });
    const on = await t.app.inject({ method: 'POST', url: `${url}/toggle`, headers: alice.auth });
    expect(on.statusCode).toBe(200);
    expect(on.json().data).toMatchObject({ enabled: true, version: 4 });
    expect((await a.api.post(`${url}/toggle`, { version: 3 })).statusCode).toBe(409);
    expect((await a.api.post(`${url}/toggle`, { flip: true })).statusCode).toBe(422);
    expect((await a.api.post(`${url}/toggle`, { version: 4 })).json().data).toMatchObject({ enabled: false, version: 5 });

    const deleted = await a.api.delete(url);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json().data).toEqual({ id: created.id, deleted: true });
    expect((await a.api.get(url)).statusCode).toBe(404);
  });

  it("answers 404 for another user's resources on every route", async () => {
    const { project, chapter, scene, panel } = await tree();
    const own = await instruction(`/api/v1/projects/${project.id}/instructions`, { content: 'Mine' });
    for (const call of [
      () => b.api.get(`/api/v1/projects/${project.id}/instructions`),
      () => b.api.post(`/api/v1/projects/${project.id}/instructions`, { content: 'x' }),
      () => b.api.post(`/api/v1/chapters/${chapter.id}/instructions`, { content: 'x' }),
      () => b.api.post(`/api/v1/scenes/${scene.id}/instructions`, { content: 'x' }),
      () => b.api.post(`/api/v1/panels/${panel.id}/instructions`, { content: 'x' }),
      () => b.api.get(`/api/v1/instructions/${own.id}`),
      () => b.api.put(`/api/v1/instructions/${own.id}`, { content: 'Theirs' }),
      () => b.api.delete(`/api/v1/instructions/${own.id}`),
      () => b.api.post(`/api/v1/instructions/${own.id}/toggle`),
      () => b.api.get(`/api/v1/instructions/applicable?scope=panel&id=${panel.id}`),
      () => b.api.get(`/api/v1/instructions/applicable?scope=project&id=${project.id}`),
      () => a.api.get(`/api/v1/instructions/applicable?scope=scene&id=${missingId}`),
      () => a.api.get(`/api/v1/instructions/applicable?scope=scene&id=${panel.id}`),
      () => a.api.post(`/api/v1/panels/${missingId}/instructions`, { content: 'x' }),
    ]) {
      const res = await call();
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    expect(await a.read(`/api/v1/instructions/${own.id}`)).toMatchObject({ content: 'Mine', enabled: true, version: 1 });
    expect((await a.read(`/api/v1/projects/${project.id}/instructions`)).total).toBe(1);
  });
});

describe('applicable instructions', () => {
  it('orders project, chapter, scene, panel levels, each by priority then age, without disabled or sibling ones', async () => {
    const { project, chapter, otherChapter, scene, otherScene, panel, otherPanel } = await tree();
    const make = (path: string, content: string, priority = 0, enabled = true) =>
      instruction(`/api/v1/${path}/instructions`, { content, priority, enabled });
    // Created deliberately out of their applicable order.
    await make(`panels/${panel.id}`, 'panel low', -5);
    await make(`scenes/${scene.id}`, 'scene first', 0);
    await make(`chapters/${chapter.id}`, 'chapter low', 1);
    await make(`panels/${panel.id}`, 'panel high', 3);
    await make(`projects/${project.id}`, 'project low', 0);
    await make(`scenes/${scene.id}`, 'scene second', 0);
    await make(`chapters/${chapter.id}`, 'chapter high', 10);
    await make(`projects/${project.id}`, 'project high', 5);
    await make(`projects/${project.id}`, 'project disabled', 99, false);
    await make(`panels/${panel.id}`, 'panel disabled', 50, false);
    await make(`chapters/${otherChapter.id}`, 'sibling chapter', 100);
    await make(`scenes/${otherScene.id}`, 'sibling scene', 100);
    await make(`panels/${otherPanel.id}`, 'sibling panel', 100);
    const other = await tree();
    await instruction(`/api/v1/projects/${other.project.id}/instructions`, { content: 'other project', priority: 100 });

    const applicable = async (scope: string, id: string) => {
      const data = await a.read(`/api/v1/instructions/applicable?scope=${scope}&id=${id}`);
      expect(data.scope).toEqual({ type: scope, id });
      return contents(data.items);
    };
    const projectLevel = ['project high', 'project low'];
    const chapterLevel = ['chapter high', 'chapter low'];
    const sceneLevel = ['scene first', 'scene second'];
    expect(await applicable('panel', panel.id)).toEqual([...projectLevel, ...chapterLevel, ...sceneLevel, 'panel high', 'panel low']);
    expect(await applicable('scene', scene.id)).toEqual([...projectLevel, ...chapterLevel, ...sceneLevel]);
    expect(await applicable('chapter', chapter.id)).toEqual([...projectLevel, ...chapterLevel]);
    expect(await applicable('project', project.id)).toEqual(projectLevel);
    expect(await applicable('panel', otherPanel.id)).toEqual([...projectLevel, ...chapterLevel, ...sceneLevel, 'sibling panel']);

    const items = (await a.read(`/api/v1/instructions/applicable?scope=panel&id=${panel.id}`)).items as Created[];
    const projectHigh = items[0]!;
    expect((await a.api.post(`/api/v1/instructions/${projectHigh.id}/toggle`)).statusCode).toBe(200);
    expect(await applicable('scene', scene.id)).toEqual(['project low', ...chapterLevel, ...sceneLevel]);
  });

  it('answers through the static route, not /instructions/:instruction_id, and validates its query', async () => {
    const { project } = await tree();
    const res = await a.api.get(`/api/v1/instructions/applicable?scope=project&id=${project.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ scope: { type: 'project', id: project.id }, items: [] });
    for (const query of ['', `?scope=book&id=${project.id}`, '?scope=panel', `?id=${project.id}`, '?scope=panel&id=nope', `?scope=project&id=${project.id}&x=1`]) {
      const bad = await a.api.get(`/api/v1/instructions/applicable${query}`);
      expect(bad.statusCode).toBe(422);
      expect(bad.json().code).toBe('validation_failed');
    }
  });

  it('is exposed to other modules as applicableFor', async () => {
    const { project, chapter } = await tree();
    await instruction(`/api/v1/chapters/${chapter.id}/instructions`, { content: 'chapter rule' });
    await instruction(`/api/v1/projects/${project.id}/instructions`, { content: 'project rule' });
    const items = await t.container.services.instructions.applicableFor(alice.id, 'chapter', chapter.id);
    expect(items.map((item) => item.content)).toEqual(['project rule', 'chapter rule']);
  });
});

describe('OpenAPI', () => {
  it('documents every instruction, character and location route', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    for (const [path, methods] of Object.entries({
      '/api/v1/projects/{project_id}/instructions': ['get', 'post'],
      '/api/v1/instructions/{instruction_id}': ['get', 'put', 'delete'],
      '/api/v1/instructions/{instruction_id}/toggle': ['post'],
      '/api/v1/instructions/applicable': ['get'],
      '/api/v1/chapters/{chapter_id}/instructions': ['post'],
      '/api/v1/scenes/{scene_id}/instructions': ['post'],
      '/api/v1/panels/{panel_id}/instructions': ['post'],
      '/api/v1/projects/{project_id}/characters': ['get', 'post'],
      '/api/v1/characters/{character_id}': ['get', 'put', 'delete'],
      '/api/v1/characters/{character_id}/appearances': ['get'],
      '/api/v1/projects/{project_id}/locations': ['get', 'post'],
      '/api/v1/locations/{location_id}': ['get', 'put', 'delete'],
      '/api/v1/locations/{location_id}/usage': ['get'],
    })) {
      for (const method of methods) expect(paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });
});
