import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import type { AppEvent } from '../../src/ports/event-bus.js';
import type { StoredDoc } from '../../src/ports/document-store.js';
import { copyTitle } from '../../src/modules/project-io/project-duplicate.service.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { seedProject, type SeededProject } from '../helpers/seed-project.js';
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

// Export documents are walked generically in assertions; typing every level would only restate the schemas.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const CONTENT = ['chapters', 'scenes', 'panels', 'characters', 'locations', 'instructions', 'images'] as const;
const duplicateUrl = (projectId: string) => `/api/v1/projects/${projectId}/duplicate`;

/** Every stored document of a project, by collection (the project itself under `projects`). */
async function snapshot(projectId: string): Promise<Record<string, Json[]>> {
  const result: Record<string, Json[]> = { projects: [(await t.container.store.get('projects', projectId))!] };
  for (const name of CONTENT) result[name] = await t.container.store.find(name, { project_id: projectId }, { sort: [{ field: 'id', direction: 1 }] });
  return result;
}

async function exportOf(user: TestUser, projectId: string): Promise<Json> {
  const res = await as(t.app, user).get(`/api/v1/projects/${projectId}/export`);
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** Source id -> copy id, found by walking both exports side by side (same story structure). */
function idMapping(source: Json, copy: Json): Map<string, string> {
  const map = new Map<string, string>([[source.project.id, copy.project.id]]);
  const pair = (a: Json[], b: Json[]) => {
    expect(b.length).toBe(a.length);
    a.forEach((doc, i) => map.set(doc.id, b[i]!.id));
  };
  pair(source.chapters, copy.chapters);
  source.chapters.forEach((chapter: Json, c: number) => {
    pair(chapter.scenes, copy.chapters[c].scenes);
    chapter.scenes.forEach((scene: Json, s: number) => {
      pair(scene.panels, copy.chapters[c].scenes[s].panels);
      scene.panels.forEach((panel: Json, p: number) => pair(panel.dialogue, copy.chapters[c].scenes[s].panels[p].dialogue));
    });
  });
  const byKey = (docs: Json[], key: string) => [...docs].sort((a, b) => String(a[key]).localeCompare(String(b[key])));
  pair(byKey(source.characters, 'name'), byKey(copy.characters, 'name'));
  pair(byKey(source.locations, 'name'), byKey(copy.locations, 'name'));
  pair(byKey(source.instructions, 'content'), byKey(copy.instructions, 'content'));
  // Image records are listed by creation and the copies are made in that order.
  pair(source.images, copy.images);
  return map;
}

/** The value with every mapped id replaced and the store-managed fields dropped. */
function translated(value: unknown, map: Map<string, string>): unknown {
  if (typeof value === 'string') return map.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => translated(item, map));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !['created_at', 'updated_at', 'version', 'exported_at'].includes(key))
        .map(([key, item]) => [key, translated(item, map)]),
    );
  }
  return value;
}

