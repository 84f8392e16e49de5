/**
 * Format detection by magic bytes, so an upload can be refused (415) from its first bytes,
 * whatever its file name or Content-Type claim. The processor's full decode confirms it.
 */
import type { ImageFormat } from '../../ports/image-processor.js';

/** Bytes needed to tell the formats apart (WebP: "RIFF" size "WEBP"). */
export const SNIFF_BYTES = 12;

export const MIME_TYPES: Record<ImageFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
export const EXTENSIONS: Record<ImageFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (head: Uint8Array, bytes: number[], offset = 0) => bytes.every((byte, i) => head[offset + i] === byte);
const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/** The format the first bytes announce, or null when they are not JPEG, PNG or WebP. */
export function detectImageFormat(head: Uint8Array): ImageFormat | null {
  if (head.length >= 3 && startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (head.length >= 8 && startsWith(head, PNG_SIGNATURE)) return 'png';
  if (head.length >= SNIFF_BYTES && startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'webp';
  return null;
}

/** The format of a stored mime type (null for anything else). */
export function formatOfMime(mime: string): ImageFormat | null {
  const entry = Object.entries(MIME_TYPES).find(([, value]) => value === mime);
  return entry ? (entry[0] as ImageFormat) : null;
}
