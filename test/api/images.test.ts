import { createHash } from 'node:crypto';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { claimedHugePng, createProject, exifJpeg, filesUnder, jpeg, multipart, originalsIn, png, seedContent, upload, uploadImage, webp } from './images.fixtures.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let project: string;

beforeAll(async () => {
  t = await buildTestApp();
  [alice, bob] = await Promise.all([createUser(t.app), createUser(t.app)]);
  project = await createProject(t.app, alice);
});
afterAll(() => t.close());

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('POST /images/upload: accepted formats', () => {
  it.each([
    ['jpeg', jpeg, 'image/jpeg'],
    ['png', png, 'image/png'],
    ['webp', webp, 'image/webp'],
  ] as const)('stores a %s with its real width and height', async (format, make, mime) => {
    const data = await make(321, 123);
    const response = await upload(t.app, alice, [['project_id', project]], { data, filename: `x.${format}`, contentType: 'application/octet-stream' });
    expect(response.statusCode).toBe(201);
    const image = response.json().data;
    expect(response.headers.location).toBe(`/api/v1/images/${image.id}`);
    expect(image).toMatchObject({
      owner_id: alice.id,
      project_id: project,
      panel_id: null,
      source: 'upload',
      mime_type: mime,
      width: 321,
      height: 123,
      size_bytes: data.length,
      sha256: sha(data),
      version: 1,
      metadata: { format, original_name: `x.${format}` },
    });
    expect(image.url).toMatch(new RegExp(`^/api/v1/images/${image.id}\\?exp=\\d+&sig=[\\w-]{43}$`));
    expect(image.thumbnail_url).toMatch(new RegExp(`^/api/v1/images/${image.id}/thumbnail\\?exp=\\d+&sig=[\\w-]{43}$`));
  });

  it('reports the displayed size of a JPEG stored sideways (EXIF orientation applied)', async () => {
    const image = await uploadImage(t.app, alice, project, await exifJpeg(300, 200));
    expect([image.width, image.height]).toEqual([200, 300]);
  });
});

describe('POST /images/upload: refused content', () => {
  it('refuses a text file named .png sent as image/png (415)', async () => {
    const response = await upload(t.app, alice, [['project_id', project]], { data: Buffer.from('hello, I am text\n'.repeat(50)), filename: 'cat.png', contentType: 'image/png' });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ success: false, code: 'unsupported_media_type' });
  });

  it('refuses an SVG carrying a script (415)', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>');
    const response = await upload(t.app, alice, [['project_id', project]], { data: svg, filename: 'x.png', contentType: 'image/svg+xml' });
    expect(response.statusCode).toBe(415);
  });

  it('refuses GIF and TIFF (415)', async () => {
    const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
    expect((await upload(t.app, alice, [['project_id', project]], { data: gif })).statusCode).toBe(415);
    const tiff = Buffer.concat([Buffer.from('II*\0'), Buffer.alloc(64)]);
    expect((await upload(t.app, alice, [['project_id', project]], { data: tiff })).statusCode).toBe(415);
  });

  it('refuses a truncated PNG (422)', async () => {
    const data = await png(400, 300);
    const response = await upload(t.app, alice, [['project_id', project]], { data: data.subarray(0, Math.floor(data.length * 0.6)) });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'validation_failed', details: [{ field: 'file' }] });
  });

  it('refuses a truncated JPEG and a corrupt WebP (422)', async () => {
    const cut = await jpeg(400, 300);
    expect((await upload(t.app, alice, [['project_id', project]], { data: cut.subarray(0, Math.floor(cut.length * 0.5)) })).statusCode).toBe(422);
    const bad = await webp(100, 100);
    bad.fill(0x41, 20, 60);
    expect((await upload(t.app, alice, [['project_id', project]], { data: bad })).statusCode).toBe(422);
  });

  it('refuses an empty file (422)', async () => {
    expect((await upload(t.app, alice, [['project_id', project]], { data: Buffer.alloc(0) })).statusCode).toBe(422);
  });

  it('refuses an 11 MB body (413) from its Content-Length', async () => {
    const data = Buffer.concat([await png(10, 10), Buffer.alloc(11 * 1024 * 1024)]);
    const response = await upload(t.app, alice, [['project_id', project]], { data });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ success: false, code: 'payload_too_large' });
    // Refused unread: the connection closes rather than taking in 11 MB nobody wants.
    expect(response.headers.connection).toBe('close');
  });

  it('refuses a 40 MB file streamed without Content-Length (413) before reading it all, and stores nothing', async () => {
    const before = await originalsIn(t.dataDir);
    const { payload, headers } = multipart([['project_id', project]], { data: Buffer.concat([await png(10, 10), Buffer.alloc(40 * 1024 * 1024)]) });
    const chunkSize = 64 * 1024;
    let sent = 0;
    // A stream payload goes without Content-Length, so only the multipart limit can stop it.
    const body = Readable.from((async function* () {
      for (; sent * chunkSize < payload.length; sent += 1) {
        await new Promise((resolve) => setImmediate(resolve));
        yield payload.subarray(sent * chunkSize, (sent + 1) * chunkSize);
      }
    })());
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/images/upload', payload: body, headers: { ...headers, ...alice.auth } });
    const sentWhenAnswered = sent * chunkSize;
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('payload_too_large');
    // Answered soon after the limit was crossed (the stored part is dropped first), not after the whole body.
    expect(sentWhenAnswered).toBeLessThan(20 * 1024 * 1024);
    expect(await originalsIn(t.dataDir)).toEqual(before);
  });

  it('refuses a PNG claiming 16000x16000 in well under a second, and the server stays healthy', async () => {
    const data = claimedHugePng();
    expect(data.length).toBeGreaterThan(2_900_000);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const response = await upload(t.app, alice, [['project_id', project]], { data, filename: 'huge.png' });
    const elapsed = performance.now() - started;
    expect(response.statusCode).toBe(422);
    expect(response.json().details[0]).toMatchObject({ field: 'file', message: expect.stringContaining('16000x16000') });
    expect(elapsed).toBeLessThan(1000);
    // Decoding would have needed 768 MB.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
    await uploadImage(t.app, alice, project, await png(20, 20));
  });
});

