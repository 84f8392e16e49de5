import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createMemoryCache } from '../../src/adapters/memory/memory-cache.js';
import { createMemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { createCacheLayer, invalidatingEventBus } from '../../src/modules/shared/cached.js';
import { ServiceUnavailableError } from '../../src/errors.js';
import type { Cache } from '../../src/ports/cache.js';
import { openRedisConnection, type RedisConnection } from '../../src/adapters/redis/redis-connection.js';
import { createRedisCache } from '../../src/adapters/redis/redis-cache.js';
import { CACHE_FENCE_TTL_MS } from '../../src/lib/cache-keys.js';
import { newId } from '../../src/lib/ids.js';
import { REDIS_URL, announceSkip } from '../helpers/services.js';
import { cacheContract } from './cache.contract.js';
import { dropKeys, testKeyPrefix } from './redis.fixtures.js';

const MINUTE = 60_000;

cacheContract('memory (LRU)', async () => {
  const cache = createMemoryCache();
  return { cache, close: () => cache.close() };
});

describe('memory cache bounds', () => {
  it('evicts the least recently used entry past maxEntries', async () => {
    const cache = createMemoryCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await cache.set(key, key, { ttlMs: MINUTE });
    await cache.get('a');
    await cache.set('d', 'd', { ttlMs: MINUTE });
    expect(await cache.get('b')).toBeUndefined();
    for (const key of ['a', 'c', 'd']) expect(await cache.get(key)).toBe(key);
  });

  it('evicts by size past maxBytes and refuses a single value larger than it', async () => {
    const cache = createMemoryCache({ maxBytes: 100 });
    await cache.set('a', 'x'.repeat(40), { ttlMs: MINUTE });
    await cache.set('b', 'x'.repeat(40), { ttlMs: MINUTE });
    await cache.set('c', 'x'.repeat(40), { ttlMs: MINUTE });
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('c')).toBe('x'.repeat(40));
    expect(await cache.set('huge', 'x'.repeat(200), { ttlMs: MINUTE })).toBe(false);
    expect(await cache.get('huge')).toBeUndefined();
  });

  it('still refuses stale loads after forgetting old fences', async () => {
    const cache = createMemoryCache({ maxFences: 2 });
    const stamp = await cache.stamp();
    await cache.invalidateTags(['t1']);
    await cache.invalidateTags(['t2']);
    await cache.invalidateTags(['t3']); // t1's fence is forgotten
    expect(await cache.set('k', 1, { ttlMs: MINUTE, tags: ['t1'], stamp })).toBe(false);
    expect(await cache.set('k', 1, { ttlMs: MINUTE, tags: ['t1'], stamp: await cache.stamp() })).toBe(true);
  });
});

