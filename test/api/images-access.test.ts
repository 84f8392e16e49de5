import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import sharp from 'sharp';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { createImageUrlSigner } from '../../src/modules/images/url-signer.js';
import { createProject, exifJpeg, jpeg, png, seedContent, uploadImage } from './images.fixtures.js';

const JWT_SECRET = 'images-access-test-secret-0123456789abcdef';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let project: string;
let data: Buffer;
let image: Awaited<ReturnType<typeof uploadImage>>;

beforeAll(async () => {
  t = await buildTestApp({ env: { JWT_SECRET } });
  [alice, bob] = await Promise.all([createUser(t.app), createUser(t.app)]);
  project = await createProject(t.app, alice);
  data = await jpeg(1200, 800);
  image = await uploadImage(t.app, alice, project, data);
});
afterAll(() => t.close());

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

describe('GET /images/{image_id}', () => {
  it('streams the original bytes with type, length, validators and nosniff', async () => {
    const response = await get(`/api/v1/images/${image.id}`, alice.auth);
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(data)).toBe(true);
    expect(response.headers).toMatchObject({
      'content-type': 'image/jpeg',
      'content-length': String(data.length),
      etag: `"${image.sha256}"`,
      'x-content-type-options': 'nosniff',
    });
    expect(response.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
  });

  it('answers 304 to a matching If-None-Match (strong, weak or in a list) and 200 otherwise', async () => {
    for (const tag of [`"${image.sha256}"`, `W/"${image.sha256}"`, `"nope", "${image.sha256}"`, '*']) {
      const response = await get(`/api/v1/images/${image.id}`, { ...alice.auth, 'if-none-match': tag });
      expect(response.statusCode).toBe(304);
      expect(response.rawPayload.length).toBe(0);
      expect(response.headers.etag).toBe(`"${image.sha256}"`);
    }
    expect((await get(`/api/v1/images/${image.id}`, { ...alice.auth, 'if-none-match': '"other"' })).statusCode).toBe(200);
  });

  it('answers 401 in the envelope without a signature or token, and with a bad token', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
      const response = await get(`/api/v1/images/${image.id}`, headers);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ success: false, code: 'authentication_failed' });
    }
  });
});

describe('signed links', () => {
  it('serve the image and the thumbnail without a token', async () => {
    const original = await get(image.url);
    expect(original.statusCode).toBe(200);
    expect(original.rawPayload.equals(data)).toBe(true);
    const thumbnail = await get(image.thumbnail_url);
    expect(thumbnail.statusCode).toBe(200);
    expect(thumbnail.headers['content-type']).toBe('image/webp');
  });

  it('refuse a tampered signature, expiry or id, and a link for the other variant (401)', async () => {
    const url = new URL(image.url, 'http://x');
    const sig = url.searchParams.get('sig')!;
    const exp = url.searchParams.get('exp')!;
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    const other = await uploadImage(t.app, alice, project, await png(8, 8));
    for (const bad of [
      `/api/v1/images/${image.id}?exp=${exp}&sig=${flipped}`,
      `/api/v1/images/${image.id}?exp=${Number(exp) + 3600}&sig=${sig}`,
      `/api/v1/images/${other.id}?exp=${exp}&sig=${sig}`,
      `/api/v1/images/${image.id}/thumbnail?exp=${exp}&sig=${sig}`,
      `/api/v1/images/${image.id}?exp=${exp}`,
      `/api/v1/images/${image.id}?exp=soon&sig=${sig}`,
    ]) {
      const response = await get(bad);
      expect(response.statusCode, bad).toBe(401);
      expect(response.json().code).toBe('authentication_failed');
    }
  });

  it('refuse an expired link (401) but honour a valid token sent with it', async () => {
    const past = createImageUrlSigner(JWT_SECRET, { now: () => Date.now() - 26 * 3600 * 1000 });
    const expired = past.url(image.id, 'original');
    expect((await get(expired)).statusCode).toBe(401);
    expect((await get(expired, alice.auth)).statusCode).toBe(200);
    // Same key, current time: the signature scheme is the server's.
    expect((await get(createImageUrlSigner(JWT_SECRET).url(image.id, 'original'))).statusCode).toBe(200);
  });

  it('expire about 24 hours from now', () => {
    const exp = Number(new URL(image.url, 'http://x').searchParams.get('exp'));
    const hours = (exp * 1000 - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(24);
    expect(hours).toBeLessThanOrEqual(25);
  });

  it('are re-signed on every read of the record', async () => {
    const metadata = (await as(t.app, alice).get(`/api/v1/images/${image.id}/metadata`)).json().data;
    expect((await get(metadata.url)).statusCode).toBe(200);
    expect((await get(metadata.thumbnail_url)).statusCode).toBe(200);
  });
});

describe('GET /images/{image_id}/thumbnail', () => {
  it('is a WebP of longest side 512 with its own ETag and 304', async () => {
    const response = await get(`/api/v1/images/${image.id}/thumbnail`, alice.auth);
    expect(response.statusCode).toBe(200);
    const meta = await sharp(response.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 512, 341]);
    expect(response.headers['content-length']).toBe(String(response.rawPayload.length));
    const etag = response.headers.etag as string;
    expect(etag).not.toBe(`"${image.sha256}"`);
    expect((await get(`/api/v1/images/${image.id}/thumbnail`, { ...alice.auth, 'if-none-match': etag })).statusCode).toBe(304);
  });

  it('strips EXIF and applies the orientation', async () => {
    const sideways = await exifJpeg(600, 400);
    expect((await sharp(sideways).metadata()).exif?.toString('latin1')).toContain('InkframeCam');
    const uploaded = await uploadImage(t.app, alice, project, sideways);
    const original = await get(`/api/v1/images/${uploaded.id}`, alice.auth);
    expect(original.rawPayload.equals(sideways)).toBe(true);
    const thumbnail = await get(`/api/v1/images/${uploaded.id}/thumbnail`, alice.auth);
    const meta = await sharp(thumbnail.rawPayload).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(thumbnail.rawPayload.includes(Buffer.from('InkframeCam'))).toBe(false);
    expect([meta.width, meta.height]).toEqual([341, 512]);
  });

  it('is rendered once: at upload, or on first request when missing, then served from the blob store', async () => {
    const render = vi.spyOn(t.container.imageProcessor, 'thumbnail');
    try {
      const uploaded = await uploadImage(t.app, alice, project, await png(700, 300));
      expect(await t.container.blobs.size(uploaded.sha256, 'thumbnail')).toBeGreaterThan(0);
      expect((await get(`/api/v1/images/${uploaded.id}/thumbnail`, alice.auth)).statusCode).toBe(200);
      expect(render).not.toHaveBeenCalled();

      await t.container.blobs.remove(uploaded.sha256, 'thumbnail');
      expect(await t.container.blobs.size(uploaded.sha256, 'thumbnail')).toBeNull();
      const [first, second] = await Promise.all([
        get(`/api/v1/images/${uploaded.id}/thumbnail`, alice.auth),
        get(`/api/v1/images/${uploaded.id}/thumbnail`, alice.auth),
      ]);
      expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
      expect(render).toHaveBeenCalledTimes(1);
      const third = await get(`/api/v1/images/${uploaded.id}/thumbnail`, alice.auth);
      expect(third.rawPayload.equals(first.rawPayload)).toBe(true);
      expect(render).toHaveBeenCalledTimes(1);
      expect(await t.container.blobs.size(uploaded.sha256, 'thumbnail')).toBe(first.rawPayload.length);
    } finally {
      render.mockRestore();
    }
  });
});

