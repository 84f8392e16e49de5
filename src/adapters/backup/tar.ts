/**
 * The smallest POSIX ustar writer and reader the backups need: regular files only, names
 * under 100 bytes, no links, no extended headers. Plain tar so that an operator can list or
 * unpack a backup with the system `tar` when Inkframe itself is not at hand; optionally
 * gzipped (detected by its magic bytes when read).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

const BLOCK = 512;
const NAME_MAX = 100;
/** Largest size the 11 octal digits of a plain ustar header hold; bigger ones use GNU base-256. */
const OCTAL_SIZE_MAX = 0o77777777777;

export class TarFormatError extends Error {
  constructor(message: string) {
    super(`Not a valid backup archive: ${message}`);
    this.name = 'TarFormatError';
  }
}

function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  header.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, width, 'ascii');
}

function header(name: string, size: number, mtime: Date): Buffer {
  if (Buffer.byteLength(name) >= NAME_MAX || !/^[\x21-\x7e]+$/.test(name)) throw new Error(`Unsupported archive entry name "${name}"`);
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, NAME_MAX, 'ascii');
  writeOctal(block, 100, 8, 0o600); // the archive holds secrets: unpacked by hand, files stay private
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  if (size <= OCTAL_SIZE_MAX) writeOctal(block, 124, 12, size);
  else {
    block[124] = 0x80;
    block.writeBigUInt64BE(BigInt(size), 124 + 4);
  }
  writeOctal(block, 136, 12, Math.floor(mtime.getTime() / 1000));
  block[156] = 0x30; // '0': regular file
  block.write('ustar\u000000', 257, 8, 'ascii');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return block;
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

async function writeTo(target: Writable, chunk: Buffer): Promise<void> {
  if (!target.write(chunk)) await once(target, 'drain');
}

export interface TarWriter {
  /** Adds a file of exactly `size` bytes from `source`; returns the sha256 of what was written. */
  add(name: string, size: number, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, mtime?: Date): Promise<string>;
  addBuffer(name: string, data: Buffer, mtime?: Date): Promise<string>;
  /** Writes the end-of-archive blocks and makes the file durable (fsync). */
  finish(): Promise<void>;
  /** Stops writing after a failure; the caller removes the file. */
  abort(): Promise<void>;
}

/** Creates `file` (must not exist, mode 0600) and writes a tar into it, gzipped when `gzip`. */
export async function createTarFile(file: string, gzip: boolean): Promise<TarWriter> {
  const handle = await open(file, 'wx', 0o600);
  const out = handle.createWriteStream();
  const zip = gzip ? createGzip() : undefined;
  zip?.pipe(out);
  const target: Writable = zip ?? out;
  let failure: Error | undefined;
  out.on('error', (error) => (failure ??= error));
  zip?.on('error', (error) => (failure ??= error));

  const write = async (chunk: Buffer) => {
    if (failure) throw failure;
    await writeTo(target, chunk);
  };

  const add: TarWriter['add'] = async (name, size, source, mtime = new Date()) => {
    await write(header(name, size, mtime));
    const hash = createHash('sha256');
    let written = 0;
    for await (const piece of source) {
      const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      written += chunk.length;
      if (written > size) throw new Error(`${name} grew while it was being archived`);
      hash.update(chunk);
      await write(chunk);
    }
    if (written !== size) throw new Error(`${name} shrank while it was being archived`);
    await write(Buffer.alloc(padding(size)));
    return hash.digest('hex');
  };

  return {
    add,
    addBuffer: (name, data, mtime) => add(name, data.length, [data], mtime),
    async finish() {
      await write(Buffer.alloc(BLOCK * 2));
      target.end();
      await finished(out);
      if (failure) throw failure;
      // The write stream closed the handle; reopen to flush the file to disk before it is renamed.
      const again = await open(file, 'r+');
      try {
        await again.sync();
      } finally {
        await again.close();
      }
    },
    async abort() {
      zip?.destroy();
      out.destroy();
      await finished(out).catch(() => undefined);
    },
  };
}

/** Pulls exact byte counts out of a chunked stream. */
class ByteReader {
  private buffered: Buffer[] = [];
  private length = 0;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** Up to `max` bytes (at least one), or null at the end of the stream. */
  async some(max: number): Promise<Buffer | null> {
    if (this.length === 0) {
      const next = await this.source.next();
      if (next.done) return null;
      this.buffered.push(next.value);
      this.length += next.value.length;
    }
    const first = this.buffered[0]!;
    const piece = first.length <= max ? first : first.subarray(0, max);
    if (piece === first) this.buffered.shift();
    else this.buffered[0] = first.subarray(max);
    this.length -= piece.length;
    return piece;
  }

  async exactly(size: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < size) {
      const piece = await this.some(size - got);
      if (!piece) throw new TarFormatError('it ends in the middle of an entry (truncated?)');
      parts.push(piece);
      got += piece.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}

function readOctal(block: Buffer, offset: number, width: number, what: string): number {
  if (what === 'size' && (block[offset]! & 0x80) !== 0) {
    const value = block.readBigUInt64BE(offset + width - 8);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new TarFormatError('an entry is too large');
    return Number(value);
  }
  const text = block.toString('ascii', offset, offset + width).replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`a header has a malformed ${what}`);
  return parseInt(text, 8);
}

export interface TarEntry {
  name: string;
  size: number;
  /** The entry's bytes; read it fully or not at all (the rest is skipped). */
  body: AsyncIterable<Buffer>;
}

/** Reads a tar (or tar.gz) file entry by entry; only regular files are accepted. */
export async function readTarFile(file: string, onEntry: (entry: TarEntry) => Promise<void>): Promise<void> {
  const head = await open(file, 'r').then(async (handle) => {
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  });
  const raw = createReadStream(file);
  const stream = head[0] === 0x1f && head[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (error) => stream.destroy(error));
  const reader = new ByteReader(stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
  try {
    for (;;) {
      const block = await reader.exactly(BLOCK).catch((error: unknown) => {
        if (error instanceof TarFormatError) throw new TarFormatError('it has no end-of-archive marker (truncated?)');
        throw error;
      });
      if (block.every((byte) => byte === 0)) return;
      let sum = 0;
      for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
      if (readOctal(block, 148, 8, 'checksum') !== sum) throw new TarFormatError('a header checksum does not match');
      const type = String.fromCharCode(block[156]!);
      const name = block.toString('ascii', 0, NAME_MAX).replace(/\0.*$/s, '');
      if (type !== '0' && type !== '\0') throw new TarFormatError(`entry "${name}" is not a regular file`);
      if (block.toString('ascii', 345, 500).replace(/\0.*$/s, '') !== '') throw new TarFormatError(`entry "${name}" uses a long name`);
      const size = readOctal(block, 124, 12, 'size');
      let left = size;
      const body = async function* () {
        while (left > 0) {
          const piece = await reader.some(left);
          if (!piece) throw new TarFormatError('it ends in the middle of an entry (truncated?)');
          left -= piece.length;
          yield piece;
        }
      };
      await onEntry({ name, size, body: body() });
      while (left > 0) {
        const piece = await reader.some(left);
        if (!piece) throw new TarFormatError('it ends in the middle of an entry (truncated?)');
        left -= piece.length;
      }
      await reader.exactly(padding(size));
    }
  } finally {
    stream.destroy();
    raw.destroy();
  }
}
