/**
 * Receiving upload bytes: at most `maxBytes` are held in memory, hashed as they arrive, and
 * the upload is refused as soon as its first bytes show it is not JPEG/PNG/WebP (415) or it
 * grows past the limit (413), without reading further.
 */
import { createHash } from 'node:crypto';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../errors.js';
import { detectImageFormat, SNIFF_BYTES } from './image-format.js';

export async function receiveImage(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<{ data: Buffer; sha256: string }> {
  const hash = createHash('sha256');
  const chunks: Uint8Array[] = [];
  let size = 0;
  let checked = false;
  const check = () => {
    checked = true;
    if (!detectImageFormat(Buffer.concat(chunks, Math.min(size, 64)))) {
      throw new UnsupportedMediaTypeError('Only JPEG, PNG and WebP images are accepted');
    }
  };
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new PayloadTooLargeError(`The file is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
    hash.update(chunk);
    if (!checked && size >= SNIFF_BYTES) check();
  }
  if (size === 0) throw ValidationError.field('file', 'is empty');
  if (!checked) check();
  return { data: Buffer.concat(chunks, size), sha256: hash.digest('hex') };
}
