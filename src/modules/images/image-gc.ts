/**
 * Frees image files no record uses any more. There is no reference count: a file is kept
 * exactly while some image record carries its sha256, and that is checked under the hash's
 * lock, so a concurrent upload of the same bytes (which takes the same lock) always wins.
 */
import type { BlobStore, ListedBlob } from '../../ports/blob-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { KeyedLock } from '../../lib/keyed-lock.js';
import { IMAGES, type ImageDoc } from './images.schemas.js';

/** Temp files of interrupted writes this old are certainly abandoned. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const BATCH = 500;

export interface ImageGcDeps {
  store: Pick<DocumentStore, 'count' | 'find'>;
  blobs: Pick<BlobStore, 'list' | 'remove' | 'removeStaleTemp'>;
  lock: KeyedLock;
}

export interface SweepOptions {
  /**
   * Files written less than this long ago are kept: another process sharing DATA_DIR may
   * have stored the bytes and not yet inserted the record. 0 when this process is alone.
   */
  graceMs?: number;
}

export interface SweepResult {
  removed: number;
  temp_files: number;
}

export function createImageGc({ store, blobs, lock }: ImageGcDeps) {
  /** Removes the file (and its thumbnail) when no image record uses `sha256`. Returns true when removed. */
  const freeIfUnused = (sha256: string): Promise<boolean> =>
    lock.run(sha256, async () => {
      if ((await store.count(IMAGES, { sha256 })) > 0) return false;
      await blobs.remove(sha256);
      return true;
    });

  return {
    freeIfUnused,

    /** Removes every stored file no record uses (run at start and after a project delete). */
    async sweepOrphans(options: SweepOptions = {}): Promise<SweepResult> {
      const cutoff = Date.now() - (options.graceMs ?? 0);
      let removed = 0;
      let batch: ListedBlob[] = [];
      const flush = async () => {
        const candidates = batch.filter((blob) => blob.modifiedAt <= cutoff);
        batch = [];
        if (candidates.length === 0) return;
        const used = new Set((await store.find<ImageDoc>(IMAGES, { sha256: { $in: candidates.map((blob) => blob.sha256) } }, { fields: ['sha256'] })).map((image) => image.sha256));
        for (const blob of candidates) {
          if (!used.has(blob.sha256) && (await freeIfUnused(blob.sha256))) removed += 1;
        }
      };
      for await (const blob of blobs.list()) {
        batch.push(blob);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      return { removed, temp_files: await blobs.removeStaleTemp(STALE_TEMP_MS) };
    },
  };
}

export type ImageGc = ReturnType<typeof createImageGc>;
