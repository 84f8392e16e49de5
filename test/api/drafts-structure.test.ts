import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { as, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { seedStory, type Story } from './generation.fixtures.js';
import { contentEvents, draftsApp, getDraft, plantDraft, type Json } from './drafts.fixtures.js';

let t: TestApp;
let events: AppEvent[];
let alice: TestUser;
let s: Story;
let foreign: Story;

beforeAll(async () => {
  ({ t, events } = await draftsApp());
  alice = await createUser(t.app);
  s = await seedStory(t.app, alice);
  foreign = await seedStory(t.app, alice);
});
afterAll(async () => t.close());

const api = () => as(t.app, alice);
const select = (draftId: string, variantId: string) => api().post(`/api/v1/drafts/${draftId}/select`, { variant_id: variantId });
const list = async (url: string) => (await api().get(url)).json().data.items as Json[];
const plant = (target: { type: string; id: string }, contents: unknown[], task: string) =>
  plantDraft(t.container.store, { owner_id: alice.id, project_id: s.projectId, target, variants: contents.map((content) => ({ content, metadata: { task } })) });

describe('a breakdown draft', () => {
  it('creates the proposed panels at the end of the scene (dense orders), dropping stale references, with created events', async () => {
    const proposal = {
      panels: [
        {
          description: 'Wide view of the pier',
          shot_type: 'wide',
          character_ids: [s.characterId, foreign.characterId],
          location_id: s.locationId,
          visual_prompt: 'ink wash pier, rain',
          dialogue: [
            { type: 'caption', character_id: null, text: 'Later that night' },
            { type: 'speech', character_id: s.characterId, text: 'Who left this?' },
          ],
        },
        { description: 'A gull takes off', shot_type: 'dutch', character_ids: [], location_id: foreign.locationId, dialogue: [{ type: 'sfx', character_id: s.characterId, text: 'Flap' }] },
      ],
    };
    const draft = await plant({ type: 'scene', id: s.sceneId }, [{ panels: [] }, proposal], 'breakdown');
    const seen = events.length;
    const res = await select(draft.id, draft.variants[1].id);
    expect(res.statusCode, res.body).toBe(200);

    const panels = await list(`/api/v1/scenes/${s.sceneId}/panels?limit=100`);
    expect(panels.map((panel) => panel.order)).toEqual([0, 1, 2, 3, 4]);
    const [first, second] = panels.slice(3);
    expect(first).toMatchObject({
      description: 'Wide view of the pier',
      shot_type: 'wide',
      character_ids: [s.characterId],
      location_id: s.locationId,
      visual_prompt: 'ink wash pier, rain',
      image_id: null,
      chapter_id: s.chapterId,
      project_id: s.projectId,
      version: 1,
    });
    expect(first!.dialogue).toEqual([
      { id: expect.any(String), type: 'caption', character_id: null, text: 'Later that night', order: 0 },
      { id: expect.any(String), type: 'speech', character_id: s.characterId, text: 'Who left this?', order: 1 },
    ]);
    // An unknown shot type, a foreign location and a speaker on an sfx are not carried over.
    expect(second).toMatchObject({ description: 'A gull takes off', shot_type: null, location_id: null, dialogue: [expect.objectContaining({ type: 'sfx', character_id: null })] });

    expect(res.json().data.applied).toEqual({ type: 'scene', id: s.sceneId, version: expect.any(Number), created: [{ type: 'panel', id: first!.id }, { type: 'panel', id: second!.id }] });
    const created = contentEvents(events.slice(seen), 'panel').filter((event) => event.action === 'created');
    expect(created).toEqual([first, second].map((panel) => ({ resource: 'panel', id: panel!.id, action: 'created', version: 1, parent: { type: 'scene', id: s.sceneId } })));
  });

  it('an empty or malformed breakdown is a 422 and creates nothing', async () => {
    const before = (await list(`/api/v1/scenes/${s.sceneId}/panels?limit=100`)).length;
    const draft = await plant({ type: 'scene', id: s.sceneId }, [{ panels: [] }, { panels: [{ description: 1 }] }, { cuts: [] }], 'breakdown');
    for (const variant of draft.variants) {
      const res = await select(draft.id, variant.id);
      expect(res.statusCode).toBe(422);
    }
    expect((await list(`/api/v1/scenes/${s.sceneId}/panels?limit=100`)).length).toBe(before);
    expect((await getDraft(t.app, alice, draft.id)).status).toBe('pending');
  });

  it('the breakdown is recognised by its shape when nothing names the task (auto-panel drafts)', async () => {
    const scene = (await api().post(`/api/v1/chapters/${s.chapterId}/scenes`, { title: 'Empty' })).json().data;
    const draft = await plantDraft(t.container.store, {
      owner_id: alice.id,
      project_id: s.projectId,
      target: { type: 'scene', id: scene.id },
      variants: [{ content: { panels: [{ description: 'Only panel' }] } }],
    });
    expect((await select(draft.id, draft.variants[0].id)).statusCode).toBe(200);
    expect((await list(`/api/v1/scenes/${scene.id}/panels`)).map((panel) => [panel.order, panel.description])).toEqual([[0, 'Only panel']]);
  });

  it('409 when the scene vanished without taking the draft along', async () => {
    // Deleting a scene through the API removes its drafts too; this is the store-level leftover case.
    const scene = (await api().post(`/api/v1/chapters/${s.chapterId}/scenes`, { title: 'Short-lived' })).json().data;
    const draft = await plant({ type: 'scene', id: scene.id }, [{ panels: [{ description: 'x' }] }], 'breakdown');
    expect(await t.container.store.delete('scenes', scene.id)).toBe(true);
    const res = await select(draft.id, draft.variants[0].id);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatch(/scene this draft was made for no longer exists/);
  });
});

describe('a generated chapter draft', () => {
  it('creates its scenes at the end of the chapter, each with its panels, in one go', async () => {
    const chapter = (await api().post(`/api/v1/projects/${s.projectId}/chapters`, { title: 'Chapter two' })).json().data;
    await api().post(`/api/v1/chapters/${chapter.id}/scenes`, { title: 'Already there' });
    const content = {
      scenes: [
        { title: 'The storm', description: 'Wind over the docks', location_id: s.locationId, character_ids: [s.characterId], panels: [{ description: 'Waves', shot_type: 'establishing' }, { description: 'Mara braces', character_ids: [s.characterId] }] },
        { title: '  ', description: 'Aftermath', location_id: null, character_ids: [foreign.characterId], panels: [] },
      ],
    };
    const draft = await plant({ type: 'chapter', id: chapter.id }, [content], 'generate_chapter');
    const seen = events.length;
    const res = await select(draft.id, draft.variants[0].id);
    expect(res.statusCode, res.body).toBe(200);

    const scenes = await list(`/api/v1/chapters/${chapter.id}/scenes`);
    expect(scenes.map((scene) => [scene.order, scene.title])).toEqual([[0, 'Already there'], [1, 'The storm'], [2, 'Scene 3']]);
    expect(scenes[1]).toMatchObject({ description: 'Wind over the docks', location_id: s.locationId, character_ids: [s.characterId], project_id: s.projectId });
    expect(scenes[2]).toMatchObject({ description: 'Aftermath', character_ids: [] });
    const panels = await list(`/api/v1/scenes/${scenes[1]!.id}/panels`);
    expect(panels.map((panel) => [panel.order, panel.description, panel.shot_type])).toEqual([[0, 'Waves', 'establishing'], [1, 'Mara braces', null]]);
    expect(panels.every((panel) => panel.chapter_id === chapter.id)).toBe(true);
    expect(await list(`/api/v1/scenes/${scenes[2]!.id}/panels`)).toEqual([]);

    const applied = res.json().data.applied;
    expect(applied).toMatchObject({ type: 'chapter', id: chapter.id });
    expect(applied.created).toEqual([
      { type: 'scene', id: scenes[1]!.id },
      { type: 'panel', id: panels[0]!.id },
      { type: 'panel', id: panels[1]!.id },
      { type: 'scene', id: scenes[2]!.id },
    ]);
    const fresh = events.slice(seen);
    expect(contentEvents(fresh, 'scene').filter((event) => event.action === 'created').map((event) => [event.id, event.parent])).toEqual([
      [scenes[1]!.id, { type: 'chapter', id: chapter.id }],
      [scenes[2]!.id, { type: 'chapter', id: chapter.id }],
    ]);
    expect(contentEvents(fresh, 'panel').filter((event) => event.action === 'created')).toHaveLength(2);
  });

  it('a chapter draft without scenes is a 422', async () => {
    const draft = await plant({ type: 'chapter', id: s.chapterId }, [{ scenes: [] }], 'generate_chapter');
    expect((await select(draft.id, draft.variants[0].id)).statusCode).toBe(422);
  });
});
