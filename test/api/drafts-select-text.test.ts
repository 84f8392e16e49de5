import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { as, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { seedStory, type Story } from './generation.fixtures.js';
import { contentEvents, draftsApp, getDraft, plantDraft, taskDraft } from './drafts.fixtures.js';

let t: TestApp;
let events: AppEvent[];
let alice: TestUser;
let bob: TestUser;
let s: Story;
let other: Story;

beforeAll(async () => {
  ({ t, events } = await draftsApp());
  alice = await createUser(t.app);
  bob = await createUser(t.app);
  s = await seedStory(t.app, alice);
  other = await seedStory(t.app, alice);
});
afterAll(async () => t.close());

const api = () => as(t.app, alice);
const select = (draftId: string, variantId: string) => api().post(`/api/v1/drafts/${draftId}/select`, { variant_id: variantId });
const read = async (url: string) => (await api().get(url)).json().data;

describe('selecting text drafts made by real tasks', () => {
  it('scene_summary -> scene.summary', async () => {
    const draft = await taskDraft(t.app, alice, 'scene_summary', { type: 'scene', id: s.sceneId });
    expect(draft).toMatchObject({ kind: 'text', source: { type: 'task' }, target: { type: 'scene', id: s.sceneId } });
    const chosen = draft.variants[1];
    const seen = events.length;
    const res = await select(draft.id, chosen.id);
    expect(res.statusCode, res.body).toBe(200);
    const scene = await read(`/api/v1/scenes/${s.sceneId}`);
    expect(scene.summary).toBe(chosen.content);
    expect(res.json().data.applied).toEqual({ type: 'scene', id: s.sceneId, version: scene.version });
    expect(contentEvents(events.slice(seen), 'scene', s.sceneId)).toEqual([{ resource: 'scene', id: s.sceneId, action: 'updated', version: scene.version, parent: { type: 'chapter', id: s.chapterId } }]);
  });

  it('character_profile -> the profile fields (name and images stay)', async () => {
    const draft = await taskDraft(t.app, alice, 'character_profile', { type: 'character', id: s.characterId });
    const content = draft.variants[0].content;
    expect((await select(draft.id, draft.variants[0].id)).statusCode).toBe(200);
    const character = await read(`/api/v1/characters/${s.characterId}`);
    expect(character).toMatchObject({ name: 'Mara', role: content.role, description: content.description, appearance: content.appearance, personality: content.personality, backstory: content.backstory, traits: content.traits });
  });

  it('panel_description -> panel.description', async () => {
    const draft = await taskDraft(t.app, alice, 'panel_description', { type: 'panel', id: s.panelIds[0]! });
    expect((await select(draft.id, draft.variants[0].id)).statusCode).toBe(200);
    expect((await read(`/api/v1/panels/${s.panelIds[0]!}`)).description).toBe(draft.variants[0].content);
  });

  it('visual_prompt -> panel.visual_prompt', async () => {
    const draft = await taskDraft(t.app, alice, 'visual_prompt', { type: 'panel', id: s.panelIds[1]! });
    expect((await select(draft.id, draft.variants[1].id)).statusCode).toBe(200);
    const panel = await read(`/api/v1/panels/${s.panelIds[1]!}`);
    expect(panel.visual_prompt).toBe(draft.variants[1].content);
    expect(panel.description).toBe('A note in the rain');
  });

  it('dialogue -> panel.dialogue, as PUT /panels/{id}/dialogue stores it, with the panel and dialogue events', async () => {
    const draft = await taskDraft(t.app, alice, 'dialogue', { type: 'panel', id: s.panelIds[2]! });
    const bubbles = draft.variants[0].content as { type: string; character_id: string | null; text: string }[];
    expect(bubbles.length).toBeGreaterThan(0);
    const seen = events.length;
    expect((await select(draft.id, draft.variants[0].id)).statusCode).toBe(200);
    const panel = await read(`/api/v1/panels/${s.panelIds[2]!}`);
    expect(panel.dialogue).toEqual(bubbles.map((bubble, order) => ({ id: expect.stringMatching(/^[0-9a-f]{24}$/), type: bubble.type, character_id: bubble.character_id, text: bubble.text, order })));
    const fresh = events.slice(seen);
    expect(contentEvents(fresh, 'panel', s.panelIds[2]!)).toHaveLength(1);
    expect(contentEvents(fresh, 'dialogue', s.panelIds[2]!)).toEqual([{ resource: 'dialogue', id: s.panelIds[2]!, action: 'updated', version: panel.version, parent: { type: 'panel', id: s.panelIds[2]! } }]);
  });

  it('chapter_outline -> chapter.summary', async () => {
    const draft = await taskDraft(t.app, alice, 'chapter_outline', { type: 'chapter', id: s.chapterId });
    expect((await select(draft.id, draft.variants[0].id)).statusCode).toBe(200);
    expect((await read(`/api/v1/chapters/${s.chapterId}`)).summary).toBe(draft.variants[0].content);
  });
});

describe('text variants are checked before they are applied', () => {
  const plant = (target: { type: string; id: string }, content: unknown, task?: string) =>
    plantDraft(t.container.store, { owner_id: alice.id, project_id: s.projectId, target, variants: [{ content, metadata: task ? { task } : {} }] });

  it('dialogue bubbles are validated like PUT /panels/{id}/dialogue (speaker on a caption, foreign speaker, bad type)', async () => {
    const panel = `/api/v1/panels/${s.panelIds[0]!}`;
    const before = await read(panel);
    const cases: [unknown, string][] = [
      [[{ type: 'caption', character_id: s.characterId, text: 'Meanwhile' }], 'variant.content.0.character_id'],
      [[{ type: 'speech', character_id: other.characterId, text: 'Hi' }], 'dialogue.0.character_id'],
      [[{ type: 'song', character_id: null, text: 'La' }], 'variant.content.0.type'],
      [[{ type: 'speech', character_id: null, text: '' }], 'variant.content.0.text'],
    ];
    for (const [content, field] of cases) {
      const draft = await plant({ type: 'panel', id: s.panelIds[0]! }, content, 'dialogue');
      const res = await select(draft.id, draft.variants[0].id);
      expect(res.statusCode, JSON.stringify(content)).toBe(422);
      expect(res.json().details[0].field).toBe(field);
      expect((await getDraft(t.app, alice, draft.id)).status).toBe('pending');
    }
    expect((await read(panel)).version).toBe(before.version);
  });

  it('a summary that is not text, or a profile of the wrong shape, is a 422', async () => {
    const summary = await plant({ type: 'scene', id: s.sceneId }, { text: 'nope' }, 'scene_summary');
    expect((await select(summary.id, summary.variants[0].id)).statusCode).toBe(422);
    const profile = await plant({ type: 'character', id: s.characterId }, { traits: 'brave' }, 'character_profile');
    const res = await select(profile.id, profile.variants[0].id);
    expect(res.statusCode).toBe(422);
    expect(res.json().details[0].field).toBe('variant.content.traits');
  });

  it('plain text for a panel without a task hint cannot be placed: 422, nothing changes', async () => {
    const draft = await plant({ type: 'panel', id: s.panelIds[0]! }, 'Some text');
    const res = await select(draft.id, draft.variants[0].id);
    expect(res.statusCode).toBe(422);
    expect(res.json().details[0].message).toMatch(/does not know how to apply/);
  });

  it("the task is inferred from the content where it is unambiguous (a scene's text is its summary)", async () => {
    const draft = await plant({ type: 'scene', id: s.sceneId }, 'Inferred summary.');
    expect((await select(draft.id, draft.variants[0].id)).statusCode).toBe(200);
    expect((await read(`/api/v1/scenes/${s.sceneId}`)).summary).toBe('Inferred summary.');
  });

  it("another user's text draft is a 404 on every action", async () => {
    const draft = await plant({ type: 'scene', id: s.sceneId }, 'Private');
    const as_bob = as(t.app, bob);
    expect((await as_bob.get(`/api/v1/drafts/${draft.id}`)).statusCode).toBe(404);
    expect((await as_bob.post(`/api/v1/drafts/${draft.id}/select`, { variant_id: draft.variants[0].id })).statusCode).toBe(404);
    expect((await as_bob.post(`/api/v1/drafts/${draft.id}/reject`, {})).statusCode).toBe(404);
    expect((await as_bob.post(`/api/v1/drafts/${draft.id}/feedback`, { rating: 1 })).statusCode).toBe(404);
    expect((await as_bob.post(`/api/v1/drafts/${draft.id}/revise`, { instructions: 'x' })).statusCode).toBe(404);
    expect((await as_bob.delete(`/api/v1/drafts/${draft.id}`)).statusCode).toBe(404);
  });
});
