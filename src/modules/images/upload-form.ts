/**
 * Reads the upload form: the fields (`project_id`, optional `panel_id`) must come before the
 * file part `file`, so ownership is settled before a byte of the file is read. The file is
 * handed on as a stream; nothing past MAX_UPLOAD_BYTES is ever buffered.
 */
import type { FastifyRequest } from 'fastify';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import { AppError, BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../errors.js';
import type { UploadFile, UploadTarget } from './images.service.js';

export const UPLOAD_LIMITS = { files: 1, fields: 4, parts: 6, fieldSize: 64, fieldNameSize: 64, headerPairs: 32 };
/** Room for the multipart framing and fields around the file when judging Content-Length. */
const FRAMING_ALLOWANCE = 16 * 1024;
const FIELDS = ['project_id', 'panel_id'] as const;
type FieldName = (typeof FIELDS)[number];
const ID = /^[0-9a-f]{24}$/;

const tooLarge = (maxBytes: number) => new PayloadTooLargeError(`The file is larger than ${maxBytes} bytes`);

/** Errors of the multipart parser itself (limits, broken framing) in the API's terms. */
function parserError(error: unknown, maxBytes: number): Error {
  if (error instanceof AppError) return error;
  if ((error as { statusCode?: number }).statusCode === 413) return tooLarge(maxBytes);
  // The parser refuses names such as __proto__ or constructor itself, before readField sees them.
  if ((error as { code?: string }).code === 'FST_PROTO_VIOLATION') return ValidationError.field('form', 'has a field whose name is not allowed (such as __proto__)');
  return new BadRequestError('Malformed multipart body');
}

function readField(fields: Partial<Record<FieldName, string>>, part: Exclude<Multipart, MultipartFile>): void {
  const name = part.fieldname as FieldName;
  if (!FIELDS.includes(name)) throw ValidationError.field(part.fieldname, 'is not an allowed field');
  if (fields[name] !== undefined) throw ValidationError.field(name, 'is given more than once');
  const value = part.value;
  if (typeof value !== 'string' || part.valueTruncated || !ID.test(value)) throw ValidationError.field(name, 'must be a 24-hex id');
  fields[name] = value;
}

type Parts = AsyncIterator<Multipart>;

/** Nothing may follow the file: a field sent after it would otherwise be silently ignored. */
async function assertNothingAfter(parts: Parts, maxBytes: number): Promise<void> {
  const next = await parts.next().catch((error: unknown) => {
    throw parserError(error, maxBytes);
  });
  if (next.done) return;
  if (next.value.type === 'file') next.value.file.resume();
  throw ValidationError.field(next.value.fieldname, 'must come before the file (nothing may follow it)');
}

/**
 * The file's bytes. When the reader stops early (a 415 after the first bytes, a 404), the
 * rest of the part is drained unread rather than the parser left stalled; past the size
 * limit the parser already discards it and the reader fails at once with a 413. The
 * stream only ends once the form is known to be complete.
 */
async function* fileChunks(part: MultipartFile, parts: Parts, maxBytes: number, refused: AbortController): AsyncGenerator<Uint8Array> {
  const file = part.file;
  file.once('limit', () => {
    const error = tooLarge(maxBytes);
    // The consumer may be waiting on its disk writes rather than on the next chunk: tell it now.
    refused.abort(error);
    file.destroy(error);
  });
  let finished = false;
  try {
    for await (const chunk of file.iterator({ destroyOnReturn: false })) yield chunk as Uint8Array;
    finished = true;
    // busboy cuts a file at the limit and ends it normally; never take the cut file for the whole.
    if (file.truncated) throw tooLarge(maxBytes);
    await assertNothingAfter(parts, maxBytes);
  } catch (error) {
    throw error instanceof AppError ? error : new BadRequestError('The upload was cut off or malformed');
  } finally {
    if (!finished && !file.destroyed) file.resume();
  }
}

export async function readUpload<T>(
  request: FastifyRequest,
  maxBytes: number,
  consume: (target: UploadTarget, file: UploadFile) => Promise<T>,
): Promise<T> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + FRAMING_ALLOWANCE) {
    // Refused before reading: closing the connection spares reading a body nobody wants.
    throw new AppError(413, 'payload_too_large', `The upload is larger than ${maxBytes} bytes`, null, { Connection: 'close' });
  }
  if (!request.isMultipart()) throw new UnsupportedMediaTypeError('Send the upload as multipart/form-data');

  const fields: Partial<Record<FieldName, string>> = {};
  const parts = request.parts()[Symbol.asyncIterator]();
  for (;;) {
    const next = await parts.next().catch((error: unknown) => {
      throw parserError(error, maxBytes);
    });
    if (next.done) break;
    const part = next.value;
    if (part.type === 'field') {
      readField(fields, part);
      continue;
    }
    if (part.fieldname !== 'file' || !fields.project_id) {
      part.file.resume();
      if (part.fieldname !== 'file') throw ValidationError.field(part.fieldname, 'is not an allowed field');
      throw ValidationError.field('project_id', 'is required and must come before the file');
    }
    const refused = new AbortController();
    return consume({ project_id: fields.project_id, panel_id: fields.panel_id }, { stream: fileChunks(part, parts, maxBytes, refused), filename: part.filename, signal: refused.signal });
  }
  throw ValidationError.field(fields.project_id ? 'file' : 'project_id', 'is required');
}
