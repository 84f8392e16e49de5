/**
 * Two API instances ("processes") over one database and one Redis: rate-limit counters,
 * token revocations and WebSocket events are shared between them.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { as, createUser } from '../helpers/app.js';
import { WsClient } from '../helpers/ws.js';
import { REDIS_URL, announceSkip } from '../helpers/services.js';
import { dropKeys, testKeyPrefix } from '../contracts/redis.fixtures.js';
import { buildRedisApp, sharedDataDir, type RedisTestApp } from './redis.fixtures.js';

if (!REDIS_URL) {
  announceSkip('Redis backends shared by two API instances', 'REDIS_URL');
  describe.skip('Redis backends across instances (REDIS_URL not set)', () => {
    it('needs a Redis server', () => undefined);
  });
} else {
  const url = REDIS_URL;
  const keyPrefix = testKeyPrefix();

  /** Two instances over one data dir and one Redis prefix. */
  async function pair(env: Record<string, string> = {}) {
    const dir = await sharedDataDir();
    const a = await buildRedisApp({ redisUrl: url, keyPrefix, dataDir: dir.dir, env });
    const b = await buildRedisApp({ redisUrl: url, keyPrefix, dataDir: dir.dir, env });
    return {
      a,
      b,
      async close() {
        await a.close();
        await b.close();
        await dir.remove();
      },
    };
  }

  afterAll(() => dropKeys(url, keyPrefix));

  describe('rate limit shared by two instances', () => {
    it('counts one limit across instances: 3 requests on A and 3 on B make the 6th a 429', async () => {
      const { a, b, close } = await pair({ RATE_LIMIT_DEFAULT: '5/minute' });
      const raw = new Redis(url);
      try {
        const alice = await createUser(a.app);
        for (let i = 0; i < 3; i++) expect((await as(a.app, alice).get('/api/v1/auth/me')).statusCode).toBe(200);
        for (let i = 0; i < 2; i++) expect((await as(b.app, alice).get('/api/v1/auth/me')).statusCode).toBe(200);
        const sixth = await as(b.app, alice).get('/api/v1/auth/me');
        expect(sixth.statusCode).toBe(429);
        expect(sixth.json().code).toBe('rate_limited');
        expect((await as(a.app, alice).get('/api/v1/auth/me')).statusCode).toBe(429);
        expect((await raw.keys(`${keyPrefix}*ratelimit*user:${alice.id}`)).length).toBe(1);
      } finally {
        raw.disconnect();
        await close();
      }
    });
  });

  describe('tokens and events shared by two instances', () => {
    let a: RedisTestApp;
    let b: RedisTestApp;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ a, b, close } = await pair());
    });
    afterAll(() => close());

    it('revokes on every instance: logout on A, and a refresh token spent on A is refused on B', async () => {
      const bob = await createUser(a.app);
      expect((await as(b.app, bob).get('/api/v1/projects')).statusCode).toBe(200);

      const refreshed = await a.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: bob.refreshToken } });
      expect(refreshed.statusCode).toBe(200);
      const replay = await b.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: bob.refreshToken } });
      expect(replay.statusCode, replay.body).toBe(401);

      const carol = await createUser(b.app);
      expect((await as(a.app, carol).post('/api/v1/auth/logout')).statusCode).toBeLessThan(300);
      expect((await as(b.app, carol).get('/api/v1/projects')).statusCode).toBe(401);
    });

    it('sends an event caused on A to a WebSocket on B, once', async () => {
      const dave = await createUser(a.app);
      const project = (await as(a.app, dave).post('/api/v1/projects', { title: 'Shared' })).json().data;
      await b.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = b.app.server.address() as AddressInfo;
      const client = await WsClient.connect(`ws://127.0.0.1:${port}/api/v1/ws/${project.id}?token=${encodeURIComponent(dave.token)}`);
      try {
        const chapter = (await as(a.app, dave).post(`/api/v1/projects/${project.id}/chapters`, { title: 'Over there' })).json().data;
        const frame = await client.next((candidate) => candidate.type === 'content_update' && candidate.data.id === chapter.id, 5_000);
        expect(frame.data).toMatchObject({ resource: 'chapter', id: chapter.id, action: 'created' });
        const again = await client.collect(300, (candidate) => candidate.data.id === chapter.id);
        expect(again).toEqual([]);
      } finally {
        await client.close();
      }
    });
  });
}
