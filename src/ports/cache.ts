/**
 * Cache: short-lived copies of read-heavy results (project stats, applicable instructions).
 * Values are JSON: what comes back is a copy that went through JSON.stringify/parse, never
 * the object that was stored. Entries carry tags (e.g. the project they were computed from);
 * invalidating a tag drops every entry carrying it. Keys, TTLs and tags are defined in
 * src/lib/cache-keys.ts and nowhere else.
 */

/**
 * Taken with stamp() before a value is loaded from the source of truth. set() with it stores
 * nothing when one of the entry's tags was invalidated after the stamp, so a load that raced
 * a write can never leave the pre-write value cached.
 */
export interface CacheStamp {
  readonly clock: number;
  /** Epoch ms when the stamp was taken; too old a stamp is refused. */
  readonly takenAt: number;
}

export interface CacheSetOptions {
  /** Time to live in ms (at least 1). */
  ttlMs: number;
  tags?: readonly string[];
  stamp?: CacheStamp;
}

export interface Cache {
  /** The stored value, or undefined when absent or expired. */
  get<T>(key: string): Promise<T | undefined>;
  /** Resolves true when stored, false when the stamp was overtaken by an invalidation. */
  set(key: string, value: unknown, options: CacheSetOptions): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Drops every entry tagged with one of `tags` and fences off loads stamped before this call. */
  invalidateTags(tags: readonly string[]): Promise<void>;
  stamp(): Promise<CacheStamp>;
  close(): Promise<void>;
}

/** A stamp older than this is refused by set(): loads take milliseconds, not minutes. */
export const MAX_STAMP_AGE_MS = 60_000;
