import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { openSqliteDocumentStore } from '../../src/adapters/sqlite/sqlite-document-store.js';
import { createStoredTokenDenylist } from '../../src/adapters/memory/stored-token-denylist.js';
import { openRedisConnection, type RedisConnection } from '../../src/adapters/redis/redis-connection.js';
import { createRedisTokenDenylist } from '../../src/adapters/redis/redis-token-denylist.js';
import { newId } from '../../src/lib/ids.js';
import { REDIS_URL, announceSkip } from '../helpers/services.js';
import { tokenDenylistContract } from './token-denylist.contract.js';
import { dropKeys, testKeyPrefix } from './redis.fixtures.js';

tokenDenylistContract('embedded (memory + DocumentStore)', async () => {
  const store = openSqliteDocumentStore({ path: ':memory:' });
  return { open: () => createStoredTokenDenylist(store), close: () => store.close() };
});

if (!REDIS_URL) {
  announceSkip('TokenDenylist contract on Redis', 'REDIS_URL');
  describe.skip('TokenDenylist contract: redis (REDIS_URL not set)', () => {
    it('needs a Redis server', () => undefined);
  });
} else {
  const url = REDIS_URL;
  const prefix = testKeyPrefix();
  afterAll(() => dropKeys(url, prefix));

  // Every open() is a connection of its own, as another process would have.
  async function redisBacking() {
    const connections: RedisConnection[] = [];
    return {
      async open() {
        const connection = await openRedisConnection({ url, keyPrefix: prefix, logLevel: 'silent' });
        connections.push(connection);
        return createRedisTokenDenylist(connection.client);
      },
      async close() {
        await Promise.all(connections.map((connection) => connection.close()));
      },
    };
  }

  tokenDenylistContract('redis', redisBacking);

  describe('TokenDenylist on Redis specifics', () => {
    it('is shared live: a revocation on one instance is seen at once by another', async () => {
      const backing = await redisBacking();
      try {
        const [a, b] = [await backing.open(), await backing.open()];
        const key = `jti:${newId()}`;
        expect(await b.isRevoked(key)).toBe(false);
        expect(await a.revoke(key, Date.now() + 60_000)).toBe(true);
        expect(await b.isRevoked(key)).toBe(true);
        expect(await b.revoke(key, Date.now() + 60_000)).toBe(false);
        const user = newId();
        await b.revokeUserTokensBefore(user, 42, Date.now() + 60_000);
        expect(await a.userCutoff(user)).toBe(42);
      } finally {
        await backing.close();
      }
    });

    it('stores entries with a TTL up to the expiry and never moves a cut-off back', async () => {
      const backing = await redisBacking();
      const raw = new Redis(url);
      try {
        const denylist = await backing.open();
        const key = `jti:${newId()}`;
        await denylist.revoke(key, Date.now() + 60_000);
        const ttl = await raw.pttl(`${prefix}denylist:${key}`);
        expect(ttl).toBeGreaterThan(55_000);
        expect(ttl).toBeLessThanOrEqual(60_000);

        const user = newId();
        await denylist.revokeUserTokensBefore(user, 5_000, Date.now() + 10_000);
        // Another instance with a slower clock: the later cut-off stays, the longer lifetime wins.
        await denylist.revokeUserTokensBefore(user, 4_000, Date.now() + 60_000);
        expect(await denylist.userCutoff(user)).toBe(5_000);
        expect(await raw.pttl(`${prefix}denylist:cutoff:${user}`)).toBeGreaterThan(55_000);
      } finally {
        raw.disconnect();
        await backing.close();
      }
    });
  });
}
