import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { seedProject } from '../helpers/seed-project.js';
import { story } from '../helpers/story-fixtures.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  alice = await createUser(t.app);
  bob = await createUser(t.app);
});
afterAll(async () => t.close());

const statsUrl = (projectId: string) => `/api/v1/projects/${projectId}/stats`;

describe('GET /projects/{project_id}/stats', () => {
  it('answers zeros for an empty project (images and drafts collections may not exist yet)', async () => {
    const project = (await as(t.app, alice).post('/api/v1/projects', { title: 'Empty' })).json().data;
    const res = await as(t.app, alice).get(statsUrl(project.id));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ success: true });
    expect(res.json().data).toEqual({
      chapters: 0,
      scenes: 0,
      panels: 0,
      characters: 0,
      locations: 0,
      instructions: 0,
      images: 0,
      dialogue_bubbles: 0,
      dialogue_words: 0,
      panels_without_image: 0,
      pending_drafts: 0,
    });
  });

  it('counts exactly what is planted in the project, and nothing of other projects', async () => {
    const seeded = await seedProject(t.container.store, alice.id);
    const projectId = seeded.project.id;
    // A second project of the same user and one of another user must not leak into the numbers.
    const sibling = await seedProject(t.container.store, alice.id, 'Sibling');
    await seedProject(t.container.store, bob.id, 'Foreign');
    const draft = (pid: string, status: string) => ({ id: newId(), owner_id: alice.id, project_id: pid, status, kind: 'text' });
    await t.container.store.insertMany('drafts', [
      draft(projectId, 'pending'),
      draft(projectId, 'pending'),
      draft(projectId, 'selected'),
      draft(projectId, 'rejected'),
      draft(sibling.project.id, 'pending'),
    ]);

    const res = await as(t.app, alice).get(statsUrl(projectId));
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({
      chapters: 2,
      scenes: 3,
      panels: 5,
      characters: 2,
      locations: 1,
      instructions: 4,
      images: 10,
      dialogue_bubbles: seeded.expected.bubbles,
      dialogue_words: seeded.expected.words,
      panels_without_image: seeded.expected.panelsWithoutImage,
      pending_drafts: 2,
    });
    expect(seeded.expected).toEqual({ bubbles: 5, words: 13, panelsWithoutImage: 3 });
    expect(seeded.images).toHaveLength(10);
  });

  it('counts a panel whose image_id field is missing as without image', async () => {
    const seeded = await seedProject(t.container.store, alice.id, 'Missing field');
    const withImage = seeded.panels.find((panel) => panel.image_id !== null)!;
    const rest: Record<string, unknown> = { ...withImage };
    delete rest.image_id;
    await t.container.store.delete('panels', withImage.id);
    await t.container.store.insert('panels', rest as typeof withImage);
    const data = (await as(t.app, alice).get(statsUrl(seeded.project.id))).json().data;
    expect(data.panels).toBe(5);
    expect(data.panels_without_image).toBe(seeded.expected.panelsWithoutImage + 1);
  });

  it("is a 404 for another user's project and a 422 for a malformed id", async () => {
    const seeded = await seedProject(t.container.store, alice.id, 'Private');
    const foreign = await as(t.app, bob).get(statsUrl(seeded.project.id));
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ success: false, code: 'not_found' });
    expect((await as(t.app, alice).get(statsUrl(newId()))).statusCode).toBe(404);
    expect((await as(t.app, alice).get(statsUrl('xyz'))).statusCode).toBe(422);
  });

  it('follows content created through the API', async () => {
    const s = story(t.app, alice);
    const project = await s.project({ title: 'Live' });
    const hero = await s.character(project.id);
    const chapter = await s.chapter(project.id);
    const scene = await s.scene(chapter.id);
    const panel = await s.panel(scene.id, { description: 'one' });
    await s.panel(scene.id, { description: 'two' });
    const put = await s.api.put(`/api/v1/panels/${panel.id}/dialogue`, {
      dialogue: [
        { type: 'speech', character_id: hero.id, text: 'Three little words' },
        { type: 'caption', character_id: null, text: 'Later' },
      ],
    });
    expect(put.statusCode).toBe(200);
    const data = (await s.api.get(statsUrl(project.id))).json().data;
    expect(data).toMatchObject({ chapters: 1, scenes: 1, panels: 2, characters: 1, dialogue_bubbles: 2, dialogue_words: 4, panels_without_image: 2 });
  });
});
