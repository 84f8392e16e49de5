import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import {
  V1,
  addPanel,
  addScene,
  buildWorld,
  expectDense,
  addPanelInstruction,
  addProjectRef,
  instructionStatus,
  makeScene,
  speech,
  type PanelJson,
  type PanelsWorld,
} from './panels.fixtures.js';

let w: PanelsWorld;
const MISSING = '0123456789abcdef01234567';

beforeAll(async () => {
  w = await buildWorld();
});
afterAll(() => w.t.close());

const bubbles = (count: number) => Array.from({ length: count }, (_, i) => speech(`line ${i}`));
const texts = (panel: PanelJson) => panel.dialogue.map((b) => b.text);
const orders = (panel: PanelJson) => panel.dialogue.map((b) => b.order);

describe('POST /panels/{panel_id}/split', () => {
  it('moves bubbles ceil(n/2).. to a new panel right after this one, copying the staging fields', async () => {
    const { sceneId, projectId } = await makeScene(w.a);
    const hero = await addProjectRef(w.a, 'characters', projectId);
    const place = await addProjectRef(w.a, 'locations', projectId);
    const before = await addPanel(w.a, sceneId);
    const panel = await addPanel(w.a, sceneId, {
      description: 'Two beats',
      shot_type: 'over_the_shoulder',
      camera_angle: 'dutch',
      character_ids: [hero],
      location_id: place,
      visual_prompt: 'only for the original',
      image_id: MISSING,
      notes: 'original notes',
      dialogue: bubbles(5),
    });
    const after = await addPanel(w.a, sceneId);
    const instruction = await addPanelInstruction(w.a, panel.id);

    const response = await w.a.post(`${V1}/panels/${panel.id}/split`);
    expect(response.statusCode).toBe(200);
    const { panel: kept, new_panel: fresh } = response.json().data as { panel: PanelJson; new_panel: PanelJson };
    expect(texts(kept)).toEqual(['line 0', 'line 1', 'line 2']);
    expect(texts(fresh)).toEqual(['line 3', 'line 4']);
    expect(orders(kept)).toEqual([0, 1, 2]);
    expect(orders(fresh)).toEqual([0, 1]);
    expect([...kept.dialogue, ...fresh.dialogue].map((b) => b.id)).toEqual(panel.dialogue.map((b) => b.id));
    expect(kept).toMatchObject({ id: panel.id, order: 1, version: 2, visual_prompt: 'only for the original', image_id: MISSING, notes: 'original notes' });
    expect(fresh).toMatchObject({
      order: 2,
      version: 1,
      scene_id: sceneId,
      project_id: projectId,
      chapter_id: panel.chapter_id,
      owner_id: w.alice.id,
      description: 'Two beats',
      shot_type: 'over_the_shoulder',
      camera_angle: 'dutch',
      character_ids: [hero],
      location_id: place,
      visual_prompt: '',
      image_id: null,
      notes: '',
    });
    expect(fresh.id).not.toBe(panel.id);
    expect(await expectDense(w.a, sceneId)).toEqual([before.id, panel.id, fresh.id, after.id]);
    expect((await w.a.get(`${V1}/panels/${fresh.id}`)).json().data).toEqual(fresh);
    // Instructions stay with the original panel.
    expect((await w.a.get(`${V1}/instructions/${instruction}`)).json().data.scope).toEqual({ type: 'panel', id: panel.id });
  });

  it.each([
    [0, [], ['a', 'b', 'c', 'd']],
    [1, ['a'], ['b', 'c', 'd']],
    [4, ['a', 'b', 'c', 'd'], []],
  ])('splits at dialogue_index %i', async (index, keep, move) => {
    const { sceneId } = await makeScene(w.a);
    const panel = await addPanel(w.a, sceneId, { dialogue: ['a', 'b', 'c', 'd'].map((t) => speech(t)) });
    const data = (await w.a.post(`${V1}/panels/${panel.id}/split`, { dialogue_index: index })).json().data;
    expect(texts(data.panel)).toEqual(keep);
    expect(texts(data.new_panel)).toEqual(move);
    expect(orders(data.new_panel)).toEqual(move.map((_, i) => i));
  });

  it('splits a panel without bubbles into two empty ones', async () => {
    const { sceneId } = await makeScene(w.a);
    const panel = await addPanel(w.a, sceneId, { description: 'quiet' });
    const data = (await w.a.post(`${V1}/panels/${panel.id}/split`, {})).json().data;
    expect([data.panel.dialogue, data.new_panel.dialogue, data.new_panel.description]).toEqual([[], [], 'quiet']);
    expect(await expectDense(w.a, sceneId)).toEqual([panel.id, data.new_panel.id]);
  });

  it('rejects an out-of-range or malformed dialogue_index with a 422 and changes nothing', async () => {
    const { sceneId } = await makeScene(w.a);
    const panel = await addPanel(w.a, sceneId, { dialogue: bubbles(2) });
    for (const body of [{ dialogue_index: 3 }, { dialogue_index: -1 }, { dialogue_index: 1.5 }, { dialogue_index: '1' }, { at: 1 }]) {
      const response = await w.a.post(`${V1}/panels/${panel.id}/split`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
    }
    const outOfRange = await w.a.post(`${V1}/panels/${panel.id}/split`, { dialogue_index: 3 });
    expect(outOfRange.json().details).toEqual([{ field: 'dialogue_index', message: 'must be between 0 and 2' }]);
    expect(await expectDense(w.a, sceneId)).toEqual([panel.id]);
    expect((await w.a.get(`${V1}/panels/${panel.id}`)).json().data.version).toBe(1);
  });
});

describe('POST /panels/{panel_id}/merge', () => {
  it('appends the other panel\'s bubbles, description and characters, deletes it and closes the gap', async () => {
    const { sceneId, projectId } = await makeScene(w.a);
    const [c1, c2, c3] = [
      await addProjectRef(w.a, 'characters', projectId),
      await addProjectRef(w.a, 'characters', projectId),
      await addProjectRef(w.a, 'characters', projectId),
    ];
    const first = await addPanel(w.a, sceneId);
    const target = await addPanel(w.a, sceneId, {
      description: 'She opens the door.',
      character_ids: [c2, c1],
      shot_type: 'medium',
      dialogue: [speech('Who is there?', { character_id: c2 }), { type: 'sfx', text: 'CREAK' }],
    });
    const middle = await addPanel(w.a, sceneId);
    const other = await addPanel(w.a, sceneId, {
      description: 'A stranger steps in.',
      character_ids: [c1, c3],
      shot_type: 'wide',
      dialogue: [speech('Me.', { character_id: c3 })],
    });
    const last = await addPanel(w.a, sceneId);
    const otherInstruction = await addPanelInstruction(w.a, other.id);

    const response = await w.a.post(`${V1}/panels/${target.id}/merge`, { panel_id: other.id });
    expect(response.statusCode).toBe(200);
    const merged = response.json().data as PanelJson;
    expect(merged).toMatchObject({
      id: target.id,
      order: 1,
      description: 'She opens the door.\n\nA stranger steps in.',
      character_ids: [c2, c1, c3],
      shot_type: 'medium',
      version: 2,
    });
    expect(merged.dialogue).toEqual([...target.dialogue, ...other.dialogue].map((b, i) => ({ ...b, order: i })));
    expect((await w.a.get(`${V1}/panels/${other.id}`)).statusCode).toBe(404);
    expect(await instructionStatus(w.a, otherInstruction)).toBe(404);
    expect(await expectDense(w.a, sceneId)).toEqual([first.id, target.id, middle.id, last.id]);
    expect((await w.a.get(`${V1}/panels/${target.id}`)).json().data).toEqual(merged);
  });

  it('merges an earlier panel into a later one (the survivor moves up) and skips empty descriptions', async () => {
    const { sceneId } = await makeScene(w.a);
    const earlier = await addPanel(w.a, sceneId, { description: '   ', dialogue: [speech('one')] });
    const survivor = await addPanel(w.a, sceneId, { description: 'Kept.', dialogue: [speech('two')] });
    const tail = await addPanel(w.a, sceneId);
    const merged = (await w.a.post(`${V1}/panels/${survivor.id}/merge`, { panel_id: earlier.id })).json().data as PanelJson;
    expect(merged).toMatchObject({ order: 0, description: 'Kept.' });
    expect(texts(merged)).toEqual(['two', 'one']);
    expect(orders(merged)).toEqual([0, 1]);
    expect(await expectDense(w.a, sceneId)).toEqual([survivor.id, tail.id]);

    const empty = await addPanel(w.a, sceneId, { description: 'Only text' });
    const joined = (await w.a.post(`${V1}/panels/${tail.id}/merge`, { panel_id: empty.id })).json().data;
    expect(joined.description).toBe('Only text');
  });

  it('rejects itself, other scenes, unknown and other users\' panels with a 422 on panel_id', async () => {
    const { sceneId, chapterId } = await makeScene(w.a);
    const panel = await addPanel(w.a, sceneId, { dialogue: [speech('x')] });
    const sibling = await addPanel(w.a, sceneId);
    const elsewhere = await addPanel(w.a, await addScene(w.a, chapterId));
    const bobs = await addPanel(w.b, (await makeScene(w.b)).sceneId);
    for (const other of [panel.id, elsewhere.id, MISSING, bobs.id]) {
      const response = await w.a.post(`${V1}/panels/${panel.id}/merge`, { panel_id: other });
      expect(response.statusCode, other).toBe(422);
      expect(response.json().details[0].field).toBe('panel_id');
    }
    for (const body of [{}, { panel_id: 'abc' }, { panel_id: sibling.id, keep: true }]) {
      expect((await w.a.post(`${V1}/panels/${panel.id}/merge`, body)).statusCode).toBe(422);
    }
    expect(await expectDense(w.a, sceneId)).toEqual([panel.id, sibling.id]);
    expect((await w.b.get(`${V1}/panels/${bobs.id}`)).statusCode).toBe(200);
    expect((await w.a.get(`${V1}/panels/${panel.id}`)).json().data.version).toBe(1);
  });
});

describe('PUT /panels/{panel_id}/dialogue', () => {
  it('replaces the list, keeps ids of this panel\'s bubbles and numbers by position', async () => {
    const { sceneId, projectId } = await makeScene(w.a);
    const hero = await addProjectRef(w.a, 'characters', projectId);
    const panel = await addPanel(w.a, sceneId, { dialogue: [speech('a'), speech('b'), speech('c')] });
    const elsewhere = await addPanel(w.a, sceneId, { dialogue: [speech('z')] });
    const [a, b, c] = panel.dialogue;
    const seen: AppEvent[] = [];
    const stop = w.t.container.events.subscribe((event) => seen.push(event));
    const response = await w.a.put(`${V1}/panels/${panel.id}/dialogue`, {
      dialogue: [
        { id: c!.id, type: 'shout', text: 'C!', character_id: hero },
        { type: 'caption', text: 'Meanwhile', character_id: null },
        { id: a!.id, type: 'thought', text: 'a?', order: 2 },
        { id: a!.id, type: 'whisper', text: 'again' },
        { id: elsewhere.dialogue[0]!.id, type: 'sfx', text: 'BANG' },
      ],
    });
    stop();
    expect(response.statusCode).toBe(200);
    const updated = response.json().data as PanelJson;
    expect(updated.version).toBe(2);
    expect(updated.dialogue.map((x) => [x.type, x.character_id, x.text, x.order])).toEqual([
      ['shout', hero, 'C!', 0],
      ['caption', null, 'Meanwhile', 1],
      ['thought', null, 'a?', 2],
      ['whisper', null, 'again', 3],
      ['sfx', null, 'BANG', 4],
    ]);
    const ids = updated.dialogue.map((x) => x.id);
    expect(ids[0]).toBe(c!.id);
    expect(ids[2]).toBe(a!.id);
    expect(new Set(ids).size).toBe(5);
    expect(ids).not.toContain(b!.id);
    expect(ids).not.toContain(elsewhere.dialogue[0]!.id);
    expect((await w.a.get(`${V1}/panels/${elsewhere.id}`)).json().data.dialogue).toEqual(elsewhere.dialogue);
    expect(seen.map((e) => e.data)).toEqual([
      { resource: 'panel', id: panel.id, action: 'updated', version: 2, parent: { type: 'scene', id: sceneId } },
      { resource: 'dialogue', id: panel.id, action: 'updated', version: 2, parent: { type: 'panel', id: panel.id } },
    ]);

    const cleared = (await w.a.put(`${V1}/panels/${panel.id}/dialogue`, { dialogue: [], version: 2 })).json().data;
    expect(cleared).toMatchObject({ dialogue: [], version: 3 });
  });

  it('rejects bad bubbles, foreign speakers and a stale version, changing nothing', async () => {
    const { sceneId, projectId } = await makeScene(w.a);
    const hero = await addProjectRef(w.a, 'characters', projectId);
    const stranger = await addProjectRef(w.a, 'characters', (await makeScene(w.a)).projectId);
    const panel = await addPanel(w.a, sceneId, { dialogue: [speech('keep me')] });
    const cases: [Record<string, unknown>, number, string][] = [
      [{ dialogue: [{ type: 'caption', text: 'x', character_id: hero }] }, 422, 'dialogue.0.character_id'],
      [{ dialogue: [speech('ok'), { type: 'sfx', text: 'x', character_id: hero }] }, 422, 'dialogue.1.character_id'],
      [{ dialogue: [speech('ok'), speech('x', { character_id: stranger })] }, 422, 'dialogue.1.character_id'],
      [{ dialogue: [speech('x', { character_id: MISSING })] }, 422, 'dialogue.0.character_id'],
      [{ dialogue: [speech('x', { order: 3 })] }, 422, 'dialogue.0.order'],
      [{ dialogue: [speech('')] }, 422, 'dialogue.0.text'],
      [{ dialogue: [speech('x'.repeat(2001))] }, 422, 'dialogue.0.text'],
      [{ dialogue: [{ type: 'yell', text: 'x' }] }, 422, 'dialogue.0.type'],
      [{ dialogue: [speech('x', { id: 'short' })] }, 422, 'dialogue.0.id'],
      [{ dialogue: [speech('x', { speaker: hero })] }, 422, 'dialogue.0.speaker'],
      [{}, 422, 'dialogue'],
      [{ dialogue: [speech('x')], version: 7 }, 409, ''],
    ];
    for (const [body, status, field] of cases) {
      const response = await w.a.put(`${V1}/panels/${panel.id}/dialogue`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      if (field) expect(response.json().details[0].field).toBe(field);
    }
    expect((await w.a.get(`${V1}/panels/${panel.id}`)).json().data).toEqual(panel);
    // A speaker of the same project is fine on every type that may have one.
    for (const type of ['speech', 'thought', 'whisper', 'shout']) {
      const ok = await w.a.put(`${V1}/panels/${panel.id}/dialogue`, { dialogue: [{ type, text: 't', character_id: hero }] });
      expect(ok.statusCode, type).toBe(200);
    }
  });
});
