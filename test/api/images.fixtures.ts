/**
 * Image fixtures made in code (sharp for real images, a hand-built PNG for the oversized
 * one), a multipart body builder, and seeders for the documents images link to.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Container } from '../../src/container.js';
import type { StoredDoc } from '../../src/ports/document-store.js';
import { newId } from '../../src/lib/ids.js';
import type { TestUser } from '../helpers/app.js';

export function noise(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });
}

export const jpeg = (width = 320, height = 200) => noise(width, height).jpeg().toBuffer();
export const png = (width = 320, height = 200) => noise(width, height).png().toBuffer();
export const webp = (width = 320, height = 200) => noise(width, height).webp().toBuffer();

/** A JPEG stored sideways (EXIF orientation 6) carrying camera EXIF that must not reach thumbnails. */
export const exifJpeg = (width: number, height: number) =>
  noise(width, height).jpeg().withMetadata({ orientation: 6 }).withExif({ IFD0: { Make: 'InkframeCam', Copyright: 'private' } }).toBuffer();

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A PNG whose header claims width x height RGB (16000 x 16000 = 768 MB decoded) with about
 * `bytes` of real (stored, uncompressed) zlib data behind it.
 */
export function claimedHugePng(width = 16_000, height = 16_000, bytes = 3_000_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat = deflateSync(Buffer.alloc(bytes), { level: 0 });
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

export interface FilePart {
  data: Buffer;
  filename?: string;
  contentType?: string;
  field?: string;
}

/** A multipart/form-data body: the fields in order, then the file part (if any). */
export function multipart(fields: [string, string][], file?: FilePart, trailingFields: [string, string][] = []) {
  const boundary = `----inkframe${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  const field = ([name, value]: [string, string]) =>
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  fields.forEach(field);
  if (file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename ?? 'image.bin'}"\r\n` +
          `Content-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  trailingFields.forEach(field);
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export function upload(app: FastifyInstance, user: TestUser | null, fields: [string, string][], file?: FilePart): Promise<LightMyRequestResponse> {
  const { payload, headers } = multipart(fields, file);
  return app.inject({ method: 'POST', url: '/api/v1/images/upload', payload, headers: { ...headers, ...(user ? user.auth : {}) } });
}

/** Uploads and returns the image record (fails the test on anything but 201). */
export async function uploadImage(app: FastifyInstance, user: TestUser, projectId: string, data: Buffer, extra: [string, string][] = []) {
  const response = await upload(app, user, [['project_id', projectId], ...extra], { data, filename: 'art.bin' });
  if (response.statusCode !== 201) throw new Error(`upload failed: ${response.statusCode} ${response.body}`);
  return response.json().data as { id: string; sha256: string; url: string; thumbnail_url: string; width: number; height: number; mime_type: string };
}

export async function createProject(app: FastifyInstance, user: TestUser, title = 'Book'): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/projects', headers: user.auth, payload: { title } });
  if (response.statusCode !== 201) throw new Error(`project failed: ${response.body}`);
  return response.json().data.id;
}

type Loose = StoredDoc & Record<string, unknown>;

/** Documents shaped per API.md, inserted directly so these tests do not lean on other modules' routes. */
export async function seedContent(container: Container, ownerId: string, projectId: string) {
  const insert = (collection: string, doc: Omit<Loose, 'created_at' | 'updated_at' | 'version'>) => container.store.insert<Loose>(collection, doc);
  const base = { owner_id: ownerId, project_id: projectId };
  const chapter = await insert('chapters', { id: newId(), ...base, title: 'One', summary: '', order: 0, cover_image_id: null });
  const scene = await insert('scenes', {
    id: newId(), ...base, chapter_id: chapter.id, title: 'S', description: '', summary: '', order: 0, location_id: null, character_ids: [],
  });
  const panel = await insert('panels', {
    id: newId(), ...base, chapter_id: chapter.id, scene_id: scene.id, order: 0, description: '', shot_type: null, camera_angle: '',
    character_ids: [], location_id: null, visual_prompt: '', dialogue: [], image_id: null, notes: '',
  });
  const character = await insert('characters', {
    id: newId(), ...base, name: 'Ada', role: '', description: '', appearance: '', personality: '', backstory: '', traits: [],
    design_image_ids: [], sheet_image_id: null, reference_image_ids: [],
  });
  const location = await insert('locations', { id: newId(), ...base, name: 'Harbour', description: '', tags: [], reference_image_ids: [] });
  return { chapter, scene, panel, character, location };
}

/** Every file under dir (recursively), as paths relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name))).sort();
}

export const originalsIn = async (dataDir: string) => (await filesUnder(path.join(dataDir, 'images'))).filter((file) => file.startsWith('originals'));
