import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { createProjectExportService, type ImageFileSource } from '../../src/modules/project-io/project-export.service.js';
import { DERIVED_PANEL_FIELDS, withoutDerived } from '../../src/modules/panels/panel-derived.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { seedProject, type SeededProject } from '../helpers/seed-project.js';
import { story } from '../helpers/story-fixtures.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let seeded: SeededProject;
beforeAll(async () => {
  t = await buildTestApp();
  alice = await createUser(t.app);
  bob = await createUser(t.app);
  seeded = await seedProject(t.container.store, alice.id);
});
afterAll(async () => t.close());

// Export documents are walked generically in assertions; typing every level would only restate the schemas.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const exportUrl = (projectId: string, query = '') => `/api/v1/projects/${projectId}/export${query}`;

function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const files = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(files));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const stored = (collection: string, id: string) => t.container.store.get<Json & { id: string; created_at: string; updated_at: string; version: number }>(collection, id);
const withoutKey = (doc: Json, key: string) => Object.fromEntries(Object.entries(doc).filter(([name]) => name !== key));

describe('GET /projects/{project_id}/export (json)', () => {
  it('downloads the raw export document as an attachment', async () => {
    const res = await as(t.app, alice).get(exportUrl(seeded.project.id));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="cafe-noir-part-2.json"');
    const body = res.json();
    expect(body).not.toHaveProperty('success');
    expect(Object.keys(body)).toEqual(['format_version', 'exported_at', 'project', 'chapters', 'characters', 'locations', 'instructions', 'images']);
    expect(body.format_version).toBe(1);
    expect(body.exported_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(res.json()).toEqual(JSON.parse(res.body));
  });

  it('holds every stored document and field, nested in story order', async () => {
    const body = (await as(t.app, alice).get(exportUrl(seeded.project.id))).json() as Json;
    expect(body.project).toEqual(await stored('projects', seeded.project.id));

    const byOrder = (docs: Json[]) => [...docs].sort((a, b) => a.order - b.order).map((doc) => doc.id);
    expect(body.chapters.map((c: Json) => c.id)).toEqual(byOrder(seeded.chapters));
    let panelCount = 0;
    for (const chapter of body.chapters as Json[]) {
      expect(withoutKey(chapter, 'scenes')).toEqual(await stored('chapters', chapter.id));
      expect(chapter.scenes.map((s: Json) => s.id)).toEqual(byOrder(seeded.scenes.filter((s) => s.chapter_id === chapter.id)));
      for (const scene of chapter.scenes as Json[]) {
        expect(withoutKey(scene, 'panels')).toEqual(await stored('scenes', scene.id));
        expect(scene.panels.map((p: Json) => p.id)).toEqual(byOrder(seeded.panels.filter((p) => p.scene_id === scene.id)));
        for (const panel of scene.panels as Json[]) {
          panelCount += 1;
          const original = (await stored('panels', panel.id))!;
          // Every stored field but the internal ones derived from the dialogue (not part of the API's Panel).
          expect(original).toHaveProperty('word_count');
          expect(Object.keys(panel).filter((key) => (DERIVED_PANEL_FIELDS as readonly string[]).includes(key))).toEqual([]);
          expect(withoutKey(panel, 'dialogue')).toEqual(withoutKey(withoutDerived(original), 'dialogue'));
          // Same bubbles, listed by their order even though one panel stores them shuffled.
          expect(panel.dialogue).toEqual([...(original.dialogue as Json[])].sort((a, b) => a.order - b.order));
          expect(panel.dialogue.map((b: Json) => b.order)).toEqual(panel.dialogue.map((_: Json, i: number) => i));
        }
      }
    }
    expect(panelCount).toBe(seeded.panels.length);

    for (const name of ['characters', 'locations', 'instructions', 'images'] as const) {
      const expected = await Promise.all(seeded[name].map((doc) => stored(name, doc.id)));
      expect(new Set(body[name].map((d: Json) => d.id))).toEqual(new Set(seeded[name].map((d) => d.id)));
      expect([...body[name]].sort((a: Json, b: Json) => a.id.localeCompare(b.id))).toEqual(expected.sort((a, b) => a!.id.localeCompare(b!.id)));
    }
    // Every image reference survives, and each names an exported image record (files go into the zip).
    const records = new Set(body.images.map((image: Json) => image.id));
    const text = JSON.stringify(withoutKey(body, 'images'));
    for (const imageId of seeded.imageIds) {
      expect(text).toContain(imageId);
      expect(records.has(imageId)).toBe(true);
    }
  });

  it('answers an empty tree for a project with no content', async () => {
    const project = (await as(t.app, alice).post('/api/v1/projects', { title: '!!!' })).json().data;
    const res = await as(t.app, alice).get(exportUrl(project.id, '?format=json'));
    expect(res.headers['content-disposition']).toBe('attachment; filename="project.json"');
    expect(res.json()).toMatchObject({ project: { id: project.id }, chapters: [], characters: [], locations: [], instructions: [], images: [] });
  });

  it.each([['?format=pdf'], ['?format='], ['?formt=json']])('rejects %s with a 422 error envelope', async (query) => {
    const res = await as(t.app, alice).get(exportUrl(seeded.project.id, query));
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.json()).toMatchObject({ success: false, code: 'validation_failed' });
  });

  it("is a 404 error envelope for another user's project or no project", async () => {
    for (const [user, id] of [[bob, seeded.project.id], [alice, newId()]] as const) {
      for (const format of ['json', 'zip']) {
        const res = await as(t.app, user).get(exportUrl(id, `?format=${format}`));
        expect(res.statusCode).toBe(404);
        expect(res.headers['content-disposition']).toBeUndefined();
        expect(res.json()).toMatchObject({ success: false, code: 'not_found' });
      }
    }
  });

  it('is documented as a raw (not enveloped) download', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const op = doc.paths['/api/v1/projects/{project_id}/export'].get;
    expect(op.description).toMatch(/not wrapped in the success envelope/i);
    expect(Object.keys(op.responses['200'].content)).toEqual(['application/json', 'application/zip']);
    expect(op.responses['200'].content['application/json'].schema.properties).toHaveProperty('format_version');
    expect(op.parameters.find((p: Json) => p.name === 'format').schema).toBeDefined();
    expect(op.responses['404'].content['application/json'].schema.properties).toHaveProperty('code');
  });
});

