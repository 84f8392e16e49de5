/**
 * A streaming zip writer over yazl: entries are read one at a time, in the order added,
 * and the archive flows out as it is built (nothing is buffered whole).
 */
import type { Readable } from 'node:stream';
import yazl from 'yazl';

export interface ZipEntry {
  /** Path inside the archive, e.g. `images/<sha256>.png`. */
  name: string;
  /** Opened only when the zip reaches this entry, so at most one source is open at a time. */
  open: () => Readable | Promise<Readable>;
  /** Already-compressed data (PNG, JPEG, WebP) is stored rather than deflated again. */
  compress?: boolean;
}

/**
 * Streams a zip of `entries`; the async iterable is consumed while the archive is written, and
 * an error from it or from an entry's stream destroys the output stream with that error. When
 * the output closes early (the client went away), iteration stops and the open source is closed.
 */
export function zipStream(entries: AsyncIterable<ZipEntry> | Iterable<ZipEntry>): Readable {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as Readable;
  const fail = (error: unknown) => output.destroy(error instanceof Error ? error : new Error(String(error)));
  zip.on('error', fail);

  let closed = false;
  const open = new Set<Readable>();
  output.once('close', () => {
    closed = true;
    for (const stream of open) stream.destroy();
  });

  const openEntry = async (entry: ZipEntry): Promise<Readable> => {
    if (closed) throw new Error('The zip output was closed');
    const stream = await entry.open();
    // yazl pipes the stream without listening for its errors; an unheard one would crash the process.
    stream.once('error', fail);
    open.add(stream);
    stream.once('close', () => open.delete(stream));
    if (closed) stream.destroy();
    return stream;
  };

  void (async () => {
    for await (const entry of entries) {
      if (closed) return;
      zip.addReadStreamLazy(entry.name, { compress: entry.compress ?? true }, (callback) => {
        openEntry(entry).then(
          (stream) => callback(null, stream),
          (error: unknown) => callback(error, undefined as unknown as NodeJS.ReadableStream),
        );
      });
    }
    zip.end();
  })().catch(fail);

  return output;
}