describe('GET /images/{image_id}/metadata', () => {
  it('returns the record in the envelope', async () => {
    const response = await as(t.app, alice).get(`/api/v1/images/${image.id}/metadata`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      success: true,
      data: { id: image.id, width: 1200, height: 800, mime_type: 'image/jpeg', sha256: image.sha256, metadata: { format: 'jpeg', channels: 3, has_exif: false } },
    });
  });

  it('needs a token: a signed link is for the bytes only', async () => {
    const { search } = new URL(image.url, 'http://x');
    expect((await get(`/api/v1/images/${image.id}/metadata${search}`)).statusCode).toBe(401);
  });

  it('answers 422 for a malformed id', async () => {
    expect((await as(t.app, alice).get('/api/v1/images/nope/metadata')).statusCode).toBe(422);
  });
});

describe("another user's image", () => {
  it('is a 404 on every image route, and stays intact', async () => {
    const bobs = as(t.app, bob);
    for (const url of [`/api/v1/images/${image.id}`, `/api/v1/images/${image.id}/thumbnail`, `/api/v1/images/${image.id}/metadata`]) {
      const response = await bobs.get(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.json().code).toBe('not_found');
    }
    expect((await bobs.delete(`/api/v1/images/${image.id}`)).statusCode).toBe(404);
    expect((await get(`/api/v1/images/${image.id}`, alice.auth)).statusCode).toBe(200);
  });

  it('is a 404 through chapters, panels, characters and locations too', async () => {
    const mine = await seedContent(t.container, alice.id, project);
    await t.container.store.update('chapters', mine.chapter.id, { cover_image_id: image.id });
    await t.container.store.update('panels', mine.panel.id, { image_id: image.id });
    const bobs = as(t.app, bob);
    expect((await bobs.get(`/api/v1/chapters/${mine.chapter.id}/cover`)).statusCode).toBe(404);
    expect((await bobs.get(`/api/v1/panels/${mine.panel.id}/image`)).statusCode).toBe(404);
    expect((await bobs.post(`/api/v1/characters/${mine.character.id}/designs`, { image_id: image.id })).statusCode).toBe(404);
    expect((await bobs.post(`/api/v1/locations/${mine.location.id}/references`, { image_id: image.id })).statusCode).toBe(404);

    // Bob's own documents cannot take Alice's image either.
    const bobsProject = await createProject(t.app, bob);
    const his = await seedContent(t.container, bob.id, bobsProject);
    expect((await bobs.post(`/api/v1/characters/${his.character.id}/designs`, { image_id: image.id })).statusCode).toBe(404);
    expect((await bobs.post(`/api/v1/locations/${his.location.id}/references`, { image_id: image.id })).statusCode).toBe(404);
  });
});
