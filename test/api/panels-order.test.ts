/**
 * Property-style check of the ordering invariants: a seeded random sequence of creates (at
 * random positions), deletes, splits, merges and reorders, compared after every step with an
 * in-memory model of the scene (panel ids in order, and each panel's bubble ids in order).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V1, buildWorld, listAll, makeScene, speech, type PanelJson, type PanelsWorld } from './panels.fixtures.js';

/** mulberry32: a tiny deterministic PRNG, so a failure replays with the same seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ModelPanel {
  id: string;
  bubbles: string[];
}

let w: PanelsWorld;
beforeAll(async () => {
  w = await buildWorld();
});
afterAll(() => w.t.close());

const bubbleIds = (panel: PanelJson) => panel.dialogue.map((b) => b.id);

async function checkAgainst(sceneId: string, model: ModelPanel[], step: string): Promise<void> {
  const panels = await listAll(w.a, sceneId);
  expect(panels.map((p) => p.order), step).toEqual(model.map((_, i) => i));
  expect(panels.map((p) => p.id), step).toEqual(model.map((m) => m.id));
  for (const [i, panel] of panels.entries()) {
    expect(bubbleIds(panel), `${step}: bubbles of panel ${i}`).toEqual(model[i]!.bubbles);
    expect(panel.dialogue.map((b) => b.order), `${step}: bubble orders of panel ${i}`).toEqual(panel.dialogue.map((_, j) => j));
  }
}

describe.each([20260101, 7, 424242])('random panel operations (seed %i)', (seed) => {
  it('keeps orders exactly 0..n-1 and matching the model through 60 operations', async () => {
    const random = prng(seed);
    const int = (n: number) => Math.floor(random() * n);
    const { sceneId } = await makeScene(w.a);
    const model: ModelPanel[] = [];
    const counts: Record<string, number> = {};

    for (let step = 0; step < 60; step++) {
      const kinds = model.length < 2 ? ['create', 'create', 'split'] : ['create', 'delete', 'split', 'merge', 'reorder', 'invalid'];
      const kind = model.length === 0 ? 'create' : kinds[int(kinds.length)]!;
      counts[kind] = (counts[kind] ?? 0) + 1;
      const label = `seed ${seed} step ${step} ${kind}`;

      if (kind === 'create') {
        const at = int(model.length + 1);
        const dialogue = Array.from({ length: int(4) }, (_, i) => speech(`s${step}b${i}`));
        const body = random() < 0.3 && at === model.length ? { dialogue } : { order: at, dialogue };
        const response = await w.a.post(`${V1}/scenes/${sceneId}/panels`, body);
        expect(response.statusCode, label).toBe(201);
        const panel = response.json().data as PanelJson;
        model.splice(at, 0, { id: panel.id, bubbles: bubbleIds(panel) });
      } else if (kind === 'delete') {
        const index = int(model.length);
        expect((await w.a.delete(`${V1}/panels/${model[index]!.id}`)).statusCode, label).toBe(200);
        model.splice(index, 1);
      } else if (kind === 'split') {
        const index = int(model.length);
        const target = model[index]!;
        const useDefault = random() < 0.3;
        const k = useDefault ? Math.ceil(target.bubbles.length / 2) : int(target.bubbles.length + 1);
        const response = await w.a.post(`${V1}/panels/${target.id}/split`, useDefault ? {} : { dialogue_index: k });
        expect(response.statusCode, label).toBe(200);
        const { new_panel } = response.json().data as { new_panel: PanelJson };
        model.splice(index + 1, 0, { id: new_panel.id, bubbles: target.bubbles.slice(k) });
        target.bubbles = target.bubbles.slice(0, k);
      } else if (kind === 'merge') {
        const index = int(model.length);
        let otherIndex = int(model.length - 1);
        if (otherIndex >= index) otherIndex += 1;
        const target = model[index]!;
        const other = model[otherIndex]!;
        const response = await w.a.post(`${V1}/panels/${target.id}/merge`, { panel_id: other.id });
        expect(response.statusCode, label).toBe(200);
        target.bubbles = [...target.bubbles, ...other.bubbles];
        model.splice(otherIndex, 1);
      } else if (kind === 'reorder') {
        for (let i = model.length - 1; i > 0; i--) {
          const j = int(i + 1);
          [model[i], model[j]] = [model[j]!, model[i]!];
        }
        const response = await w.a.post(`${V1}/scenes/${sceneId}/reorder-panels`, { panel_ids: model.map((m) => m.id) });
        expect(response.statusCode, label).toBe(200);
      } else {
        // Rejected operations must leave the scene exactly as it was.
        const target = model[int(model.length)]!;
        const attempts = [
          () => w.a.post(`${V1}/scenes/${sceneId}/panels`, { order: model.length + 1 + int(3) }),
          () => w.a.post(`${V1}/panels/${target.id}/split`, { dialogue_index: target.bubbles.length + 1 }),
          () => w.a.post(`${V1}/panels/${target.id}/merge`, { panel_id: target.id }),
          () => w.a.post(`${V1}/scenes/${sceneId}/reorder-panels`, { panel_ids: model.slice(1).map((m) => m.id) }),
        ];
        expect((await attempts[int(attempts.length)]!()).statusCode, label).toBe(422);
      }
      await checkAgainst(sceneId, model, label);
    }
    // The sequence really exercised every kind of operation.
    expect(Object.keys(counts).sort(), JSON.stringify(counts)).toEqual(['create', 'delete', 'invalid', 'merge', 'reorder', 'split']);
  });
});
