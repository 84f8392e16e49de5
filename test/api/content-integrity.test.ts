/** Cross-module integrity: image references set by PUT, and drafts removed with what they target. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { story } from '../helpers/story-fixtures.js';
import { jpeg, uploadImage } from './images.fixtures.js';
import { newId } from '../../src/lib/ids.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  alice = await createUser(t.app);
  bob = await createUser(t.app);
});
afterAll(async () => t.close());

describe('image references on PUT', () => {
  it('accept images of the same project, 422 for another project, 404 for another user', async () => {
    const s = story(t.app, alice);
    const project = await s.project();
    const otherProject = await s.project({ title: 'Other' });
    const chapter = await s.chapter(project.id);
    const scene = await s.scene(chapter.id);
    const panel = await s.panel(scene.id);
    const character = await s.character(project.id);
    const location = await s.location(project.id);
    const own = await uploadImage(t.app, alice, project.id, await jpeg());
    const elsewhere = await uploadImage(t.app, alice, otherProject.id, await jpeg());
    const bobProject = await story(t.app, bob).project();
    const bobs = await uploadImage(t.app, bob, bobProject.id, await jpeg());

    const cases: [string, (id: string) => Record<string, unknown>, string][] = [
      [`/api/v1/panels/${panel.id}`, (id) => ({ image_id: id }), 'image_id'],
      [`/api/v1/chapters/${chapter.id}`, (id) => ({ cover_image_id: id }), 'cover_image_id'],
      [`/api/v1/characters/${character.id}`, (id) => ({ sheet_image_id: id }), 'sheet_image_id'],
      [`/api/v1/characters/${character.id}`, (id) => ({ design_image_ids: [id] }), 'design_image_ids'],
      [`/api/v1/locations/${location.id}`, (id) => ({ reference_image_ids: [id] }), 'reference_image_ids'],
      [`/api/v1/projects/${project.id}`, (id) => ({ style_guide: { reference_image_ids: [id] } }), 'style_guide.reference_image_ids'],
    ];
    const api = as(t.app, alice);
    for (const [url, body, field] of cases) {
      const wrongProject = await api.put(url, body(elsewhere.id));
      expect(wrongProject.statusCode, `${url} ${field}`).toBe(422);
      expect(wrongProject.json().details[0].field).toBe(field);
      expect((await api.put(url, body(bobs.id))).statusCode, `${url} other user`).toBe(404);
      expect((await api.put(url, body(newId()))).statusCode, `${url} unknown`).toBe(404);
      expect((await api.put(url, body(own.id))).statusCode, `${url} own`).toBe(200);
    }
    expect((await s.read(`/api/v1/panels/${panel.id}`)).image_id).toBe(own.id);
  });
});

describe('drafts go with what they target', () => {
  async function plantDraft(projectId: string, target: { type: string; id: string }) {
    const id = newId();
    await t.container.store.insert('drafts', {
      id,
      owner_id: alice.id,
      project_id: projectId,
      target,
      target_type: target.type,
      target_id: target.id,
      kind: 'text',
      source: { type: 'task', id: newId() },
      source_type: 'task',
      source_id: newId(),
      variants: [{ id: newId(), content: 'x', metadata: {} }],
      status: 'pending',
      selected_variant_id: null,
      feedback: [],
      revision_of: null,
    } as never);
    return id;
  }

  it('deleting a panel, scene, chapter, character or location removes the drafts targeting it', async () => {
    const s = story(t.app, alice);
    const project = await s.project();
    const chapter = await s.chapter(project.id);
    const scene = await s.scene(chapter.id);
    const panel = await s.panel(scene.id);
    const siblingScene = await s.scene(chapter.id);
    const otherChapter = await s.chapter(project.id);
    const keptPanel = await s.panel((await s.scene(otherChapter.id)).id);
    const character = await s.character(project.id);
    const location = await s.location(project.id);

    const drafts = {
      panel: await plantDraft(project.id, { type: 'panel', id: panel.id }),
      scene: await plantDraft(project.id, { type: 'scene', id: scene.id }),
      keptPanel: await plantDraft(project.id, { type: 'panel', id: keptPanel.id }),
      chapter: await plantDraft(project.id, { type: 'chapter', id: chapter.id }),
      siblingScene: await plantDraft(project.id, { type: 'scene', id: siblingScene.id }),
      character: await plantDraft(project.id, { type: 'character', id: character.id }),
      location: await plantDraft(project.id, { type: 'location', id: location.id }),
    };
    const exists = async (id: string) => (await t.container.store.get('drafts', id)) !== null;
    const api = as(t.app, alice);

    expect((await api.delete(`/api/v1/panels/${panel.id}`)).statusCode).toBe(200);
    expect(await exists(drafts.panel)).toBe(false);
    expect((await api.delete(`/api/v1/characters/${character.id}`)).statusCode).toBe(200);
    expect(await exists(drafts.character)).toBe(false);
    expect((await api.delete(`/api/v1/locations/${location.id}`)).statusCode).toBe(200);
    expect(await exists(drafts.location)).toBe(false);
    expect(await exists(drafts.scene)).toBe(true);
    expect((await api.delete(`/api/v1/chapters/${chapter.id}`)).statusCode).toBe(200);
    expect(await exists(drafts.chapter)).toBe(false);
    expect(await exists(drafts.scene)).toBe(false);
    expect(await exists(drafts.siblingScene)).toBe(false);
    expect(await exists(drafts.keptPanel)).toBe(true);
    expect((await api.get(`/api/v1/projects/${project.id}/stats`)).json().data.pending_drafts).toBe(1);
  });
});
