/**
 * BlobStore on the local filesystem, under `<root>` (DATA_DIR/images):
 *
 *   originals/ab/ab12...ef            the uploaded bytes, named by their sha256
 *   thumbnails/ab/ab12...ef.webp      derived files, named by the original's sha256
 *   tmp/<random>.part                 writes in progress
 *
 * Every path is built from a validated hash only; no caller-supplied name reaches the
 * filesystem. Writes go to tmp/, are fsynced, renamed into place and the directory is
 * fsynced, so a crash leaves either the whole file or none under the real name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import type { BlobStore, BlobVariant, ListedBlob, OpenedBlob, StagedBlob, StoredBlob } from '../../ports/blob-store.js';
import { SHA256_PATTERN } from '../../ports/blob-store.js';
import { fsyncDir } from './fsync-dir.js';

const VARIANTS: Record<BlobVariant, { dir: string; suffix: string }> = {
  thumbnail: { dir: 'thumbnails', suffix: '.webp' },
};
const ORIGINALS = 'originals';
const STAGE_BUFFER_BYTES = 1024 * 1024;
const TMP = 'tmp';

/** Rejects with the signal's reason once it is aborted (never settles otherwise). */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

function assertHash(sha256: string): void {
  if (typeof sha256 !== 'string' || !SHA256_PATTERN.test(sha256)) throw new Error('Invalid blob hash');
}

