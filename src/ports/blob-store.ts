/**
 * BlobStore: image bytes, content-addressed by their sha256 (identical bytes are stored once).
 * Derived files (thumbnails) are kept under the hash of the original they come from, so they
 * share its life. Writes are atomic: a crash never leaves a half-written file under a real
 * name. Adapters must pass test/contracts/blob-store.contract.ts.
 *
 * The store does no reference counting: whoever owns the image records decides when a hash
 * is no longer used and calls `remove`.
 */
import type { Readable } from 'node:stream';

/** A derived file kept next to an original. */
export type BlobVariant = 'thumbnail';

export interface StoredBlob {
  sha256: string;
  size: number;
}

export interface OpenedBlob {
  /** The file's bytes; the caller must consume or destroy it. */
  stream: Readable;
  /** Size of the opened file (taken from the open handle, so it matches the stream). */
  size: number;
}

export interface ListedBlob {
  sha256: string;
  /** Newest modification time (epoch ms) of the original and its variants. */
  modifiedAt: number;
}

/**
 * Bytes written and hashed but not yet stored under their hash (BlobStore.stage): they can be
 * checked from `file` first, then committed or discarded. One of the two must be called.
 */
export interface StagedBlob {
  sha256: string;
  size: number;
  /** A local file holding exactly the bytes, readable until commit() or discard(). */
  file: string;
  /** Stores the bytes under their hash, durably (as put() does); bytes already stored are dropped and the stored file refreshed. */
  commit(): Promise<StoredBlob>;
  /** Drops the bytes. */
  discard(): Promise<void>;
}

export interface BlobStore {
  /**
   * Stores bytes under their sha256 and returns it. Storing bytes that are already there
   * writes nothing (it refreshes the file's modification time, so sweeps see it as fresh).
   * A stream source is hashed while it is written; an error from it stores nothing. Bytes
   * whose sha256 the caller already computed from exactly these bytes (an upload hashed as
   * it arrived) can pass it as `sha256`, and are not hashed a second time.
   */
  put(source: Uint8Array | AsyncIterable<Uint8Array>, known?: { sha256: string }): Promise<StoredBlob>;
  /**
   * Writes a stream to a temporary file while hashing it, without holding it in memory; an error
   * from the stream (a size limit, a refused format) leaves nothing behind. Aborting `signal`
   * stops at once, even while writes are pending, with the signal's reason. See StagedBlob.
   */
  stage(source: AsyncIterable<Uint8Array>, options?: { signal?: AbortSignal | undefined }): Promise<StagedBlob>;
  /** Stores a derived file for the original `sha256`, replacing any previous one atomically. */
  putVariant(sha256: string, variant: BlobVariant, data: Uint8Array): Promise<void>;
  /** Opens the original (or a variant); null when it is not stored. */
  open(sha256: string, variant?: BlobVariant): Promise<OpenedBlob | null>;
  /** Reads the whole original (or a variant) into memory; null when it is not stored. */
  read(sha256: string, variant?: BlobVariant): Promise<Buffer | null>;
  /** Size in bytes, or null when not stored. */
  size(sha256: string, variant?: BlobVariant): Promise<number | null>;
  /** Removes one variant, or (no variant) the original together with every variant. Missing files are fine. */
  remove(sha256: string, variant?: BlobVariant): Promise<void>;
  /** Every hash that has any stored file (original or variant), each once. */
  list(): AsyncIterable<ListedBlob>;
  /** Removes temporary files older than `olderThanMs` left by interrupted writes; returns how many. */
  removeStaleTemp(olderThanMs: number): Promise<number>;
}

/** sha256 as lower-case hex: the only shape a blob key may have (paths are derived from it). */
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
