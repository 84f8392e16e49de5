/**
 * AttemptCounter on Redis, shared by every instance: a counter key and a block key per
 * attempt key, both with a TTL, so Redis forgets them when they stop mattering.
 */
import type { Redis } from 'ioredis';
import type { AttemptCounter } from '../../ports/attempt-counter.js';
import { redisKeys } from '../../lib/cache-keys.js';
import { defineScript } from './redis-connection.js';

// INCR and the renewed TTL in one step: a count never outlives its window without a TTL.
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return count
`;

// Two instances may block one key at once for different lengths: the longer block stays.
const BLOCK = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
`;

export function createRedisAttemptCounter(client: Redis): AttemptCounter {
  const increment = defineScript(client, 'inkframeAttemptIncrement', INCREMENT, 1);
  const block = defineScript(client, 'inkframeAttemptBlock', BLOCK, 1);
  return {
    async increment(key, ttlMs) {
      return Number(await increment(redisKeys.attemptCount(key), Math.max(1, Math.ceil(ttlMs))));
    },
    async block(key, ms) {
      await block(redisKeys.attemptBlock(key), Math.max(1, Math.ceil(ms)));
    },
    async blockedFor(key) {
      return Math.max(0, await client.pttl(redisKeys.attemptBlock(key)));
    },
    async reset(key) {
      await client.del(redisKeys.attemptCount(key), redisKeys.attemptBlock(key));
    },
    // The connection is shared; the container closes it.
    async close() {},
  };
}
