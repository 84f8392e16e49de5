/**
 * Image cases: 2 MB JPEG uploads (every one unique, so each is hashed, decoded, thumbnailed
 * and written + fsynced; identical bytes would be deduplicated) and GET of the original bytes
 * against a raw server streaming the same file from disk.
 */
import path from 'node:path';
import sharp from 'sharp';
import { api, call } from '../lib/http.js';
import { compareWithRaw, describe, loadMetrics } from '../lib/compare.js';
import { fmt, met, skipped, MB, type BenchContext, type CaseResult } from '../lib/report.js';

const TARGET_BYTES = 2 * MB;

/** A noise JPEG of about 2 MB (noise does not compress, so the size is real pixels). */
export async function noiseJpeg(): Promise<Buffer> {
  let width = 1200;
  let height = 900;
  let jpeg: Buffer = Buffer.alloc(0);
  for (let attempt = 0; attempt < 4; attempt++) {
    jpeg = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .jpeg({ quality: 90 })
      .toBuffer();
    if (Math.abs(jpeg.length - TARGET_BYTES) < TARGET_BYTES * 0.05) break;
    const scale = Math.sqrt(TARGET_BYTES / jpeg.length);
    width = Math.round(width * scale);
    height = Math.round(height * scale);
  }
  return jpeg;
}

/** The same JPEG with a COM segment carrying `tag` right after SOI: still valid, different sha256. */
export function uniqueJpeg(jpeg: Buffer, tag: string): Buffer {
  const text = Buffer.from(tag);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, text, jpeg.subarray(2)]);
}

const BOUNDARY = 'inkframebenchboundary7d93';
export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

export function multipartUpload(projectId: string, file: Buffer): Buffer {
  const head =
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="project_id"\r\n\r\n${projectId}\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="bench.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), file, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]);
}

interface UploadedImage {
  id: string;
  sha256: string;
  size_bytes: number;
}

let counter = 0;
const nextTag = () => `bench ${process.pid} ${Date.now()} ${++counter}`;

export async function uploadCase(ctx: BenchContext, jpeg: Buffer): Promise<CaseResult[]> {
  const name = 'POST /images/upload, 2 MB JPEG + thumbnail';
  if (!ctx.paths.has('/api/v1/images/upload')) return [skipped('upload', name, '>= 30/s', 'endpoint missing')];
  const projectId = ctx.seeded.smallProjectId;
  const c = await compareWithRaw(ctx, {
    method: 'POST',
    path: '/api/v1/images/upload',
    headers: { 'content-type': MULTIPART_TYPE },
    bodyFor: () => multipartUpload(projectId, uniqueJpeg(jpeg, nextTag())),
    engine: 'node',
  });
  const image = (JSON.parse(c.sample.body.toString()) as { data: UploadedImage }).data;
  // The thumbnail is rendered during the upload (images.service analyze()); fetching it proves it is there.
  const thumb = await call(ctx.server.base, 'GET', `/api/v1/images/${image.id}/thumbnail`, { token: ctx.seeded.token });
  return [
    {
      id: 'upload',
      name,
      target: '>= 30/s, flat memory',
      result: `${describe(c)}; peak RSS ${fmt.mb(c.peakRss)}; thumbnail GET ${thumb.status} in ${fmt.ms(thumb.ms)}`,
      status: met(c.app.rps >= 30 && c.app.non2xx === 0 && thumb.status === 200),
      note: `file ${(jpeg.length / MB).toFixed(2)} MB, unique bytes per request (sha256, decode, thumbnail, fsync each); thumbnail made at upload; client: node:http`,
      metrics: { ...loadMetrics(c), file_bytes: jpeg.length, thumbnail: { status: thumb.status, ms: thumb.ms, bytes: thumb.body.length } },
    },
  ];
}

export async function imageGetCase(ctx: BenchContext, jpeg: Buffer): Promise<CaseResult[]> {
  const name = 'GET /images/{id} (2 MB original, 10 conns)';
  if (!ctx.paths.has('/api/v1/images/{image_id}')) return [skipped('image_get', name, '>= 0.5 of raw', 'endpoint missing')];
  const image = await api<UploadedImage>(ctx.server.base, 'POST', '/api/v1/images/upload', {
    headers: { authorization: `Bearer ${ctx.seeded.token}`, 'content-type': MULTIPART_TYPE },
    body: multipartUpload(ctx.seeded.smallProjectId, uniqueJpeg(jpeg, nextTag())),
  });
  // fs-blob-store's layout: originals/<first two hex>/<sha256>.
  const file = path.join(ctx.dataDir, 'images', 'originals', image.sha256.slice(0, 2), image.sha256);
  const c = await compareWithRaw(ctx, { path: `/api/v1/images/${image.id}`, rawFile: file, engine: 'node' });
  return [
    {
      id: 'image_get',
      name,
      target: '>= 0.5 of raw serving the same file',
      result: `${describe(c)}; ${(c.app.throughput / MB).toFixed(0)} MB/s`,
      status: met(c.ratio >= 0.5 && c.app.non2xx === 0),
      note: 'raw = node:http + fs.createReadStream of the same file; client: node:http (autocannon cannot read 2 MB bodies fast enough)',
      metrics: loadMetrics(c),
    },
  ];
}
