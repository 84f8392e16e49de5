import { MAX_STAMP_AGE_MS, type Cache, type CacheStamp } from '../../ports/cache.js';

export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used go first. */
  maxEntries?: number;
  /** Most bytes of JSON kept, summed over the entries. */
  maxBytes?: number;
  /** How many invalidated tags are remembered to fence stale loads. */
  maxFences?: number;
  now?: () => number;
}

interface Entry {
  json: string;
  expiresAt: number;
  tags: readonly string[];
}

/**
 * The embedded cache: a bounded LRU in this process (single-process mode). Values are kept as
 * JSON so callers get the same copies the Redis adapter would give them.
 */
export function createMemoryCache(options: MemoryCacheOptions = {}): Cache {
  const { maxEntries = 10_000, maxBytes = 32 * 1024 * 1024, maxFences = 10_000, now = Date.now } = options;
  const entries = new Map<string, Entry>();
  const byTag = new Map<string, Set<string>>();
  /** tag -> clock of its last invalidation, oldest first. */
  const fences = new Map<string, number>();
  let clock = 0;
  /** Highest clock of a fence forgotten to stay bounded: older stamps are refused. */
  let floor = 0;
  let bytes = 0;

  function remove(key: string): void {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.json.length;
    for (const tag of entry.tags) {
      const keys = byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) byTag.delete(tag);
    }
  }

  function overtaken(stamp: CacheStamp, tags: readonly string[]): boolean {
    if (now() - stamp.takenAt > MAX_STAMP_AGE_MS || stamp.clock < floor) return true;
    return tags.some((tag) => (fences.get(tag) ?? 0) > stamp.clock);
  }

  return {
    async get<T>(key: string) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        remove(key);
        return undefined;
      }
      // Re-insert: Map order is the LRU order.
      entries.delete(key);
      entries.set(key, entry);
      return JSON.parse(entry.json) as T;
    },

    async set(key, value, { ttlMs, tags = [], stamp }) {
      if (stamp && overtaken(stamp, tags)) return false;
      const json = JSON.stringify(value);
      if (json === undefined) throw new TypeError('Cache values must be JSON');
      remove(key);
      if (json.length > maxBytes) return false;
      entries.set(key, { json, expiresAt: now() + Math.max(1, ttlMs), tags: [...tags] });
      bytes += json.length;
      for (const tag of tags) {
        let keys = byTag.get(tag);
        if (!keys) byTag.set(tag, (keys = new Set()));
        keys.add(key);
      }
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries && bytes <= maxBytes) break;
        remove(oldest);
      }
      return true;
    },

    async delete(key) {
      remove(key);
    },

    async invalidateTags(tags) {
      clock += 1;
      for (const tag of tags) {
        for (const key of [...(byTag.get(tag) ?? [])]) remove(key);
        fences.delete(tag);
        fences.set(tag, clock);
      }
      for (const [tag, at] of fences) {
        if (fences.size <= maxFences) break;
        fences.delete(tag);
        floor = Math.max(floor, at);
      }
    },

    async stamp() {
      return { clock, takenAt: now() };
    },

    async close() {
      entries.clear();
      byTag.clear();
      fences.clear();
      bytes = 0;
    },
  };
}