describe('POST /images/upload: the form', () => {
  it('keeps a path-traversal file name away from the filesystem', async () => {
    const data = await png(33, 33);
    const response = await upload(t.app, alice, [['project_id', project]], { data, filename: '../../../../tmp/evil\u0001.png' });
    expect(response.statusCode).toBe(201);
    expect(response.json().data.metadata.original_name).toBe('evil.png');
    await expect(access(path.join(t.dataDir, '..', 'evil.png'))).rejects.toThrow();
    const names = (await filesUnder(path.join(t.dataDir, 'images'))).filter((file) => !file.startsWith('tmp'));
    for (const file of names) expect(file).toMatch(/^(originals\/[0-9a-f]{2}\/[0-9a-f]{64}|thumbnails\/[0-9a-f]{2}\/[0-9a-f]{64}\.webp)$/);
    expect(names).toContain(`originals/${sha(data).slice(0, 2)}/${sha(data)}`);
  });

  it('stores identical bytes once: two records, one file', async () => {
    const data = await jpeg(64, 48);
    const first = await uploadImage(t.app, alice, project, data);
    const second = await uploadImage(t.app, alice, project, data);
    expect(second.id).not.toBe(first.id);
    expect(second.sha256).toBe(first.sha256);
    const copies = (await originalsIn(t.dataDir)).filter((file) => file.endsWith(first.sha256));
    expect(copies).toHaveLength(1);
    expect(await readdir(path.join(t.dataDir, 'images', 'tmp'))).toEqual([]);
  });

  it('links the panel when panel_id is given and announces the change', async () => {
    const { panel } = await seedContent(t.container, alice.id, project);
    const seen: unknown[] = [];
    const stop = t.container.events.subscribe((event) => seen.push(event.data));
    const image = await uploadImage(t.app, alice, project, await png(40, 30), [['panel_id', panel.id]]);
    stop();
    const stored = await t.container.store.get<{ image_id: string; version: number } & typeof panel>('panels', panel.id);
    expect(stored).toMatchObject({ image_id: image.id, version: panel.version + 1 });
    expect(seen).toContainEqual(expect.objectContaining({ resource: 'panel', id: panel.id, action: 'updated' }));
    expect(seen).toContainEqual(expect.objectContaining({ resource: 'image', id: image.id, action: 'created' }));
    expect((await as(t.app, alice).get(`/api/v1/images/${image.id}/metadata`)).json().data.panel_id).toBe(panel.id);
  });

  it('refuses a panel of another project (422) or another user (404)', async () => {
    const other = await createProject(t.app, alice, 'Other');
    const { panel } = await seedContent(t.container, alice.id, other);
    const data = { data: await png(10, 10) };
    const wrongProject = await upload(t.app, alice, [['project_id', project], ['panel_id', panel.id]], data);
    expect(wrongProject.statusCode).toBe(422);
    expect(wrongProject.json().details[0].field).toBe('panel_id');
    const bobsProject = await createProject(t.app, bob);
    const bobs = await seedContent(t.container, bob.id, bobsProject);
    expect((await upload(t.app, alice, [['project_id', project], ['panel_id', bobs.panel.id]], data)).statusCode).toBe(404);
  });

  it("answers 404 for someone else's or a missing project", async () => {
    const data = { data: await png(10, 10) };
    expect((await upload(t.app, bob, [['project_id', project]], data)).statusCode).toBe(404);
    expect((await upload(t.app, alice, [['project_id', 'aaaaaaaaaaaaaaaaaaaaaaaa']], data)).statusCode).toBe(404);
  });

  it.each([
    ['an unknown field', [['project_id', 'P'], ['owner_id', 'aaaaaaaaaaaaaaaaaaaaaaaa']], 'owner_id'],
    ['a malformed id', [['project_id', 'not-an-id']], 'project_id'],
    ['no project_id', [], 'project_id'],
    ['project_id twice', [['project_id', 'P'], ['project_id', 'P']], 'project_id'],
    ['a __proto__ field', [['project_id', 'P'], ['__proto__', 'aaaaaaaaaaaaaaaaaaaaaaaa']], 'form'],
    ['a constructor field', [['constructor', 'aaaaaaaaaaaaaaaaaaaaaaaa'], ['project_id', 'P']], 'form'],
  ] as const)('answers 422 for %s', async (_label, fields, field) => {
    const resolved = fields.map(([name, value]) => [name, value === 'P' ? project : value] as [string, string]);
    const response = await upload(t.app, alice, resolved, { data: await png(10, 10) });
    expect(response.statusCode).toBe(422);
    expect(response.json().details[0].field).toBe(field);
  });

  it('answers 422 when the file comes before project_id or before another field, under another name, or not at all', async () => {
    const data = await png(10, 10);
    const after = multipart([], { data }, [['project_id', project]]);
    const fileFirst = await t.app.inject({ method: 'POST', url: '/api/v1/images/upload', payload: after.payload, headers: { ...after.headers, ...alice.auth } });
    expect(fileFirst.statusCode).toBe(422);
    expect((await upload(t.app, alice, [['project_id', project]], { data, field: 'image' })).statusCode).toBe(422);
    const trailing = multipart([['project_id', project]], { data: await png(11, 11) }, [['panel_id', 'aaaaaaaaaaaaaaaaaaaaaaaa']]);
    const before = await originalsIn(t.dataDir);
    const late = await t.app.inject({ method: 'POST', url: '/api/v1/images/upload', payload: trailing.payload, headers: { ...trailing.headers, ...alice.auth } });
    expect(late.statusCode).toBe(422);
    expect(late.json().details[0].field).toBe('panel_id');
    expect(await originalsIn(t.dataDir)).toEqual(before);
    const none = await upload(t.app, alice, [['project_id', project]]);
    expect(none.statusCode).toBe(422);
    expect(none.json().details[0].field).toBe('file');
  });

  it('answers 415 for a JSON body and 401 without a token', async () => {
    expect((await as(t.app, alice).post('/api/v1/images/upload', { project_id: project })).statusCode).toBe(415);
    expect((await upload(t.app, null, [['project_id', project]], { data: await png(10, 10) })).statusCode).toBe(401);
  });

  it('documents the upload form in OpenAPI', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const operation = doc.paths['/api/v1/images/upload'].post;
    expect(Object.keys(operation.requestBody.content)).toEqual(['multipart/form-data']);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['201', '401', '404', '422']));
  });
});
