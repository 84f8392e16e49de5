/** Scene ordering invariants (including a seeded random sequence) and the delete cascade. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import type { StoredDoc } from '../../src/ports/document-store.js';
import { newId } from '../../src/lib/ids.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';

let t: TestApp;
let alice: TestUser;
let api: ReturnType<typeof as>;

type Json = StoredDoc & { order: number } & Record<string, unknown>;

/** Documents of other modules (characters, panels, instructions) go straight into the store, so these tests do not depend on those modules. */
const insert = async (collection: string, doc: Record<string, unknown>) =>
  (await t.container.store.insert<StoredDoc & Record<string, unknown>>(collection, { id: newId(), owner_id: alice.id, ...doc })).id;

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

/** Orders are exactly 0..n-1 and the ids come in `expected` order. */
async function expectOrder(chapterId: string, expected: string[]): Promise<void> {
  const res = await api.get(`/api/v1/chapters/${chapterId}/scenes?limit=100`);
  expect(res.statusCode).toBe(200);
  const items: { id: string; order: number }[] = res.json().data.items;
  expect(items.map((s) => s.order)).toEqual(expected.map((_, index) => index));
  expect(items.map((s) => s.id)).toEqual(expected);
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

describe('scene ordering', () => {
  it('inserts at a position, moves with PUT order and closes the gap on delete', async () => {
    const chapterId = await newChapter(await newProject());
    const a = await newScene(chapterId, { title: 'A' });
    const b = await newScene(chapterId, { title: 'B', order: 0 });
    const c = await newScene(chapterId, { title: 'C', order: 1 });
    const d = await newScene(chapterId, { title: 'D', order: 3 });
    await expectOrder(chapterId, [b.id, c.id, a.id, d.id]);

    const moved = await api.put(`/api/v1/scenes/${b.id}`, { order: 2 });
    expect(moved.json().data).toMatchObject({ order: 2 });
    await expectOrder(chapterId, [c.id, a.id, b.id, d.id]);

    expect((await api.delete(`/api/v1/scenes/${a.id}`)).statusCode).toBe(200);
    await expectOrder(chapterId, [c.id, b.id, d.id]);
  });

  it('keeps orders dense over a random sequence of creates, deletes and moves (seeded)', async () => {
    const chapterId = await newChapter(await newProject('Property'));
    const random = prng(77);
    const model: string[] = [];
    for (let step = 0; step < 60; step++) {
      const op = model.length === 0 ? 0 : random(4);
      if (op <= 1) {
        const append = random(4) === 0;
        const position = append ? model.length : random(model.length + 1);
        const scene = await newScene(chapterId, { title: `s${step}`, ...(append ? {} : { order: position }) });
        expect(scene.order).toBe(position);
        model.splice(position, 0, scene.id);
      } else if (op === 2) {
        const [id] = model.splice(random(model.length), 1);
        expect((await api.delete(`/api/v1/scenes/${id}`)).statusCode).toBe(200);
      } else {
        const from = random(model.length);
        const to = random(model.length);
        const id = model[from]!;
        const res = await api.put(`/api/v1/scenes/${id}`, { order: to });
        expect(res.statusCode, res.body).toBe(200);
        model.splice(from, 1);
        model.splice(to, 0, id);
      }
      await expectOrder(chapterId, model);
    }
  });
});

describe('scene delete cascade', () => {
  it('removes its panels and the instructions scoped to it or its panels, nothing else', async () => {
    const projectId = await newProject();
    const chapterId = await newChapter(projectId);
    const doomed = await newScene(chapterId);
    const kept = await newScene(chapterId);
    const { store } = t.container;
    const panel = (sceneId: string, order: number) => insert('panels', { project_id: projectId, chapter_id: chapterId, scene_id: sceneId, order });
    const doomedPanels = [await panel(doomed.id, 0), await panel(doomed.id, 1)];
    const keptPanel = await panel(kept.id, 0);
    const instruction = (type: string, id: string) => insert('instructions', { project_id: projectId, scope: { type, id }, scope_id: id, content: 'x' });
    const gone = [await instruction('scene', doomed.id), await instruction('panel', doomedPanels[1]!)];
    const stay = [await instruction('chapter', chapterId), await instruction('scene', kept.id), await instruction('panel', keptPanel)];

    const seen: AppEvent[] = [];
    const stop = t.container.events.subscribe((event) => seen.push(event));
    try {
      expect((await api.delete(`/api/v1/scenes/${doomed.id}`)).statusCode).toBe(200);
    } finally {
      stop();
    }

    for (const id of doomedPanels) expect(await store.get('panels', id)).toBeNull();
    expect(await store.get('panels', keptPanel)).not.toBeNull();
    for (const id of gone) expect(await store.get('instructions', id)).toBeNull();
    for (const id of stay) expect(await store.get('instructions', id)).not.toBeNull();
    await expectOrder(chapterId, [kept.id]);

    const parent = { type: 'chapter', id: chapterId };
    expect(seen.map((e) => e.data)).toEqual([
      { resource: 'scene', id: doomed.id, action: 'deleted', version: null, parent },
      { resource: 'scene', id: kept.id, action: 'updated', version: 2, parent },
    ]);
  });
});
