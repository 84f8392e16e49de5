/**
 * The Cache contract: what every adapter (in-process LRU, Redis) must do, through the port.
 * Each test gets a fresh, empty cache.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_STAMP_AGE_MS, type Cache } from '../../src/ports/cache.js';
import { newId } from '../../src/lib/ids.js';

export interface CacheHandle {
  cache: Cache;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MINUTE = 60_000;

export function cacheContract(name: string, open: () => Promise<CacheHandle>): void {
  describe(`Cache contract: ${name}`, () => {
    let handle: CacheHandle;
    let cache: Cache;
    beforeEach(async () => {
      handle = await open();
      cache = handle.cache;
    });
    afterEach(async () => handle.close());

    it('answers undefined for a missing key and returns a JSON copy of what was stored', async () => {
      expect(await cache.get('missing')).toBeUndefined();
      const value = { chapters: 2, names: ['a', 'b'], nested: { ok: true, none: null } };
      expect(await cache.set('k', value, { ttlMs: MINUTE })).toBe(true);
      const copy = await cache.get<typeof value>('k');
      expect(copy).toEqual(value);
      copy!.names.push('mutated');
      expect(await cache.get('k')).toEqual(value);
    });

    it('stores null and empty lists as values, not as misses', async () => {
      await cache.set('null', null, { ttlMs: MINUTE });
      await cache.set('empty', [], { ttlMs: MINUTE });
      expect(await cache.get('null')).toBeNull();
      expect(await cache.get('empty')).toEqual([]);
    });

    it('replaces a value set again and forgets a deleted one', async () => {
      await cache.set('k', 1, { ttlMs: MINUTE });
      await cache.set('k', 2, { ttlMs: MINUTE });
      expect(await cache.get('k')).toBe(2);
      await cache.delete('k');
      expect(await cache.get('k')).toBeUndefined();
      await cache.delete('never-set');
    });

    it('expires an entry after its TTL', async () => {
      await cache.set('short', 'v', { ttlMs: 100 });
      await cache.set('long', 'v', { ttlMs: MINUTE });
      expect(await cache.get('short')).toBe('v');
      await sleep(250);
      expect(await cache.get('short')).toBeUndefined();
      expect(await cache.get('long')).toBe('v');
    });

    it('drops exactly the entries carrying an invalidated tag', async () => {
      const [p1, p2] = [`project:${newId()}`, `project:${newId()}`];
      await cache.set('a', 'a', { ttlMs: MINUTE, tags: [p1] });
      await cache.set('b', 'b', { ttlMs: MINUTE, tags: [p2] });
      await cache.set('both', 'both', { ttlMs: MINUTE, tags: [p1, p2] });
      await cache.set('untagged', 'u', { ttlMs: MINUTE });
      await cache.invalidateTags([p1]);
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.get('both')).toBeUndefined();
      expect(await cache.get('b')).toBe('b');
      expect(await cache.get('untagged')).toBe('u');
      await cache.invalidateTags([]);
      expect(await cache.get('b')).toBe('b');
    });

    it('tags a key stored again after an invalidation', async () => {
      const tag = `project:${newId()}`;
      await cache.set('k', 1, { ttlMs: MINUTE, tags: [tag] });
      await cache.invalidateTags([tag]);
      await cache.set('k', 2, { ttlMs: MINUTE, tags: [tag] });
      expect(await cache.get('k')).toBe(2);
      await cache.invalidateTags([tag]);
      expect(await cache.get('k')).toBeUndefined();
    });

    it('refuses a value loaded before an invalidation of one of its tags', async () => {
      const [tag, other] = [`project:${newId()}`, `project:${newId()}`];
      const stamp = await cache.stamp();
      await cache.invalidateTags([tag]);
      expect(await cache.set('stale', 'old', { ttlMs: MINUTE, tags: [tag], stamp })).toBe(false);
      expect(await cache.get('stale')).toBeUndefined();
      // An invalidation of an unrelated tag does not matter.
      expect(await cache.set('fine', 'v', { ttlMs: MINUTE, tags: [other], stamp })).toBe(true);
      // A load stamped after the invalidation is stored.
      const later = await cache.stamp();
      expect(await cache.set('fresh', 'new', { ttlMs: MINUTE, tags: [tag], stamp: later })).toBe(true);
      expect(await cache.get('fresh')).toBe('new');
    });

    it('refuses a stamp that is too old', async () => {
      const stamp = await cache.stamp();
      const old = { ...stamp, takenAt: stamp.takenAt - MAX_STAMP_AGE_MS - 1 };
      expect(await cache.set('k', 1, { ttlMs: MINUTE, stamp: old })).toBe(false);
      expect(await cache.get('k')).toBeUndefined();
    });

    it('rejects a value that is not JSON', async () => {
      await expect(cache.set('k', undefined, { ttlMs: MINUTE })).rejects.toThrow(TypeError);
    });
  });
}
