import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg, uploadImage } from './images.fixtures.js';
import {
  V1,
  addPanel,
  addScene,
  buildWorld,
  expectDense,
  addPanelInstruction,
  addProjectRef,
  instructionStatus,
  listAll,
  makeScene,
  speech,
  type PanelsWorld,
  type SceneIds,
} from './panels.fixtures.js';

let w: PanelsWorld;
let scene: SceneIds;
const MISSING = '0123456789abcdef01234567';

beforeAll(async () => {
  w = await buildWorld();
  scene = await makeScene(w.a);
});
afterAll(() => w.t.close());

describe('POST /scenes/{scene_id}/panels', () => {
  it('creates a panel with documented defaults, a Location header and version 1', async () => {
    const { sceneId, projectId, chapterId } = await makeScene(w.a);
    const response = await w.a.post(`${V1}/scenes/${sceneId}/panels`, {});
    expect(response.statusCode).toBe(201);
    const panel = response.json().data;
    expect(response.headers.location).toBe(`/api/v1/panels/${panel.id}`);
    expect(panel).toMatchObject({
      owner_id: w.alice.id,
      project_id: projectId,
      chapter_id: chapterId,
      scene_id: sceneId,
      order: 0,
      version: 1,
      description: '',
      shot_type: null,
      camera_angle: '',
      character_ids: [],
      location_id: null,
      visual_prompt: '',
      image_id: null,
      notes: '',
      dialogue: [],
    });
    expect(panel.id).toMatch(/^[0-9a-f]{24}$/);
  });

  it('stores the fields sent, numbers the bubbles and gives each a fresh id', async () => {
    const hero = await addProjectRef(w.a, 'characters', scene.projectId);
    const place = await addProjectRef(w.a, 'locations', scene.projectId);
    const panel = await addPanel(w.a, scene.sceneId, {
      description: 'Rooftop at night',
      shot_type: 'wide',
      camera_angle: 'low',
      character_ids: [hero],
      location_id: place,
      visual_prompt: 'rain, neon',
      notes: 'n',
      dialogue: [speech('Hello', { character_id: hero, id: MISSING }), { type: 'caption', text: 'Later...' }],
    });
    expect(panel).toMatchObject({ chapter_id: scene.chapterId, shot_type: 'wide', camera_angle: 'low', character_ids: [hero], location_id: place });
    expect(panel.dialogue.map((b) => [b.type, b.character_id, b.text, b.order])).toEqual([
      ['speech', hero, 'Hello', 0],
      ['caption', null, 'Later...', 1],
    ]);
    expect(panel.dialogue[0]!.id).not.toBe(MISSING);
    expect(new Set(panel.dialogue.map((b) => b.id)).size).toBe(2);
    expect(await w.a.get(`${V1}/panels/${panel.id}`).then((r) => r.json().data)).toEqual(panel);
  });

  it('appends by default and inserts at `order`, shifting the later panels', async () => {
    const { sceneId } = await makeScene(w.a);
    const p0 = await addPanel(w.a, sceneId);
    const p1 = await addPanel(w.a, sceneId);
    expect([p0.order, p1.order]).toEqual([0, 1]);
    const first = await addPanel(w.a, sceneId, { order: 0 });
    const middle = await addPanel(w.a, sceneId, { order: 2 });
    const last = await addPanel(w.a, sceneId, { order: 4 });
    expect(await expectDense(w.a, sceneId)).toEqual([first.id, p0.id, middle.id, p1.id, last.id]);
    const bad = await w.a.post(`${V1}/scenes/${sceneId}/panels`, { order: 6 });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().details).toEqual([{ field: 'order', message: 'must be between 0 and 5' }]);
    expect(await listAll(w.a, sceneId)).toHaveLength(5);
  });

  it.each([
    [{ shot_type: 'bogus' }, 'shot_type'],
    [{ order: -1 }, 'order'],
    [{ colour: 'red' }, 'colour'],
    [{ owner_id: MISSING }, 'owner_id'],
    [{ character_ids: ['nope'] }, 'character_ids.0'],
    [{ character_ids: [MISSING, MISSING] }, 'character_ids'],
    [{ location_id: 'x' }, 'location_id'],
    [{ description: 'x'.repeat(10_001) }, 'description'],
    [{ dialogue: [{ type: 'song', text: 'la' }] }, 'dialogue.0.type'],
    [{ dialogue: [{ type: 'speech', text: '' }] }, 'dialogue.0.text'],
    [{ dialogue: [{ type: 'speech', text: 'x'.repeat(2001) }] }, 'dialogue.0.text'],
    [{ dialogue: [{ type: 'speech' }] }, 'dialogue.0.text'],
    [{ dialogue: [{ type: 'speech', text: 'a', mood: 'sad' }] }, 'dialogue.0.mood'],
  ])('rejects %j with a 422 on %s', async (body, field) => {
    const response = await w.a.post(`${V1}/scenes/${scene.sceneId}/panels`, body);
    expect(response.statusCode).toBe(422);
    expect(response.json().code).toBe('validation_failed');
    expect(response.json().details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('rejects references outside the project and speakers on captions/sfx with a 422', async () => {
    const other = await makeScene(w.a);
    const foreignCharacter = await addProjectRef(w.a, 'characters', other.projectId);
    const foreignLocation = await addProjectRef(w.a, 'locations', other.projectId);
    const hero = await addProjectRef(w.a, 'characters', scene.projectId);
    const cases: [Record<string, unknown>, string][] = [
      [{ character_ids: [foreignCharacter] }, 'character_ids'],
      [{ character_ids: [MISSING] }, 'character_ids'],
      [{ location_id: foreignLocation }, 'location_id'],
      [{ dialogue: [speech('a', { character_id: hero }), speech('b', { character_id: foreignCharacter })] }, 'dialogue.1.character_id'],
      [{ dialogue: [{ type: 'caption', text: 'c', character_id: hero }] }, 'dialogue.0.character_id'],
      [{ dialogue: [{ type: 'sfx', text: 'BOOM', character_id: hero }] }, 'dialogue.0.character_id'],
      [{ dialogue: [speech('a', { order: 1 })] }, 'dialogue.0.order'],
    ];
    const before = await listAll(w.a, scene.sceneId);
    for (const [body, field] of cases) {
      const response = await w.a.post(`${V1}/scenes/${scene.sceneId}/panels`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
      expect(response.json().details[0].field).toBe(field);
    }
    expect(await listAll(w.a, scene.sceneId)).toHaveLength(before.length);
  });

  it('404s for an unknown or another user\'s scene and 422s for a malformed id', async () => {
    expect((await w.a.post(`${V1}/scenes/${MISSING}/panels`, {})).statusCode).toBe(404);
    expect((await w.b.post(`${V1}/scenes/${scene.sceneId}/panels`, {})).statusCode).toBe(404);
    expect((await w.a.post(`${V1}/scenes/not-an-id/panels`, {})).statusCode).toBe(422);
  });
});

describe('GET /scenes/{scene_id}/panels', () => {
  let sceneId: string;
  let ids: string[];
  beforeAll(async () => {
    ({ sceneId } = await makeScene(w.a));
    ids = [];
    for (let i = 0; i < 5; i++) ids.push((await addPanel(w.a, sceneId, { description: `p${i}` })).id);
    await w.a.post(`${V1}/scenes/${sceneId}/reorder-panels`, { panel_ids: [...ids].reverse() });
  });

  it('pages in order by default', async () => {
    const page = (await w.a.get(`${V1}/scenes/${sceneId}/panels?skip=1&limit=2`)).json().data;
    expect(page).toMatchObject({ total: 5, skip: 1, limit: 2, has_more: true });
    expect(page.items.map((p: { id: string }) => p.id)).toEqual([ids[3], ids[2]]);
    const tail = (await w.a.get(`${V1}/scenes/${sceneId}/panels?skip=3&limit=2`)).json().data;
    expect(tail).toMatchObject({ total: 5, has_more: false });
    expect(tail.items.map((p: { order: number }) => p.order)).toEqual([3, 4]);
    const defaults = (await w.a.get(`${V1}/scenes/${sceneId}/panels`)).json().data;
    expect(defaults).toMatchObject({ skip: 0, limit: 20, total: 5, has_more: false });
  });

  it('sorts by -order, created_at and -created_at', async () => {
    const get = async (sort: string): Promise<string[]> =>
      (await w.a.get(`${V1}/scenes/${sceneId}/panels?sort=${sort}`)).json().data.items.map((p: { id: string }) => p.id);
    expect(await get('-order')).toEqual(ids);
    expect(await get('created_at')).toEqual(ids);
    // Panels made in the same millisecond tie on created_at, so check the sort rather than exact ids.
    const newestFirst = (await w.a.get(`${V1}/scenes/${sceneId}/panels?sort=-created_at`)).json().data.items;
    const stamps = newestFirst.map((p: { created_at: string }) => p.created_at);
    expect(stamps).toEqual([...stamps].sort().reverse());
    expect(new Set(newestFirst.map((p: { id: string }) => p.id))).toEqual(new Set(ids));
  });

  it('only lists the panels of that scene', async () => {
    const { chapterId } = await makeScene(w.a);
    const otherScene = await addScene(w.a, chapterId);
    await addPanel(w.a, otherScene);
    expect((await w.a.get(`${V1}/scenes/${sceneId}/panels`)).json().data.total).toBe(5);
    expect((await w.a.get(`${V1}/scenes/${otherScene}/panels`)).json().data.total).toBe(1);
  });

  it.each(['sort=title', 'limit=0', 'limit=101', 'skip=-1', 'page=2'])('rejects ?%s with a 422', async (query) => {
    expect((await w.a.get(`${V1}/scenes/${sceneId}/panels?${query}`)).statusCode).toBe(422);
  });

  it('404s for another user\'s scene', async () => {
    expect((await w.b.get(`${V1}/scenes/${sceneId}/panels`)).statusCode).toBe(404);
    expect((await w.a.get(`${V1}/scenes/${MISSING}/panels`)).statusCode).toBe(404);
  });
});

describe('GET/PUT/DELETE /panels/{panel_id}', () => {
  it('gets a panel; unknown is a 404, malformed a 422', async () => {
    const panel = await addPanel(w.a, scene.sceneId, { notes: 'get me' });
    expect((await w.a.get(`${V1}/panels/${panel.id}`)).json().data).toEqual(panel);
    expect((await w.a.get(`${V1}/panels/${MISSING}`)).statusCode).toBe(404);
    expect((await w.a.get(`${V1}/panels/xyz`)).statusCode).toBe(422);
  });

  it('updates only the fields sent, bumps version and honours a version check', async () => {
    const place = await addProjectRef(w.a, 'locations', scene.projectId);
    const panel = await addPanel(w.a, scene.sceneId, { description: 'before', notes: 'keep', dialogue: [speech('hi')] });
    const image = (await uploadImage(w.t.app, w.alice, scene.projectId, await jpeg())).id;
    const put = await w.a.put(`${V1}/panels/${panel.id}`, { description: 'after', shot_type: 'close_up', location_id: place, image_id: image, version: 1 });
    expect(put.statusCode).toBe(200);
    const updated = put.json().data;
    expect(updated).toMatchObject({ description: 'after', shot_type: 'close_up', location_id: place, image_id: image, notes: 'keep', version: 2, order: panel.order });
    expect(updated.dialogue).toEqual(panel.dialogue);
    expect(updated.updated_at >= panel.updated_at).toBe(true);

    const stale = await w.a.put(`${V1}/panels/${panel.id}`, { description: 'lost', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'version_conflict', details: { current_version: 2 } });
    expect((await w.a.get(`${V1}/panels/${panel.id}`)).json().data).toMatchObject({ description: 'after', version: 2 });

    const cleared = (await w.a.put(`${V1}/panels/${panel.id}`, { shot_type: null, location_id: null, image_id: null })).json().data;
    expect(cleared).toMatchObject({ shot_type: null, location_id: null, image_id: null, description: 'after', version: 3 });
  });

  it('rejects bad updates with a 422 and changes nothing', async () => {
    const other = await makeScene(w.a);
    const foreign = await addProjectRef(w.a, 'characters', other.projectId);
    const panel = await addPanel(w.a, scene.sceneId);
    for (const body of [{ order: 0 }, { dialogue: [] }, { scene_id: other.sceneId }, { character_ids: [foreign] }, { shot_type: 'far' }, { version: 0 }]) {
      const response = await w.a.put(`${V1}/panels/${panel.id}`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
    }
    expect((await w.a.get(`${V1}/panels/${panel.id}`)).json().data.version).toBe(1);
  });

  it('deletes a panel with its instructions and closes the gap', async () => {
    const { sceneId } = await makeScene(w.a);
    const panels = [];
    for (let i = 0; i < 4; i++) panels.push(await addPanel(w.a, sceneId));
    const doomed = panels[1]!;
    const doomedInstruction = await addPanelInstruction(w.a, doomed.id);
    const survivor = await addPanelInstruction(w.a, panels[2]!.id);
    const response = await w.a.delete(`${V1}/panels/${doomed.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toEqual({ id: doomed.id, deleted: true });
    expect((await w.a.get(`${V1}/panels/${doomed.id}`)).statusCode).toBe(404);
    expect(await expectDense(w.a, sceneId)).toEqual([panels[0]!.id, panels[2]!.id, panels[3]!.id]);
    expect(await instructionStatus(w.a, doomedInstruction)).toBe(404);
    expect(await instructionStatus(w.a, survivor)).toBe(200);
    expect((await w.a.delete(`${V1}/panels/${doomed.id}`)).statusCode).toBe(404);
  });
});

describe('POST /scenes/{scene_id}/reorder-panels', () => {
  it('applies a permutation and answers the panels in their new order', async () => {
    const { sceneId } = await makeScene(w.a);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await addPanel(w.a, sceneId)).id);
    const wanted = [ids[2]!, ids[0]!, ids[3]!, ids[1]!];
    const response = await w.a.post(`${V1}/scenes/${sceneId}/reorder-panels`, { panel_ids: wanted });
    expect(response.statusCode).toBe(200);
    expect(response.json().data.map((p: { id: string; order: number }) => [p.id, p.order])).toEqual(wanted.map((id, i) => [id, i]));
    expect(await expectDense(w.a, sceneId)).toEqual(wanted);
  });

  it('rejects anything but a permutation of the scene\'s panels with a 422', async () => {
    const { sceneId, chapterId } = await makeScene(w.a);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await addPanel(w.a, sceneId)).id);
    const elsewhere = await addPanel(w.a, await addScene(w.a, chapterId));
    const bodies = [
      { panel_ids: ids.slice(0, 2) },
      { panel_ids: [...ids, elsewhere.id] },
      { panel_ids: [ids[0], ids[0], ids[1]] },
      { panel_ids: [ids[0], ids[1], elsewhere.id] },
      { panel_ids: [ids[0], ids[1], MISSING] },
      { panel_ids: [] },
      { panel_ids: ['nope'] },
      {},
      { panel_ids: ids, extra: true },
    ];
    for (const body of bodies) {
      const response = await w.a.post(`${V1}/scenes/${sceneId}/reorder-panels`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
    }
    expect(await expectDense(w.a, sceneId)).toEqual(ids);
  });
});
