/** Chapter ordering invariants (including a seeded random sequence) and the delete cascade. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDoc } from '../../src/ports/document-store.js';
import { newId } from '../../src/lib/ids.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';

let t: TestApp;
let alice: TestUser;
let api: ReturnType<typeof as>;

type Json = StoredDoc & { order: number } & Record<string, unknown>;

beforeAll(async () => {
  t = await buildTestApp();
  alice = await createUser(t.app);
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

/** Orders are exactly 0..n-1 and the ids come in `expected` order. */
async function expectOrder(projectId: string, expected: string[]): Promise<void> {
  const items = await listAll(projectId);
  expect(items.map((c) => c.order)).toEqual(expected.map((_, index) => index));
  expect(items.map((c) => c.id)).toEqual(expected);
}

/** Seeded PRNG (mulberry32): an integer in 0..n-1, so a failing sequence replays exactly. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * n);
  };
}

describe('chapter ordering', () => {
  it('inserts at a position, closes the gap on delete and reorders', async () => {
    const projectId = await newProject();
    const a = await newChapter(projectId, { title: 'A' });
    const b = await newChapter(projectId, { title: 'B' });
    const c = await newChapter(projectId, { title: 'C', order: 0 });
    const d = await newChapter(projectId, { title: 'D', order: 2 });
    const e = await newChapter(projectId, { title: 'E', order: 4 });
    await expectOrder(projectId, [c.id, a.id, d.id, b.id, e.id]);

    expect((await api.delete(`/api/v1/chapters/${a.id}`)).statusCode).toBe(200);
    await expectOrder(projectId, [c.id, d.id, b.id, e.id]);

    const moved = await api.post(`/api/v1/chapters/${c.id}/reorder`, { order: 3 });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().data).toMatchObject({ id: c.id, order: 3, version: 2 });
    await expectOrder(projectId, [d.id, b.id, e.id, c.id]);

    const back = await api.post(`/api/v1/chapters/${c.id}/reorder`, { order: 0 });
    expect(back.json().data.order).toBe(0);
    await expectOrder(projectId, [c.id, d.id, b.id, e.id]);

    // Reordering to the current place changes nothing.
    const same = await api.post(`/api/v1/chapters/${c.id}/reorder`, { order: 0 });
    expect(same.json().data).toMatchObject({ order: 0, version: 3 });

    // PUT with order moves the chapter too, bumping its version once.
    const before = (await api.get(`/api/v1/chapters/${d.id}`)).json().data.version;
    const put = await api.put(`/api/v1/chapters/${d.id}`, { order: 3, title: 'D2' });
    expect(put.json().data).toMatchObject({ order: 3, title: 'D2', version: before + 1 });
    await expectOrder(projectId, [c.id, b.id, e.id, d.id]);
  });

  it('keeps orders dense over a random sequence of creates, deletes and moves (seeded)', async () => {
    const projectId = await newProject('Property');
    const random = prng(20240607);
    const model: string[] = [];
    for (let step = 0; step < 60; step++) {
      const op = model.length === 0 ? 0 : random(4);
      if (op === 0 || op === 1) {
        const append = random(4) === 0;
        const position = append ? model.length : random(model.length + 1);
        const chapter = await newChapter(projectId, { title: `c${step}`, ...(append ? {} : { order: position }) });
        expect(chapter.order).toBe(position);
        model.splice(position, 0, chapter.id);
      } else if (op === 2) {
        const [id] = model.splice(random(model.length), 1);
        expect((await api.delete(`/api/v1/chapters/${id}`)).statusCode).toBe(200);
      } else {
        const from = random(model.length);
        const to = random(model.length);
        const id = model[from]!;
        const res = random(2) === 0
          ? await api.post(`/api/v1/chapters/${id}/reorder`, { order: to })
          : await api.put(`/api/v1/chapters/${id}`, { order: to });
        expect(res.statusCode, res.body).toBe(200);
        model.splice(from, 1);
        model.splice(to, 0, id);
      }
      await expectOrder(projectId, model);
    }
  });
});

describe('chapter delete cascade', () => {
  it('removes scenes, panels and scoped instructions of that chapter only', async () => {
    const projectId = await newProject();
    const doomed = await newChapter(projectId, { title: 'Doomed' });
    const kept = await newChapter(projectId, { title: 'Kept' });
    const scene = async (chapterId: string) => {
      const res = await api.post(`/api/v1/chapters/${chapterId}/scenes`, { title: 'S' });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().data.id as string;
    };
    const [s1, s2, s3] = [await scene(doomed.id), await scene(doomed.id), await scene(kept.id)];
    const { store } = t.container;
    const insert = async (collection: string, doc: Record<string, unknown>) =>
      (await store.insert<StoredDoc & Record<string, unknown>>(collection, { id: newId(), owner_id: alice.id, project_id: projectId, ...doc })).id;
    const panel = (chapterId: string, sceneId: string) => insert('panels', { chapter_id: chapterId, scene_id: sceneId, order: 0, dialogue: [] });
    const [p1, p2, p3] = [await panel(doomed.id, s1), await panel(doomed.id, s2), await panel(kept.id, s3)];
    const instruction = (type: string, id: string) =>
      insert('instructions', { scope: { type, id }, scope_type: type, scope_id: id, content: 'x', priority: 0, enabled: true });
    const gone = [await instruction('chapter', doomed.id), await instruction('scene', s1), await instruction('panel', p2)];
    const stay = [await instruction('project', projectId), await instruction('chapter', kept.id), await instruction('scene', s3), await instruction('panel', p3)];

    expect((await api.delete(`/api/v1/chapters/${doomed.id}`)).statusCode).toBe(200);

    for (const id of [s1, s2]) expect((await api.get(`/api/v1/scenes/${id}`)).statusCode).toBe(404);
    expect((await api.get(`/api/v1/scenes/${s3}`)).statusCode).toBe(200);
    for (const id of [p1, p2]) expect(await store.get('panels', id)).toBeNull();
    expect(await store.get('panels', p3)).not.toBeNull();
    for (const id of gone) expect(await store.get('instructions', id)).toBeNull();
    for (const id of stay) expect(await store.get('instructions', id)).not.toBeNull();
    expect(await store.count('scenes', { chapter_id: doomed.id })).toBe(0);
    // The kept chapter moved up to close the gap.
    await expectOrder(projectId, [kept.id]);
  });
});
