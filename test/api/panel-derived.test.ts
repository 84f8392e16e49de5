/**
 * The fields derived from a panel's dialogue (bubble_count, word_count, speaker_ids): every
 * path that writes dialogue stores them in step, and no API response shows them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDoc } from '../../src/ports/document-store.js';
import { panelDerived } from '../../src/modules/panels/panel-derived.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { story, type Created } from '../helpers/story-fixtures.js';
import { LIMITS, plantDraft, type Json } from './drafts.fixtures.js';

let t: TestApp;
let alice: TestUser;
beforeAll(async () => {
  t = await buildTestApp({ env: LIMITS });
  alice = await createUser(t.app);
});
afterAll(async () => t.close());

type StoredPanel = StoredDoc & Json;
const DERIVED = /bubble_count|word_count|speaker_ids/;
const speech = (character: Created, text: string) => ({ type: 'speech', character_id: character.id, text });
const caption = (text: string) => ({ type: 'caption', text });

const stored = async (panelId: string) => (await t.container.store.get<StoredPanel>('panels', panelId))!;
const derivedOf = async (panelId: string) => {
  const { bubble_count, word_count, speaker_ids } = await stored(panelId);
  return { bubble_count, word_count, speaker_ids };
};

async function scaffold() {
  const s = story(t.app, alice);
  const project = await s.project();
  const hero = await s.character(project.id, { name: 'Hero' });
  const villain = await s.character(project.id, { name: 'Villain' });
  const chapter = await s.chapter(project.id);
  const scene = await s.scene(chapter.id);
  return { s, project, hero, villain, chapter, scene };
}

describe('derived dialogue fields', () => {
  it('are stored in step with the dialogue by every path that writes it', async () => {
    const { s, project, hero, villain, scene } = await scaffold();
    const ok = (res: { statusCode: number; body: string }, status = 200) => expect(res.statusCode, res.body).toBe(status);

    const panel = await s.panel(scene.id, { dialogue: [speech(hero, 'Hello there, friend'), caption('Night falls'), speech(villain, 'Hm')] });
    expect(await derivedOf(panel.id)).toEqual({ bubble_count: 3, word_count: 6, speaker_ids: [hero.id, villain.id] });

    ok(await s.api.put(`/api/v1/panels/${panel.id}/dialogue`, { dialogue: [speech(villain, 'One two'), speech(villain, 'three'), caption('x')] }));
    expect(await derivedOf(panel.id)).toEqual({ bubble_count: 3, word_count: 4, speaker_ids: [villain.id] });

    const split = await s.api.post(`/api/v1/panels/${panel.id}/split`, { dialogue_index: 1 });
    ok(split);
    const newPanelId = split.json().data.new_panel.id as string;
    expect(await derivedOf(panel.id)).toEqual({ bubble_count: 1, word_count: 2, speaker_ids: [villain.id] });
    expect(await derivedOf(newPanelId)).toEqual({ bubble_count: 2, word_count: 2, speaker_ids: [villain.id] });

    ok(await s.api.put(`/api/v1/panels/${newPanelId}/dialogue`, { dialogue: [speech(hero, 'Mine now')] }));
    ok(await s.api.post(`/api/v1/panels/${panel.id}/merge`, { panel_id: newPanelId }));
    expect(await derivedOf(panel.id)).toEqual({ bubble_count: 2, word_count: 4, speaker_ids: [villain.id, hero.id] });

    // AI drafts: replacing a panel's dialogue, and a breakdown adding panels to the scene.
    const select = async (draft: Json) => ok(await s.api.post(`/api/v1/drafts/${draft.id}/select`, { variant_id: draft.variants[0].id }));
    await select(
      await plantDraft(t.container.store, {
        owner_id: alice.id,
        project_id: project.id,
        target: { type: 'panel', id: panel.id },
        variants: [{ content: [speech(hero, 'A drafted line here'), caption('Dawn')] }],
      }),
    );
    expect(await derivedOf(panel.id)).toEqual({ bubble_count: 2, word_count: 5, speaker_ids: [hero.id] });
    await select(
      await plantDraft(t.container.store, {
        owner_id: alice.id,
        project_id: project.id,
        target: { type: 'scene', id: scene.id },
        variants: [{ content: { panels: [{ description: 'Wide', dialogue: [speech(villain, 'Proposed words'), speech(hero, 'Yes')] }, { description: 'Quiet' }] } }],
      }),
    );
    const panels = await t.container.store.find<StoredPanel>('panels', { scene_id: scene.id }, { sort: [{ field: 'order', direction: 1 }] });
    expect(panels.map((p) => [p.bubble_count, p.word_count, p.speaker_ids])).toEqual([
      [2, 5, [hero.id]],
      [2, 3, [villain.id, hero.id]],
      [0, 0, []],
    ]);

    // Deleting a character clears it as a speaker: it is no longer among the speakers either.
    ok(await s.api.delete(`/api/v1/characters/${villain.id}`));
    expect((await stored(panels[1]!.id)).speaker_ids).toEqual([hero.id]);

    // A duplicate's panels name the copied characters.
    const copy = await s.api.post(`/api/v1/projects/${project.id}/duplicate`, {});
    ok(copy, 201);
    const copiedHero = (await t.container.store.find<StoredPanel>('characters', { project_id: copy.json().data.id }))[0]!;
    const copied = await t.container.store.find<StoredPanel>('panels', { project_id: copy.json().data.id }, { sort: [{ field: 'order', direction: 1 }] });
    expect(copied.map((p) => p.speaker_ids)).toEqual([[copiedHero.id], [copiedHero.id], []]);

    for (const doc of await t.container.store.find<StoredPanel>('panels', {})) {
      expect({ bubble_count: doc.bubble_count, word_count: doc.word_count, speaker_ids: doc.speaker_ids }, doc.id).toEqual(panelDerived(doc.dialogue));
    }
  });

  it('never appear in API responses or in the OpenAPI document', async () => {
    const { s, hero, scene } = await scaffold();
    const created = await s.api.post(`/api/v1/scenes/${scene.id}/panels`, { dialogue: [speech(hero, 'Hi there'), caption('Later')] });
    expect(created.statusCode).toBe(201);
    const panelId = created.json().data.id as string;
    expect(await derivedOf(panelId)).toEqual({ bubble_count: 2, word_count: 3, speaker_ids: [hero.id] });
    const other = await s.panel(scene.id);
    const replies = [
      created,
      await s.api.get(`/api/v1/panels/${panelId}`),
      await s.api.get(`/api/v1/scenes/${scene.id}/panels`),
      await s.api.put(`/api/v1/panels/${panelId}`, { description: 'changed' }),
      await s.api.put(`/api/v1/panels/${panelId}/dialogue`, { dialogue: [speech(hero, 'Again')] }),
      await s.api.post(`/api/v1/scenes/${scene.id}/reorder-panels`, { panel_ids: [other.id, panelId] }),
      await s.api.post(`/api/v1/panels/${panelId}/split`, { dialogue_index: 0 }),
      await s.api.post(`/api/v1/panels/${panelId}/merge`, { panel_id: other.id }),
    ];
    for (const reply of replies) {
      expect(reply.statusCode, reply.body).toBeLessThan(300);
      expect(reply.body).not.toMatch(DERIVED);
    }
    const openapi = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(openapi.statusCode).toBe(200);
    expect(openapi.body).not.toMatch(DERIVED);
  });

  it('drive stats and appearances after edits', async () => {
    const { s, project, hero, villain, scene } = await scaffold();
    const shown = await s.panel(scene.id, { character_ids: [hero.id] });
    const speaking = await s.panel(scene.id, { dialogue: [speech(hero, 'I speak here'), speech(villain, 'So do I')] });
    const quiet = await s.panel(scene.id, { dialogue: [caption('Nobody speaks')] });
    const appearances = async () => (await s.read(`/api/v1/characters/${hero.id}/appearances`)).panels as Json[];
    expect((await appearances()).map((p) => [p.id, p.speaks])).toEqual([
      [shown.id, false],
      [speaking.id, true],
    ]);
    expect(await s.read(`/api/v1/projects/${project.id}/stats`)).toMatchObject({ panels: 3, dialogue_bubbles: 3, dialogue_words: 8 });

    // The hero stops speaking in one panel and starts in another.
    expect((await s.api.put(`/api/v1/panels/${speaking.id}/dialogue`, { dialogue: [speech(villain, 'Only me')] })).statusCode).toBe(200);
    expect((await s.api.put(`/api/v1/panels/${quiet.id}/dialogue`, { dialogue: [speech(hero, 'Now me')] })).statusCode).toBe(200);
    expect((await appearances()).map((p) => [p.id, p.speaks])).toEqual([
      [shown.id, false],
      [quiet.id, true],
    ]);
    expect(await s.read(`/api/v1/projects/${project.id}/stats`)).toMatchObject({ panels: 3, dialogue_bubbles: 2, dialogue_words: 4 });
    const res = await as(t.app, alice).get(`/api/v1/characters/${hero.id}/appearances`);
    expect(res.body).not.toMatch(DERIVED);
  });
});