describe('POST /projects/{project_id}/duplicate', () => {
  let seeded: SeededProject;
  let before: Record<string, Json[]>;
  let copy: Json;
  let location: string | undefined;
  const events: AppEvent[] = [];

  beforeAll(async () => {
    seeded = await seedProject(t.container.store, alice.id);
    before = await snapshot(seeded.project.id);
    const unsubscribe = t.container.events.subscribe((event) => events.push(event));
    const res = await as(t.app, alice).post(duplicateUrl(seeded.project.id));
    unsubscribe();
    expect(res.statusCode).toBe(201);
    copy = res.json().data;
    location = res.headers.location as string | undefined;
  });

  it('answers 201 with the new project and a Location that serves it', async () => {
    expect(copy.id).not.toBe(seeded.project.id);
    expect(location).toBe(`/api/v1/projects/${copy.id}`);
    expect(copy).toMatchObject({ title: 'Café Noir: Part 2 (copy)', owner_id: alice.id, version: 1, genre: 'noir', tags: ['rain'] });
    const sourceGuide = seeded.project.style_guide as Json;
    expect(copy.style_guide).toEqual({ ...sourceGuide, reference_image_ids: [expect.stringMatching(/^[0-9a-f]{24}$/)] });
    expect(copy.style_guide.reference_image_ids).not.toEqual(sourceGuide.reference_image_ids);
    expect((await as(t.app, alice).get(location!)).json().data).toEqual(copy);
    expect(events.filter((e) => e.type === 'content_update')).toEqual([
      expect.objectContaining({ project_id: copy.id, owner_id: alice.id, data: expect.objectContaining({ resource: 'project', id: copy.id, action: 'created' }) }),
    ]);
  });

  it('copies every document, with fresh timestamps and version 1', async () => {
    const after = await snapshot(copy.id);
    for (const name of CONTENT) {
      expect(after[name]!.length).toBe(before[name]!.length);
      for (const doc of after[name]!) expect(doc).toMatchObject({ project_id: copy.id, owner_id: alice.id, version: 1 });
    }
  });

  it('uses no id of the source anywhere in the copy', async () => {
    const sourceIds = new Set<string>();
    for (const docs of Object.values(before)) {
      for (const doc of docs) {
        sourceIds.add(doc.id);
        for (const bubble of doc.dialogue ?? []) sourceIds.add(bubble.id);
      }
    }
    expect(sourceIds.size).toBe(1 + 2 + 3 + 5 + 2 + 1 + 4 + 10 + seeded.expected.bubbles);
    const copyText = JSON.stringify(await snapshot(copy.id));
    const leaked = [...sourceIds].filter((id) => copyText.includes(id));
    expect(leaked).toEqual([]);
  });

  it('copies image records onto the same files (shared on disk by sha256)', async () => {
    const after = await snapshot(copy.id);
    const shas = (docs: Json[]) => docs.map((image) => image.sha256).sort();
    expect(shas(after.images!)).toEqual(shas(before.images!));
    const copiedPanelImages = new Set(after.panels!.map((panel) => panel.image_id).filter(Boolean));
    const imageIds = new Set(after.images!.map((image) => image.id));
    expect(copiedPanelImages.size).toBe(2);
    for (const id of copiedPanelImages) expect(imageIds.has(id)).toBe(true);
    // The image made for a panel points at the copied panel, which shows it.
    const linked = after.images!.find((image) => image.panel_id !== null)!;
    expect(after.panels!.find((panel) => panel.id === linked.panel_id)!.image_id).toBe(linked.id);
  });

  it('remaps every internal reference consistently: the copy is the source with ids swapped', async () => {
    const source = await exportOf(alice, seeded.project.id);
    const copied = await exportOf(alice, copy.id);
    const map = idMapping(source, copied);
    const newIds = [...map.values()];
    expect(new Set(newIds).size).toBe(newIds.length);
    for (const [from, to] of map) expect(to).not.toBe(from);

    const expected = translated(source, map) as Json;
    expected.project.title = copy.title;
    expect(translated(copied, new Map())).toEqual(expected);

    // Spelled out for one panel: its characters, location and speakers are the copies.
    const panel = copied.chapters[0].scenes[0].panels[0];
    const names = new Map(copied.characters.map((c: Json) => [c.id, c.name]));
    expect(panel.character_ids.map((id: string) => names.get(id))).toEqual(['Hero']);
    expect(panel.dialogue.map((b: Json) => names.get(b.character_id))).toEqual(['Hero', 'Villain']);
    expect(panel.location_id).toBe(copied.locations[0].id);
    const panelInstruction = copied.instructions.find((i: Json) => i.scope.type === 'panel');
    expect(panelInstruction).toMatchObject({ scope: { id: panel.id }, scope_id: panel.id });
    expect(copied.instructions.find((i: Json) => i.scope.type === 'project')).toMatchObject({ scope: { id: copy.id }, scope_id: copy.id });
  });

  it('leaves the source unchanged', async () => {
    expect(await snapshot(seeded.project.id)).toEqual(before);
  });
});

describe('duplicate options and errors', () => {
  it('takes a title, or none at all (no body)', async () => {
    const seeded = await seedProject(t.container.store, alice.id, 'Titled');
    const named = await as(t.app, alice).post(duplicateUrl(seeded.project.id), { title: 'Another take' });
    expect(named.statusCode).toBe(201);
    expect(named.json().data.title).toBe('Another take');
    const bare = await t.app.inject({ method: 'POST', url: duplicateUrl(seeded.project.id), headers: alice.auth });
    expect(bare.statusCode).toBe(201);
    expect(bare.json().data.title).toBe('Titled (copy)');
  });

  it('keeps the default title within 200 characters', () => {
    expect(copyTitle('a'.repeat(193))).toBe(`${'a'.repeat(193)} (copy)`);
    expect(copyTitle('b'.repeat(200))).toBe(`${'b'.repeat(193)} (copy)`);
    expect([...copyTitle('é'.repeat(150) + '😀'.repeat(50))].length).toBe(200);
  });

  it.each([[{ title: '' }, 'title'], [{ title: 'x'.repeat(201) }, 'title'], [{ title: 5 }, 'title'], [{ owner_id: newId() }, 'owner_id']])(
    'rejects %j with a 422 on %s',
    async (body, field) => {
      const seeded = await seedProject(t.container.store, alice.id, 'Strict');
      const res = await as(t.app, alice).post(duplicateUrl(seeded.project.id), body);
      expect(res.statusCode).toBe(422);
      expect(res.json().details[0].field).toBe(field);
    },
  );

  it("is a 404 for another user's project and copies nothing", async () => {
    const seeded = await seedProject(t.container.store, alice.id, 'Mine');
    const countOf = (ownerId: string) => t.container.store.count('projects', { owner_id: ownerId });
    const [aliceBefore, bobBefore] = [await countOf(alice.id), await countOf(bob.id)];
    const res = await as(t.app, bob).post(duplicateUrl(seeded.project.id));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ success: false, code: 'not_found' });
    expect([await countOf(alice.id), await countOf(bob.id)]).toEqual([aliceBefore, bobBefore]);
    expect((await as(t.app, alice).post(duplicateUrl(newId()))).statusCode).toBe(404);
  });

  it('drops references to documents that no longer exist instead of copying them dangling', async () => {
    const seeded = await seedProject(t.container.store, alice.id, 'Dangling');
    const gone = newId();
    const panel = seeded.panels.find((p) => Array.isArray(p.dialogue) && (p.dialogue as Json[]).length === 1)!;
    await t.container.store.update<Json & StoredDoc>('panels', panel.id, {
      character_ids: [gone, seeded.characters[0]!.id],
      location_id: gone,
      image_id: gone,
      dialogue: [{ id: newId(), type: 'speech', character_id: gone, text: 'Hm', order: 0 }],
    });
    await t.container.store.insert<Json & StoredDoc>('instructions', { id: newId(), owner_id: alice.id, project_id: seeded.project.id, scope: { type: 'scene', id: gone }, scope_type: 'scene', scope_id: gone, content: 'orphan', priority: 0, enabled: true });

    const res = await as(t.app, alice).post(duplicateUrl(seeded.project.id));
    expect(res.statusCode).toBe(201);
    const copied = await snapshot(res.json().data.id);
    expect(JSON.stringify(copied)).not.toContain(gone);
    expect(copied.instructions!.length).toBe(seeded.instructions.length);
    const copiedPanel = copied.panels!.find((p) => p.dialogue.length === 1 && p.dialogue[0].text === 'Hm')!;
    expect(copiedPanel).toMatchObject({ location_id: null, image_id: null, dialogue: [{ character_id: null }] });
    expect(copiedPanel.character_ids).toHaveLength(1);
  });
});

