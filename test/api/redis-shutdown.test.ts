/** Closing the app while Redis is unreachable (reconnecting between attempts) must not hang. */
import { afterAll, describe, expect, it } from 'vitest';
import { announceSkip, REDIS_URL } from '../helpers/services.js';
import { dropKeys, startRedisProxy, testKeyPrefix } from '../contracts/redis.fixtures.js';
import { buildRedisApp, sharedDataDir } from './redis.fixtures.js';

if (!REDIS_URL) {
  announceSkip('Redis shutdown during an outage', 'REDIS_URL');
  describe.skip('Redis shutdown during an outage (REDIS_URL not set)', () => {
    it('needs a Redis server', () => undefined);
  });
} else {
  const url = REDIS_URL;

  describe('Redis shutdown during an outage', () => {
    const keyPrefix = testKeyPrefix();
    const cleanups: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
      await dropKeys(url, keyPrefix);
    });

    it('closes within a few seconds while every Redis connection is reconnecting', async () => {
      const proxy = await startRedisProxy(url);
      cleanups.push(() => proxy.close());
      const dir = await sharedDataDir();
      cleanups.push(() => dir.remove());
      const t = await buildRedisApp({ redisUrl: proxy.url, keyPrefix, dataDir: dir.dir });

      await proxy.cut();
      // Let the clients notice and enter their reconnect back-off.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = Date.now();
      await t.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      // Closed means closed: nothing reconnects once Redis is back.
      await proxy.restore();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(proxy.openConnections()).toBe(0);
    });
  });
}
