/**
 * Receiving upload bytes: passes the stream on chunk by chunk (the blob store writes it to a
 * temporary file, so no upload is ever held in memory whole), refusing it as soon as its first
 * bytes show it is not JPEG/PNG/WebP (415) or it grows past the limit (413), without reading further.
 */
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../errors.js';
import { detectImageFormat, SNIFF_BYTES } from './image-format.js';

export async function* checkedImageBytes(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  // The first chunks are held back until the format is checked: nothing of a refused file is written.
  let held: Uint8Array[] | null = [];
  let size = 0;
  const release = (): Uint8Array[] => {
    const chunks = held!;
    held = null;
    if (!detectImageFormat(Buffer.concat(chunks, Math.min(size, SNIFF_BYTES)))) {
      throw new UnsupportedMediaTypeError('Only JPEG, PNG and WebP images are accepted');
    }
    return chunks;
  };
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new PayloadTooLargeError(`The file is larger than ${maxBytes} bytes`);
    if (held === null) {
      yield chunk;
      continue;
    }
    held.push(chunk);
    if (size >= SNIFF_BYTES) yield* release();
  }
  if (size === 0) throw ValidationError.field('file', 'is empty');
  if (held !== null) yield* release();
}