describe('duplicate and image files', () => {
  it('keeps a shared file while either project uses it, and frees it with the last one', async () => {
    const seeded = await seedProject(t.container.store, alice.id, 'Has art');
    const blob = await t.container.blobs.put(Buffer.from(`bytes ${newId()}`));
    const image = { ...seeded.images[0]!, id: newId(), sha256: blob.sha256, panel_id: null };
    await t.container.store.insert('images', image);
    await t.container.store.update('panels', seeded.panels[1]!.id, { image_id: image.id });

    const res = await as(t.app, alice).post(duplicateUrl(seeded.project.id));
    expect(res.statusCode).toBe(201);
    const copyId = res.json().data.id;

    expect((await as(t.app, alice).delete(`/api/v1/projects/${seeded.project.id}`)).statusCode).toBe(200);
    const copied = await snapshot(copyId);
    const copiedImage = copied.images!.find((record) => record.sha256 === blob.sha256)!;
    expect(copied.panels!.some((panel) => panel.image_id === copiedImage.id)).toBe(true);
    expect(await t.container.blobs.size(blob.sha256)).not.toBeNull();

    expect((await as(t.app, alice).delete(`/api/v1/projects/${copyId}`)).statusCode).toBe(200);
    expect(await t.container.blobs.size(blob.sha256)).toBeNull();
  });
});

describe('duplicate of content made through the API', () => {
  it('gives a working, independent copy', async () => {
    const s = story(t.app, alice);
    const project = await s.project({ title: 'Original' });
    const hero = await s.character(project.id, { name: 'Ada' });
    const harbour = await s.location(project.id);
    const chapter = await s.chapter(project.id);
    const scene = await s.scene(chapter.id, { character_ids: [hero.id], location_id: harbour.id });
    const panel = await s.panel(scene.id, { character_ids: [hero.id], location_id: harbour.id });
    expect((await s.api.put(`/api/v1/panels/${panel.id}/dialogue`, { dialogue: [{ type: 'speech', character_id: hero.id, text: 'Hi' }] })).statusCode).toBe(200);

    const res = await s.api.post(duplicateUrl(project.id), { title: 'Copy' });
    expect(res.statusCode).toBe(201);
    const copyId = res.json().data.id;

    const chapters = (await s.read(`/api/v1/projects/${copyId}/chapters`)).items as Json[];
    expect(chapters).toHaveLength(1);
    const scenes = (await s.read(`/api/v1/chapters/${chapters[0]!.id}/scenes`)).items as Json[];
    const panels = (await s.read(`/api/v1/scenes/${scenes[0]!.id}/panels`)).items as Json[];
    const characters = (await s.read(`/api/v1/projects/${copyId}/characters`)).items as Json[];
    const copiedHero = characters[0]!;
    expect(copiedHero).toMatchObject({ name: 'Ada' });
    expect(copiedHero.id).not.toBe(hero.id);
    expect(scenes[0]).toMatchObject({ character_ids: [copiedHero.id] });
    expect(panels[0]).toMatchObject({ character_ids: [copiedHero.id], dialogue: [{ character_id: copiedHero.id, text: 'Hi' }] });
    expect(panels[0]!.location_id).not.toBe(harbour.id);

    // Editing the copy leaves the original alone.
    expect((await s.api.put(`/api/v1/panels/${panels[0]!.id}`, { description: 'changed in copy' })).statusCode).toBe(200);
    expect((await s.read(`/api/v1/panels/${panel.id}`)).description).not.toBe('changed in copy');
  });
});