describe('GET /projects/{project_id}/export?format=zip', () => {
  it('streams a zip whose project.json equals the json export', async () => {
    const res = await as(t.app, alice).get(exportUrl(seeded.project.id, '?format=zip'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe('attachment; filename="cafe-noir-part-2.zip"');
    const files = await unzip(res.rawPayload);
    expect([...files.keys()]).toEqual(['project.json']);
    const fromZip = JSON.parse(files.get('project.json')!.toString('utf8'));
    const json = (await as(t.app, alice).get(exportUrl(seeded.project.id))).json();
    expect(withoutKey(fromZip, 'exported_at')).toEqual(withoutKey(json, 'exported_at'));
  });

  it('includes the stored file of every referenced image, once per content hash', async () => {
    const project = await seedProject(t.container.store, alice.id, 'With art');
    const bytes = Buffer.from('not really a png, but the bytes must travel unchanged');
    const blob = await t.container.blobs.put(bytes);
    const image = (id = newId()) => ({
      id,
      owner_id: alice.id,
      project_id: project.project.id,
      panel_id: null,
      source: 'upload',
      mime_type: 'image/png',
      width: 1,
      height: 1,
      size_bytes: bytes.length,
      sha256: blob.sha256,
      metadata: {},
    });
    const [first, second, unused] = [image(), image(), image()];
    await t.container.store.insertMany('images', [first, second, unused]);
    const [panelA, panelB] = project.panels;
    await t.container.store.update('panels', panelA!.id, { image_id: first.id });
    await t.container.store.update('panels', panelB!.id, { image_id: second.id });

    const res = await as(t.app, alice).get(exportUrl(project.project.id, '?format=zip'));
    expect(res.statusCode).toBe(200);
    const files = await unzip(res.rawPayload);
    expect([...files.keys()]).toEqual(['project.json', `images/${blob.sha256}.png`]);
    expect(files.get(`images/${blob.sha256}.png`)).toEqual(bytes);
    const doc = JSON.parse(files.get('project.json')!.toString('utf8'));
    const imageIds = doc.chapters.flatMap((c: Json) => c.scenes.flatMap((s: Json) => s.panels.map((p: Json) => p.image_id)));
    expect(imageIds).toEqual(expect.arrayContaining([first.id, second.id]));
  });

  it('adds every referenced image from a plugged-in image source, once per file', async () => {
    const asked: string[][] = [];
    const bytes = (id: string) => Buffer.from(`image bytes of ${id}`);
    const imageFiles: ImageFileSource = async function* ({ projectId, imageIds }) {
      expect(projectId).toBe(seeded.project.id);
      asked.push(imageIds);
      for (const id of imageIds) yield { name: `${id}.png`, open: () => Readable.from([bytes(id)]) };
      // The same content under two ids is one file in the archive.
      yield { name: `${imageIds[0]}.png`, open: () => Readable.from([bytes(imageIds[0]!)]) };
    };
    const exporter = createProjectExportService({ store: t.container.store, imageFiles });
    const file = await exporter.export(alice.id, seeded.project.id, 'zip');
    const files = await unzip(await collect(file.stream));

    expect(new Set(asked[0])).toEqual(new Set(seeded.imageIds));
    expect([...files.keys()].sort()).toEqual(['project.json', ...seeded.imageIds.map((id) => `images/${id}.png`)].sort());
    for (const id of seeded.imageIds) expect(files.get(`images/${id}.png`)).toEqual(bytes(id));
  });

  it('fails the stream when an image cannot be read', async () => {
    const imageFiles: ImageFileSource = async function* ({ imageIds }) {
      yield {
        name: `${imageIds[0]}.png`,
        open: () =>
          new Readable({
            read() {
              this.destroy(new Error('disk gone'));
            },
          }),
      };
    };
    const exporter = createProjectExportService({ store: t.container.store, imageFiles });
    const file = await exporter.export(alice.id, seeded.project.id, 'zip');
    await expect(collect(file.stream)).rejects.toThrow('disk gone');
  });
});

describe('export of content made through the API', () => {
  it('round-trips chapters, scenes, panels and dialogue in story order', async () => {
    const s = story(t.app, alice);
    const project = await s.project({ title: 'Made by hand' });
    const hero = await s.character(project.id, { name: 'Ada' });
    const second = await s.chapter(project.id, { title: 'Second' });
    const first = await s.chapter(project.id, { title: 'First', order: 0 });
    const scene = await s.scene(first.id, { title: 'Opening' });
    const later = await s.panel(scene.id, { description: 'later' });
    const earlier = await s.panel(scene.id, { description: 'earlier', order: 0 });
    const dialogue = await s.api.put(`/api/v1/panels/${later.id}/dialogue`, {
      dialogue: [
        { type: 'speech', character_id: hero.id, text: 'First line' },
        { type: 'sfx', character_id: null, text: 'BANG' },
      ],
    });
    expect(dialogue.statusCode).toBe(200);

    const body = (await s.api.get(exportUrl(project.id))).json();
    expect(body.chapters.map((c: Json) => c.title)).toEqual(['First', 'Second']);
    expect(body.chapters[0].scenes.map((sc: Json) => sc.id)).toEqual([scene.id]);
    expect(body.chapters[1].id).toBe(second.id);
    const panels = body.chapters[0].scenes[0].panels;
    expect(panels.map((p: Json) => p.id)).toEqual([earlier.id, later.id]);
    expect(panels[1].dialogue.map((b: Json) => [b.text, b.character_id, b.order])).toEqual([
      ['First line', hero.id, 0],
      ['BANG', null, 1],
    ]);
    expect(panels[1]).toEqual((await s.api.get(`/api/v1/panels/${later.id}`)).json().data);
    expect(body.characters.map((c: Json) => c.id)).toEqual([hero.id]);
  });
});