if (!REDIS_URL) {
  announceSkip('Cache contract on Redis', 'REDIS_URL');
  describe.skip('Cache contract: redis (REDIS_URL not set)', () => {
    it('needs a Redis server', () => undefined);
  });
} else {
  const url = REDIS_URL;
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await dropKeys(url, prefix);
  });

  async function connect(keyPrefix: string): Promise<RedisConnection> {
    return openRedisConnection({ url, keyPrefix, logLevel: 'silent' });
  }

  // A fresh prefix per test: an empty cache with a clock of its own.
  cacheContract('redis', async () => {
    const prefix = testKeyPrefix();
    prefixes.push(prefix);
    const connection = await connect(prefix);
    return { cache: createRedisCache(connection.client), close: () => connection.close() };
  });

  describe('Redis cache specifics', () => {
    it('is shared: what one instance stores or invalidates, another sees', async () => {
      const prefix = testKeyPrefix();
      prefixes.push(prefix);
      const [a, b] = [await connect(prefix), await connect(prefix)];
      try {
        const [onA, onB] = [createRedisCache(a.client), createRedisCache(b.client)];
        const tag = `project:${newId()}`;
        await onA.set('stats', { chapters: 1 }, { ttlMs: MINUTE, tags: [tag] });
        expect(await onB.get('stats')).toEqual({ chapters: 1 });
        const stamp = await onA.stamp();
        await onB.invalidateTags([tag]);
        expect(await onA.get('stats')).toBeUndefined();
        expect(await onA.set('stats', { chapters: 1 }, { ttlMs: MINUTE, tags: [tag], stamp })).toBe(false);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('gives every key it writes a TTL (only the clock has none)', async () => {
      const prefix = testKeyPrefix();
      prefixes.push(prefix);
      const connection = await connect(prefix);
      const raw = new Redis(url);
      try {
        const cache = createRedisCache(connection.client);
        const tag = `project:${newId()}`;
        await cache.set('short', 1, { ttlMs: 30_000, tags: [tag] });
        await cache.set('long', 1, { ttlMs: 90_000, tags: [tag] });
        await cache.invalidateTags([`project:${newId()}`]);
        expect(await raw.pttl(`${prefix}cache:entry:short`)).toBeGreaterThan(25_000);
        const members = await raw.pttl(`${prefix}cache:tag:${tag}`);
        expect(members).toBeGreaterThan(85_000);
        expect(members).toBeLessThanOrEqual(90_000);
        await cache.invalidateTags([tag]);
        expect(await raw.exists(`${prefix}cache:tag:${tag}`, `${prefix}cache:entry:short`, `${prefix}cache:entry:long`)).toBe(0);
        expect(await raw.pttl(`${prefix}cache:fence:${tag}`)).toBeGreaterThan(CACHE_FENCE_TTL_MS - 5_000);
        const keys = await raw.keys(`${prefix}*`);
        for (const key of keys) {
          if (key !== `${prefix}cache:clock`) expect(await raw.pttl(key), key).toBeGreaterThan(0);
        }
      } finally {
        raw.disconnect();
        await connection.close();
      }
    });
  });
}

/** A memory cache that can be switched "unreachable", as the Redis adapter is during an outage. */
function flakyCache() {
  const inner = createMemoryCache();
  let down = false;
  const guard = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    if (down) throw new ServiceUnavailableError('cache down');
    return call(...args);
  };
  const cache: Cache = {
    get: <T>(key: string) => guard((k: string) => inner.get<T>(k))(key),
    set: guard(inner.set),
    delete: guard(inner.delete),
    invalidateTags: guard(inner.invalidateTags),
    stamp: guard(inner.stamp),
    close: inner.close,
  };
  return { cache, inner, setDown: (value: boolean) => void (down = value) };
}

describe('cache layer (read-through and invalidation)', () => {
  const entry = { key: 'stats:p1', ttlMs: MINUTE };
  const tag = 'project:p1';

  it('loads once, then answers from the cache until the tag is invalidated', async () => {
    const layer = createCacheLayer(createMemoryCache());
    let loads = 0;
    const read = () => layer.readThrough(entry, async () => ({ n: ++loads }), () => [tag]);
    expect(await read()).toEqual({ n: 1 });
    expect(await read()).toEqual({ n: 1 });
    await layer.invalidate([tag]);
    expect(await read()).toEqual({ n: 2 });
  });

  it('does not keep a value whose load raced an invalidation', async () => {
    const layer = createCacheLayer(createMemoryCache());
    let loads = 0;
    const racing = await layer.readThrough(entry, async () => {
      loads += 1;
      await layer.invalidate([tag]); // a write committed while this load was reading
      return 'old';
    }, () => [tag]);
    expect(racing).toBe('old');
    expect(await layer.readThrough(entry, async () => ((loads += 1), 'new'), () => [tag])).toBe('new');
    expect(loads).toBe(2);
  });

  it('reads through to the source while the cache is down, and retries missed invalidations before trusting it again', async () => {
    const { cache, inner, setDown } = flakyCache();
    const layer = createCacheLayer(cache);
    try {
      await layer.readThrough(entry, async () => 'before', () => [tag]);
      setDown(true);
      expect(await layer.readThrough(entry, async () => 'live', () => [tag])).toBe('live');
      await expect(layer.invalidate([tag])).resolves.toBeUndefined();
      setDown(false);
      // The stale entry is still in the cache; the layer first replays the invalidation.
      expect(await inner.get(entry.key)).toBe('before');
      expect(await layer.readThrough(entry, async () => 'after', () => [tag])).toBe('after');
      expect(await inner.get(entry.key)).toBe('after');
    } finally {
      layer.close();
    }
  });

  it('lets errors other than an outage through', async () => {
    const layer = createCacheLayer(createMemoryCache());
    await expect(layer.readThrough(entry, async () => undefined, () => [tag])).rejects.toThrow(TypeError);
    await expect(layer.readThrough(entry, async () => Promise.reject(new Error('database says no')), () => [tag])).rejects.toThrow('database says no');
  });

  it('drops a project’s caches before a content event is delivered, and not for progress events', async () => {
    const cache = createMemoryCache();
    const layer = createCacheLayer(cache);
    const bus = invalidatingEventBus(createMemoryEventBus(), layer);
    const projectId = newId();
    const key = 'stats:x';
    const seenInCache: unknown[] = [];
    bus.subscribe(() => void cache.get(key).then((value) => seenInCache.push(value)));
    const event = (type: string) => ({ type, project_id: projectId, owner_id: newId(), data: {}, timestamp: new Date().toISOString() });

    await cache.set(key, 1, { ttlMs: MINUTE, tags: [`project:${projectId}`] });
    await bus.publish(event('generation_progress'));
    expect(await cache.get(key)).toBe(1);
    await bus.publish(event('content_update'));
    expect(await cache.get(key)).toBeUndefined();
    await cache.set(key, 2, { ttlMs: MINUTE, tags: [`project:${projectId}`] });
    await bus.publish(event('draft_ready'));
    expect(await cache.get(key)).toBeUndefined();
    expect(seenInCache).toEqual([1, undefined, undefined]);
  });
});
