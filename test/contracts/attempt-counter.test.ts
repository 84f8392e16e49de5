import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryAttemptCounter } from '../../src/adapters/memory/memory-attempt-counter.js';
import { openRedisConnection, type RedisConnection } from '../../src/adapters/redis/redis-connection.js';
import { createRedisAttemptCounter } from '../../src/adapters/redis/redis-attempt-counter.js';
import { newId } from '../../src/lib/ids.js';
import { REDIS_URL, announceSkip } from '../helpers/services.js';
import { attemptCounterContract } from './attempt-counter.contract.js';
import { dropKeys, testKeyPrefix } from './redis.fixtures.js';

attemptCounterContract('memory', async () => {
  const counter = createMemoryAttemptCounter();
  return { open: async () => counter, close: async () => undefined };
});

describe('AttemptCounter in memory specifics', () => {
  it('stays bounded: past maxKeys the least recently touched keys are dropped', async () => {
    const counter = createMemoryAttemptCounter({ maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) await counter.increment(key, 60_000);
    await counter.increment('a', 60_000);
    await counter.block('d', 60_000);
    // "b" was touched least recently: it went to make room for "d".
    expect(await counter.increment('b', 60_000)).toBe(1);
    expect(await counter.increment('a', 60_000)).toBe(3);
  });

  it('follows the injected clock', async () => {
    let now = 1_000_000;
    const counter = createMemoryAttemptCounter({ now: () => now });
    await counter.block('k', 5_000);
    now += 4_000;
    expect(await counter.blockedFor('k')).toBe(1_000);
    now += 1_000;
    expect(await counter.blockedFor('k')).toBe(0);
  });
});

if (!REDIS_URL) {
  announceSkip('AttemptCounter contract on Redis', 'REDIS_URL');
  describe.skip('AttemptCounter contract: redis (REDIS_URL not set)', () => {
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
        return createRedisAttemptCounter(connection.client);
      },
      async close() {
        await Promise.all(connections.map((connection) => connection.close()));
      },
    };
  }

  attemptCounterContract('redis', redisBacking);

  describe('AttemptCounter on Redis specifics', () => {
    it('is shared: counts and blocks made by one instance are seen by another', async () => {
      const backing = await redisBacking();
      try {
        const [a, b] = [await backing.open(), await backing.open()];
        const key = `login:user:${newId()}`;
        expect(await a.increment(key, 60_000)).toBe(1);
        expect(await b.increment(key, 60_000)).toBe(2);
        await a.block(key, 60_000);
        expect(await b.blockedFor(key)).toBeGreaterThan(55_000);
        await b.reset(key);
        expect(await a.blockedFor(key)).toBe(0);
      } finally {
        await backing.close();
      }
    });
  });
}
