/**
 * Health and failure behaviour with Redis: a real PING behind services.redis, readiness 503
 * while Redis is unreachable (cut through a TCP proxy), requests failing fast with 503
 * instead of hanging, recovery when Redis is back, and every connection closed on close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { REDIS_URL, announceSkip } from '../helpers/services.js';
import { dropKeys, eventually, startRedisProxy, testKeyPrefix, type RedisProxy } from '../contracts/redis.fixtures.js';
import { buildRedisApp, sharedDataDir, type RedisTestApp } from './redis.fixtures.js';

describe('without REDIS_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('keeps the embedded backends and reports no redis', async () => {
    expect(t.container.redis).toBeUndefined();
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.json().services).not.toHaveProperty('redis');
  });
});

if (!REDIS_URL) {
  announceSkip('Redis health, failure and recovery', 'REDIS_URL');
  describe.skip('Redis health (REDIS_URL not set)', () => {
    it('needs a Redis server', () => undefined);
  });
} else {
  const url = REDIS_URL;

  describe('Redis health, failure and recovery', () => {
    const keyPrefix = testKeyPrefix();
    let proxy: RedisProxy;
    let dir: Awaited<ReturnType<typeof sharedDataDir>>;
    let t: RedisTestApp;
    let alice: TestUser;
    let closed = false;

    beforeAll(async () => {
      proxy = await startRedisProxy(url);
      dir = await sharedDataDir();
      t = await buildRedisApp({ redisUrl: proxy.url, keyPrefix, dataDir: dir.dir });
      alice = await createUser(t.app);
    });
    afterAll(async () => {
      if (!closed) await t.close();
      await proxy.close();
      await dir.remove();
      await dropKeys(url, keyPrefix);
    });

    const ready = () => t.app.inject({ method: 'GET', url: '/api/v1/health/ready' });

    it('reports redis connected from a real ping', async () => {
      const res = await ready();
      expect(res.statusCode).toBe(200);
      expect(res.json().services.redis).toBe('connected');
    });

    it('is not ready while Redis is down, fails requests fast with 503, and recovers', async () => {
      const projectId = (await as(t.app, alice).post('/api/v1/projects', { title: 'Through an outage' })).json().data.id;
      await proxy.cut();

      const started = Date.now();
      const down = await ready();
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({ success: false, code: 'service_unavailable', services: { redis: 'disconnected' } });

      // Authentication reads the denylist; login is counted by the rate limiter: both in Redis.
      const me = await as(t.app, alice).get('/api/v1/auth/me');
      expect(me.statusCode).toBe(503);
      expect(me.json().code).toBe('service_unavailable');
      const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: alice.username, password: alice.password } });
      expect(login.statusCode).toBe(503);
      expect(login.json().code).toBe('service_unavailable');
      expect(Date.now() - started).toBeLessThan(3_000);

      const health = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json().services.redis).toBe('disconnected');

      await proxy.restore();
      await eventually(async () => (await ready()).statusCode === 200, 10_000, 'readiness after Redis came back');
      expect((await as(t.app, alice).get('/api/v1/auth/me')).statusCode).toBe(200);
      const stats = await as(t.app, alice).get(`/api/v1/projects/${projectId}/stats`);
      expect(stats.statusCode).toBe(200);
    });

    it('closes every Redis connection when the app closes', async () => {
      // Commands and event subscriber; the job queue's enqueue, worker, its blocking fetch and cancel subscriber.
      // After the outage of the test before, the job queue's connections come back on their own back-off.
      await eventually(() => proxy.openConnections() === 6, 10_000, 'all six connections to be back');
      await t.close();
      closed = true;
      expect(t.container.redis?.status).toBe('end');
      await eventually(() => proxy.openConnections() === 0, 3_000, 'connections to close');
    });
  });
}
