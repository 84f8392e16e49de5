import { mkdtemp, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { randomBytes, createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageDoc } from '../../src/modules/images/images.schemas.js';
import { createProjectExportService } from '../../src/modules/project-io/project-export.service.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { createProject, jpeg, originalsIn, png, seedContent, uploadImage, webp } from './images.fixtures.js';

let t: TestApp;
let alice: TestUser;
let project: string;

beforeAll(async () => {
  t = await buildTestApp();
  alice = await createUser(t.app);
  project = await createProject(t.app, alice);
});
afterAll(() => t.close());

const doc = async <T = Record<string, unknown>>(collection: string, id: string) => (await t.container.store.get(collection, id)) as unknown as T & { version: number };
const stored = (sha256: string) => t.container.blobs.size(sha256);

describe('GET /chapters/{chapter_id}/cover and /panels/{panel_id}/image', () => {
  it('stream the linked image, 404 when there is none', async () => {
    const { chapter, panel } = await seedContent(t.container, alice.id, project);
    const api = as(t.app, alice);
    expect((await api.get(`/api/v1/chapters/${chapter.id}/cover`)).json()).toMatchObject({ code: 'not_found' });
    expect((await api.get(`/api/v1/panels/${panel.id}/image`)).statusCode).toBe(404);

    const bytes = await webp(90, 60);
    const image = await uploadImage(t.app, alice, project, bytes, [['panel_id', panel.id]]);
    await t.container.store.update('chapters', chapter.id, { cover_image_id: image.id });
    for (const url of [`/api/v1/chapters/${chapter.id}/cover`, `/api/v1/panels/${panel.id}/image`]) {
      const response = await api.get(url);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('image/webp');
      expect(response.headers.etag).toBe(`"${image.sha256}"`);
      expect(response.rawPayload.equals(bytes)).toBe(true);
    }
  });

  it('need a bearer token', async () => {
    const { chapter } = await seedContent(t.container, alice.id, project);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/chapters/${chapter.id}/cover` })).statusCode).toBe(401);
  });
});

describe('POST /characters/{id}/designs and /locations/{id}/references', () => {
  it('add an image of the project (201, the updated document, Location), once', async () => {
    const { character, location } = await seedContent(t.container, alice.id, project);
    const image = await uploadImage(t.app, alice, project, await png(12, 12));
    const api = as(t.app, alice);

    const design = await api.post(`/api/v1/characters/${character.id}/designs`, { image_id: image.id });
    expect(design.statusCode).toBe(201);
    expect(design.headers.location).toBe(`/api/v1/characters/${character.id}`);
    expect(design.json().data).toMatchObject({ id: character.id, design_image_ids: [image.id], name: 'Ada', version: character.version + 1 });
    const again = await api.post(`/api/v1/characters/${character.id}/designs`, { image_id: image.id });
    expect(again.json().data).toMatchObject({ design_image_ids: [image.id], version: character.version + 1 });

    const reference = await api.post(`/api/v1/locations/${location.id}/references`, { image_id: image.id });
    expect(reference.statusCode).toBe(201);
    expect(reference.headers.location).toBe(`/api/v1/locations/${location.id}`);
    expect(reference.json().data).toMatchObject({ id: location.id, reference_image_ids: [image.id] });
  });

  it('refuse an image of another project (422), a missing one (404), bad bodies (422) and a stale version (409)', async () => {
    const { character, location } = await seedContent(t.container, alice.id, project);
    const elsewhere = await uploadImage(t.app, alice, await createProject(t.app, alice, 'Elsewhere'), await png(9, 9));
    const api = as(t.app, alice);
    const wrong = await api.post(`/api/v1/characters/${character.id}/designs`, { image_id: elsewhere.id });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().details[0].field).toBe('image_id');
    expect((await api.post(`/api/v1/locations/${location.id}/references`, { image_id: elsewhere.id })).statusCode).toBe(422);
    expect((await api.post(`/api/v1/characters/${character.id}/designs`, { image_id: 'bbbbbbbbbbbbbbbbbbbbbbbb' })).statusCode).toBe(404);
    expect((await api.post(`/api/v1/characters/${character.id}/designs`, { image_id: 'nope' })).statusCode).toBe(422);
    expect((await api.post(`/api/v1/characters/${character.id}/designs`, {})).statusCode).toBe(422);
    const mine = await uploadImage(t.app, alice, project, await png(9, 9));
    expect((await api.post(`/api/v1/locations/${location.id}/references`, { image_id: mine.id, extra: 1 })).statusCode).toBe(422);
    expect((await api.post(`/api/v1/locations/${location.id}/references`, { image_id: mine.id, version: 99 })).statusCode).toBe(409);
    expect((await api.post(`/api/v1/locations/${location.id}/references`, { image_id: mine.id, version: 1 })).statusCode).toBe(201);
    expect((await api.post('/api/v1/characters/cccccccccccccccccccccccc/designs', { image_id: mine.id })).statusCode).toBe(404);
    expect((await doc('characters', character.id)).version).toBe(character.version);
  });
});

describe('DELETE /images/{image_id}', () => {
  it('detaches every kind of reference in one go, keeps other ids, and frees the file', async () => {
    const { chapter, panel, character, location } = await seedContent(t.container, alice.id, project);
    const image = await uploadImage(t.app, alice, project, await jpeg(50, 40));
    const keep = await uploadImage(t.app, alice, project, await jpeg(51, 40));
    await t.container.store.update('panels', panel.id, { image_id: image.id });
    await t.container.store.update('chapters', chapter.id, { cover_image_id: image.id });
    await t.container.store.update('characters', character.id, { design_image_ids: [keep.id, image.id], sheet_image_id: image.id, reference_image_ids: [image.id] });
    await t.container.store.update('locations', location.id, { reference_image_ids: [image.id, keep.id] });
    const api = as(t.app, alice);
    expect((await api.put(`/api/v1/projects/${project}`, { style_guide: { reference_image_ids: [image.id, keep.id] } })).statusCode).toBe(200);
    const versions = {
      panel: (await doc('panels', panel.id)).version,
      chapter: (await doc('chapters', chapter.id)).version,
      character: (await doc('characters', character.id)).version,
      location: (await doc('locations', location.id)).version,
      project: (await doc('projects', project)).version,
    };
    const seen: { resource: unknown; id: unknown }[] = [];
    const stop = t.container.events.subscribe((event) => seen.push(event.data as { resource: unknown; id: unknown }));

    const response = await api.delete(`/api/v1/images/${image.id}`);
    stop();
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toEqual({ id: image.id, deleted: true });

    expect(await doc('panels', panel.id)).toMatchObject({ image_id: null, version: versions.panel + 1 });
    expect(await doc('chapters', chapter.id)).toMatchObject({ cover_image_id: null, version: versions.chapter + 1 });
    expect(await doc('characters', character.id)).toMatchObject({ design_image_ids: [keep.id], sheet_image_id: null, reference_image_ids: [], version: versions.character + 1 });
    expect(await doc('locations', location.id)).toMatchObject({ reference_image_ids: [keep.id], version: versions.location + 1 });
    const projectDoc = await doc<{ style_guide: { reference_image_ids: string[]; aspect_ratio: string } }>('projects', project);
    expect(projectDoc.style_guide).toMatchObject({ reference_image_ids: [keep.id], aspect_ratio: '2:3' });
    expect(projectDoc.version).toBe(versions.project + 1);
    for (const id of [panel.id, chapter.id, character.id, location.id, project, image.id]) expect(seen.map((change) => change.id)).toContain(id);

    expect(await t.container.store.get('images', image.id)).toBeNull();
    expect(await stored(image.sha256)).toBeNull();
    expect(await t.container.blobs.size(image.sha256, 'thumbnail')).toBeNull();
    expect(await stored(keep.sha256)).not.toBeNull();
    expect((await api.get(`/api/v1/images/${image.id}/metadata`)).statusCode).toBe(404);
    expect((await api.delete(`/api/v1/images/${image.id}`)).statusCode).toBe(404);
  });

  it('keeps the file while another record uses the same bytes', async () => {
    const bytes = await png(31, 17);
    const first = await uploadImage(t.app, alice, project, bytes);
    const second = await uploadImage(t.app, alice, project, bytes);
    const api = as(t.app, alice);
    expect((await api.delete(`/api/v1/images/${first.id}`)).statusCode).toBe(200);
    expect(await stored(first.sha256)).toBe(bytes.length);
    expect((await api.get(`/api/v1/images/${second.id}`)).rawPayload.equals(bytes)).toBe(true);
    expect((await api.delete(`/api/v1/images/${second.id}`)).statusCode).toBe(200);
    expect(await stored(first.sha256)).toBeNull();
  });
});

describe('freeing files', () => {
  const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

  it('the orphan sweep removes stray files and stale temp files, and keeps every referenced one', async () => {
    const kept = await uploadImage(t.app, alice, project, await png(14, 14));
    const stray = await t.container.blobs.put(randomBytes(2048));
    const planted = randomBytes(1000);
    const plantedDir = path.join(t.dataDir, 'images', 'originals', sha(planted).slice(0, 2));
    await mkdir(plantedDir, { recursive: true });
    await writeFile(path.join(plantedDir, sha(planted)), planted);
    const unrelated = path.join(t.dataDir, 'images', 'originals', 'README');
    await writeFile(unrelated, 'not a blob');
    const staleTemp = path.join(t.dataDir, 'images', 'tmp', 'crashed.part');
    await writeFile(staleTemp, 'half');
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(staleTemp, old, old);
    const freshTemp = path.join(t.dataDir, 'images', 'tmp', 'in-flight.part');
    await writeFile(freshTemp, 'writing');

    const result = await t.container.services.images.sweepOrphans();
    expect(result.removed).toBeGreaterThanOrEqual(2);
    expect(result.temp_files).toBe(1);
    expect(await stored(stray.sha256)).toBeNull();
    expect(await stored(sha(planted))).toBeNull();
    expect(await stored(kept.sha256)).not.toBeNull();
    expect(await t.container.blobs.size(kept.sha256, 'thumbnail')).not.toBeNull();
    expect(await readFile(unrelated, 'utf8')).toBe('not a blob');
    await expect(readFile(staleTemp)).rejects.toThrow();
    expect(await readFile(freshTemp, 'utf8')).toBe('writing');
  });

  it('a grace period keeps freshly written files (another process may be about to record them)', async () => {
    const fresh = await t.container.blobs.put(randomBytes(512));
    await t.container.services.images.sweepOrphans({ graceMs: 60_000 });
    expect(await stored(fresh.sha256)).toBe(512);
    await t.container.services.images.sweepOrphans({ graceMs: 0 });
    expect(await stored(fresh.sha256)).toBeNull();
  });

  it('deleting a project removes its image records and their files, not files another project shares', async () => {
    const doomed = await createProject(t.app, alice, 'Doomed');
    const shared = await png(22, 22);
    const own = await uploadImage(t.app, alice, doomed, await jpeg(23, 23));
    const sharedHere = await uploadImage(t.app, alice, doomed, shared);
    const sharedThere = await uploadImage(t.app, alice, project, shared);
    expect((await as(t.app, alice).delete(`/api/v1/projects/${doomed}`)).statusCode).toBe(200);
    expect(await t.container.store.get('images', own.id)).toBeNull();
    expect(await t.container.store.get('images', sharedHere.id)).toBeNull();
    expect(await stored(own.sha256)).toBeNull();
    expect(await stored(sharedThere.sha256)).toBe(shared.length);
  });

  it('the container sweeps orphans at start', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-images-restart-'));
    const first = await buildTestApp({ dataDir });
    const user = await createUser(first.app);
    const kept = await uploadImage(first.app, user, await createProject(first.app, user), await webp(16, 16));
    const stray = await first.container.blobs.put(randomBytes(4096));
    await first.close({ keepData: true });
    expect(await originalsIn(dataDir)).toHaveLength(2);

    const second = await buildTestApp({ dataDir });
    try {
      expect(await second.container.blobs.size(stray.sha256)).toBeNull();
      const record = await second.container.store.get<ImageDoc>('images', kept.id);
      expect(await second.container.blobs.size(kept.sha256)).toBe(record!.size_bytes);
      expect(await originalsIn(dataDir)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});

describe('image files for the zip export', () => {
  it('yields each referenced image once as <sha256>.<ext>, with its bytes', async () => {
    const bytes = await jpeg(18, 18);
    const a = await uploadImage(t.app, alice, project, bytes);
    const b = await uploadImage(t.app, alice, project, bytes);
    const c = await uploadImage(t.app, alice, project, await webp(18, 18));
    const foreign = await uploadImage(t.app, alice, await createProject(t.app, alice, 'Foreign'), await png(5, 5));
    const files = [];
    for await (const file of t.container.services.images.imageFiles({ projectId: project, imageIds: [a.id, b.id, c.id, foreign.id] })) files.push(file);
    expect(files.map((file) => file.name).sort()).toEqual([`${a.sha256}.jpg`, `${c.sha256}.webp`].sort());
    const jpegFile = files.find((file) => file.name.endsWith('.jpg'))!;
    const chunks: Buffer[] = [];
    for await (const chunk of await jpegFile.open()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });
});

describe('zip export with the image files plugged in', () => {
  it('carries every referenced image as images/<sha256>.<ext>', async () => {
    const exported = await createProject(t.app, alice, 'Exported');
    const { panel, character } = await seedContent(t.container, alice.id, exported);
    const art = await uploadImage(t.app, alice, exported, await png(26, 26), [['panel_id', panel.id]]);
    const design = await uploadImage(t.app, alice, exported, await webp(27, 27));
    await t.container.store.update('characters', character.id, { design_image_ids: [design.id] });
    const unused = await uploadImage(t.app, alice, exported, await jpeg(28, 28));

    const exporter = createProjectExportService({ store: t.container.store, imageFiles: t.container.services.images.imageFiles });
    const file = await exporter.export(alice.id, exported, 'zip');
    const chunks: Buffer[] = [];
    for await (const chunk of file.stream) chunks.push(chunk as Buffer);
    const zip = Buffer.concat(chunks);
    expect(zip.includes(Buffer.from(`images/${art.sha256}.png`))).toBe(true);
    expect(zip.includes(Buffer.from(`images/${design.sha256}.webp`))).toBe(true);
    expect(zip.includes(Buffer.from(`images/${unused.sha256}.jpg`))).toBe(false);
  });
});

describe('saveImage (bytes that were not uploaded, e.g. generated art)', () => {
  it('stores a record with its source and metadata, deduplicated, thumbnail included', async () => {
    const bytes = await png(44, 33);
    const images = t.container.services.images;
    const first = await images.saveImage({ owner_id: alice.id, project_id: project, source: 'generated', data: bytes, metadata: { prompt: 'a harbour', seed: 7 } });
    const second = await images.saveImage({ owner_id: alice.id, project_id: project, source: 'generated', data: bytes });
    expect(first).toMatchObject({ source: 'generated', width: 44, height: 33, panel_id: null, metadata: { format: 'png', prompt: 'a harbour', seed: 7, original_name: null } });
    expect(second.sha256).toBe(first.sha256);
    expect((await originalsIn(t.dataDir)).filter((file) => file.endsWith(first.sha256))).toHaveLength(1);
    expect(await t.container.blobs.size(first.sha256, 'thumbnail')).not.toBeNull();
    const served = await as(t.app, alice).get(`/api/v1/images/${first.id}`);
    expect(served.rawPayload.equals(bytes)).toBe(true);
    const record = (await as(t.app, alice).get(`/api/v1/images/${first.id}/metadata`)).json().data;
    expect(record).toMatchObject({ source: 'generated', metadata: { prompt: 'a harbour', seed: 7, format: 'png' } });
  });

  it('refuses bytes that are not an accepted image', async () => {
    const images = t.container.services.images;
    await expect(images.saveImage({ owner_id: alice.id, project_id: project, source: 'generated', data: Buffer.from('<svg/>') })).rejects.toMatchObject({ statusCode: 415 });
  });
});
