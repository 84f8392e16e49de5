/**
 * TokenDenylist on Redis, shared by every instance. Each entry is a key that expires with the
 * tokens it revokes, so Redis forgets it exactly when it stops mattering.
 */
import type { Redis } from 'ioredis';
import type { TokenDenylist } from '../../ports/token-denylist.js';
import { redisKeys } from '../../lib/cache-keys.js';
import { defineScript } from './redis-connection.js';

// Keeps the later of two cut-offs (instances' clocks differ) and the longer of two lifetimes.
const RAISE_CUTOFF = `
local current = redis.call('GET', KEYS[1])
local ttl = tonumber(ARGV[2])
if current and tonumber(current) >= tonumber(ARGV[1]) then
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
return 1
`;

export function createRedisTokenDenylist(client: Redis, now: () => number = Date.now): TokenDenylist {
  const raiseCutoff = defineScript(client, 'inkframeRaiseCutoff', RAISE_CUTOFF, 1);
  return {
    async revoke(key, expiresAtMs) {
      const ttl = Math.ceil(expiresAtMs - now());
      // An already-expired token is rejected by its signature check; nothing to keep.
      if (ttl <= 0) return true;
      // SET NX is the atomic "first one wins" of two racing refreshes, across instances.
      return (await client.set(redisKeys.revoked(key), '1', 'PX', ttl, 'NX')) === 'OK';
    },
    async isRevoked(key) {
      return (await client.exists(redisKeys.revoked(key))) === 1;
    },
    async revokeUserTokensBefore(userId, cutoffMs, expiresAtMs) {
      const ttl = Math.ceil(expiresAtMs - now());
      if (ttl <= 0) return;
      await raiseCutoff(redisKeys.userCutoff(userId), cutoffMs, ttl);
    },
    async userCutoff(userId) {
      const value = await client.get(redisKeys.userCutoff(userId));
      return value === null ? null : Number(value);
    },
    // The connection is shared; the container closes it.
    async close() {},
  };
}