export function createFsBlobStore(root: string): BlobStore {
  const tmpDir = path.join(root, TMP);

  function pathOf(sha256: string, variant?: BlobVariant): string {
    assertHash(sha256);
    const shard = sha256.slice(0, 2);
    if (!variant) return path.join(root, ORIGINALS, shard, sha256);
    const { dir, suffix } = VARIANTS[variant];
    return path.join(root, dir, shard, sha256 + suffix);
  }

  /** A fresh temp file; the caller writes, syncs and closes it. */
  async function tempFile() {
    await mkdir(tmpDir, { recursive: true });
    const file = path.join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    return { file, handle: await open(file, 'wx', 0o644) };
  }

  async function moveIntoPlace(temp: string, target: string): Promise<void> {
    await mkdir(path.dirname(target), { recursive: true });
    await rename(temp, target);
    await fsyncDir(path.dirname(target));
  }

  async function writeAtomic(target: string, data: Uint8Array): Promise<void> {
    const { file, handle } = await tempFile();
    try {
      await handle.writeFile(data);
      await handle.sync();
      await handle.close();
      await moveIntoPlace(file, target);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(file).catch(() => undefined);
      throw error;
    }
  }

  /** True when the file exists; its mtime is refreshed so sweeps treat it as freshly written. */
  async function touchIfPresent(file: string): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(file, now, now);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async function stage(source: AsyncIterable<Uint8Array>, { signal }: { signal?: AbortSignal | undefined } = {}): Promise<StagedBlob> {
    const hash = createHash('sha256');
    let size = 0;
    const { file, handle } = await tempFile();
    // Buffered writes (at most STAGE_BUFFER_BYTES in flight), so reading the source keeps its pace.
    // The handle stays ours: it is fsynced only when the whole source was written.
    const out = handle.createWriteStream({ highWaterMark: STAGE_BUFFER_BYTES, autoClose: false });
    // A FileHandle waits for a stream made from it to be destroyed before it closes.
    const release = async () => {
      const closed = once(out, 'close');
      out.destroy();
      await closed.catch(() => undefined);
      await handle.close();
    };
    // A write error (a full disk) may come while the loop waits on the source: it must end the wait, not the process.
    const writeFailed = new Promise<never>((_, reject) => out.on('error', reject));
    writeFailed.catch(() => undefined);
    const chunks = source[Symbol.asyncIterator]();
    // Every wait below also ends on a write error or when the signal is aborted, whatever it was waiting for.
    const stops = [writeFailed, ...(signal ? [aborted(signal)] : [])];
    for (const stop of stops) stop.catch(() => undefined);
    const abortable = <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, ...stops]);
    try {
      signal?.throwIfAborted();
      let next = chunks.next();
      for (;;) {
        const { value: chunk, done } = await abortable(next);
        if (done) break;
        hash.update(chunk);
        size += chunk.byteLength;
        const room = out.write(chunk);
        // Asked for before waiting on the disk, so that the source's refusal (a size limit) ends the
        // write at once instead of after the buffered bytes are written.
        next = chunks.next();
        next.catch(() => undefined);
        if (!room) await abortable(Promise.all([once(out, 'drain'), next]));
      }
      const finished = once(out, 'finish');
      out.end();
      await abortable(finished);
    } catch (caught) {
      const error = signal?.aborted ? signal.reason : caught;
      // Lets a source that did not fail clean up (a multipart part is drained); not awaited, since it may be waiting on a client.
      void chunks.return?.(undefined)?.catch(() => undefined);
      await release().catch(() => undefined);
      await unlink(file).catch(() => undefined);
      throw error;
    }
    // The fsync runs while the caller checks the file; commit() waits for it before the rename.
    const synced = handle.sync().finally(release);
    synced.catch(() => undefined);
    const sha256 = hash.digest('hex');
    let settled = false;
    const settle = () => {
      if (settled) throw new Error('This staged blob was already committed or discarded');
      settled = true;
    };
    return {
      sha256,
      size,
      file,
      async commit() {
        settle();
        try {
          await synced;
          const target = pathOf(sha256);
          if (await touchIfPresent(target)) await unlink(file);
          else await moveIntoPlace(file, target);
          return { sha256, size };
        } catch (error) {
          await unlink(file).catch(() => undefined);
          throw error;
        }
      },
      async discard() {
        settle();
        await synced.catch(() => undefined);
        await unlink(file).catch(() => undefined);
      },
    };
  }

  async function putStream(source: AsyncIterable<Uint8Array>): Promise<StoredBlob> {
    return (await stage(source)).commit();
  }

  async function sizeOf(file: string): Promise<number | null> {
    try {
      return (await stat(file)).size;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async function readDirOrEmpty(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  }

  /** Hash -> newest mtime of the hash-named files in one shard of one kind. */
  async function scanShard(dir: string, suffix: string, into: Map<string, number>): Promise<void> {
    for (const name of await readDirOrEmpty(dir)) {
      if (!name.endsWith(suffix)) continue;
      const sha256 = name.slice(0, name.length - suffix.length);
      if (!SHA256_PATTERN.test(sha256)) continue;
      const mtime = await stat(path.join(dir, name)).then((s) => s.mtimeMs, () => null);
      if (mtime !== null) into.set(sha256, Math.max(into.get(sha256) ?? 0, mtime));
    }
  }

  const kinds = [{ dir: ORIGINALS, suffix: '' }, ...Object.values(VARIANTS)];

  return {
    async put(source, known) {
      if (!(source instanceof Uint8Array)) return putStream(source);
      const sha256 = known?.sha256 ?? createHash('sha256').update(source).digest('hex');
      if (!SHA256_PATTERN.test(sha256)) throw new Error('Not a sha256 hex digest');
      const target = pathOf(sha256);
      if (!(await touchIfPresent(target))) await writeAtomic(target, source);
      return { sha256, size: source.byteLength };
    },

    stage,

    async putVariant(sha256, variant, data) {
      await writeAtomic(pathOf(sha256, variant), data);
    },

    async open(sha256, variant): Promise<OpenedBlob | null> {
      let handle;
      try {
        handle = await open(pathOf(sha256, variant), 'r');
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
      try {
        const { size } = await handle.stat();
        return { stream: handle.createReadStream({ autoClose: true }), size };
      } catch (error) {
        await handle.close();
        throw error;
      }
    },

    async read(sha256, variant) {
      try {
        return await readFile(pathOf(sha256, variant));
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },

    size: (sha256, variant) => sizeOf(pathOf(sha256, variant)),

    async remove(sha256, variant) {
      const files = variant ? [pathOf(sha256, variant)] : [pathOf(sha256), ...Object.keys(VARIANTS).map((v) => pathOf(sha256, v as BlobVariant))];
      for (const file of files) await rm(file, { force: true });
    },

    async *list(): AsyncIterable<ListedBlob> {
      const shards = new Set<string>();
      for (const kind of kinds) for (const shard of await readDirOrEmpty(path.join(root, kind.dir))) if (/^[0-9a-f]{2}$/.test(shard)) shards.add(shard);
      for (const shard of [...shards].sort()) {
        const found = new Map<string, number>();
        for (const kind of kinds) await scanShard(path.join(root, kind.dir, shard), kind.suffix, found);
        for (const [sha256, modifiedAt] of found) yield { sha256, modifiedAt };
      }
    },

    async removeStaleTemp(olderThanMs) {
      const cutoff = Date.now() - olderThanMs;
      let removed = 0;
      for (const name of await readDirOrEmpty(tmpDir)) {
        const file = path.join(tmpDir, name);
        const info = await stat(file).catch(() => null);
        if (!info?.isFile() || info.mtimeMs > cutoff) continue;
        await rm(file, { force: true });
        removed += 1;
      }
      return removed;
    },
  };
}
