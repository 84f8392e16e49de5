/** Sends image bytes with the cache validators; a matching If-None-Match is a 304 that never opens the file. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ErrorEnvelope } from '../../http/schemas.js';
import type { ImageBytes } from './image-bytes.js';

/** Private: the bytes belong to one user; a day matches the signed links' lifetime. */
export const IMAGE_CACHE_CONTROL = 'private, max-age=86400';

const Binary = Type.String({ format: 'binary' });

/** Response schemas of a byte route (the error statuses are added by the OpenAPI plugin). */
export const imageBytesResponses = {
  200: {
    description: 'The image bytes',
    content: { 'image/jpeg': { schema: Binary }, 'image/png': { schema: Binary }, 'image/webp': { schema: Binary } },
  },
  304: Type.Null({ description: 'Not modified (If-None-Match matched the ETag)' }),
};

const unauthorized = { ...ErrorEnvelope, description: 'Neither a valid signed link nor a valid bearer token' };

export const signedBytesResponses = { ...imageBytesResponses, 401: unauthorized };

export const signedThumbnailResponses = {
  200: { description: 'The WebP thumbnail', content: { 'image/webp': { schema: Binary } } },
  304: imageBytesResponses[304],
  401: unauthorized,
};

/** RFC 9110 If-None-Match: `*` or a list of (possibly weak) entity tags, compared weakly. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === etag);
}

export async function sendImageBytes(request: FastifyRequest, reply: FastifyReply, bytes: ImageBytes): Promise<FastifyReply> {
  reply.header('ETag', bytes.etag).header('Cache-Control', IMAGE_CACHE_CONTROL);
  if (matchesEtag(request.headers['if-none-match'], bytes.etag)) return reply.code(304).send();
  const { stream, size } = await bytes.open();
  return reply.type(bytes.mimeType).header('Content-Length', String(size)).send(stream);
}
