/**
 * Cache on Redis, shared by every instance, so an invalidation made by one is seen by all.
 *
 * Layout (src/lib/cache-keys.ts): each entry is a JSON string with a TTL; each tag has a set
 * of the entry keys carrying it and a fence holding the clock of its last invalidation.
 * Storing and invalidating are Lua scripts, so they are atomic with respect to each other: an
 * invalidation deletes the tagged entries and raises the fence in one step, and a store
 * stamped before that fence is refused. The invalidation script deletes keys it reads from a
 * tag set, which Redis allows on a single server or with Sentinel, not on Redis Cluster.
 */
import type { Redis } from 'ioredis';
import { MAX_STAMP_AGE_MS, type Cache } from '../../ports/cache.js';
import { CACHE_FENCE_TTL_MS, redisKeys } from '../../lib/cache-keys.js';
import { defineScript } from './redis-connection.js';

// KEYS: clock, entry, fence x n, members x n. ARGV: json, ttl ms, stamp clock (-1: none), n.
const STORE = `
local n = tonumber(ARGV[4])
local stamp = tonumber(ARGV[3])
if stamp >= 0 then
  -- A clock behind the stamp means Redis lost its data since: the fences are gone too.
  if tonumber(redis.call('GET', KEYS[1]) or '0') < stamp then return 0 end
  for i = 1, n do
    local fence = redis.call('GET', KEYS[2 + i])
    if fence and tonumber(fence) > stamp then return 0 end
  end
end
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ttl)
for i = 1, n do
  local members = KEYS[2 + n + i]
  redis.call('SADD', members, KEYS[2])
  if redis.call('PTTL', members) < ttl then redis.call('PEXPIRE', members, ttl) end
end
return 1
`;

// KEYS: clock, then fence and members for each tag. ARGV: fence ttl ms.
const INVALIDATE = `
local now = redis.call('INCR', KEYS[1])
for i = 2, #KEYS, 2 do
  redis.call('SET', KEYS[i], now, 'PX', ARGV[1])
  local members = redis.call('SMEMBERS', KEYS[i + 1])
  for j = 1, #members, 1000 do
    redis.call('DEL', unpack(members, j, math.min(j + 999, #members)))
  end
  redis.call('DEL', KEYS[i + 1])
end
return now
`;

export function createRedisCache(client: Redis, now: () => number = Date.now): Cache {
  const store = defineScript(client, 'inkframeCacheStore', STORE);
  const invalidate = defineScript(client, 'inkframeCacheInvalidate', INVALIDATE);

  return {
    async get<T>(key: string) {
      const raw = await client.get(redisKeys.cacheEntry(key));
      if (raw === null) return undefined;
      return JSON.parse(raw) as T;
    },

    async set(key, value, { ttlMs, tags = [], stamp }) {
      if (stamp && now() - stamp.takenAt > MAX_STAMP_AGE_MS) return false;
      const json = JSON.stringify(value);
      if (json === undefined) throw new TypeError('Cache values must be JSON');
      const keys = [
        redisKeys.cacheClock,
        redisKeys.cacheEntry(key),
        ...tags.map(redisKeys.cacheTagFence),
        ...tags.map(redisKeys.cacheTagMembers),
      ];
      const stored = await store(keys.length, ...keys, json, Math.max(1, Math.ceil(ttlMs)), stamp ? stamp.clock : -1, tags.length);
      return stored === 1;
    },

    async delete(key) {
      await client.del(redisKeys.cacheEntry(key));
    },

    async invalidateTags(tags) {
      if (tags.length === 0) return;
      const keys = [redisKeys.cacheClock, ...tags.flatMap((tag) => [redisKeys.cacheTagFence(tag), redisKeys.cacheTagMembers(tag)])];
      await invalidate(keys.length, ...keys, CACHE_FENCE_TTL_MS);
    },

    async stamp() {
      const clock = await client.get(redisKeys.cacheClock);
      return { clock: clock === null ? 0 : Number(clock), takenAt: now() };
    },

    // The connection is shared; the container closes it.
    async close() {},
  };
}
