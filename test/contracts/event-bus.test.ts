import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createMemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { openRedisConnection } from '../../src/adapters/redis/redis-connection.js';
import { createRedisEventBus } from '../../src/adapters/redis/redis-event-bus.js';
import type { AppEvent } from '../../src/ports/event-bus.js';
import { REDIS_URL, announceSkip } from '../helpers/services.js';
import { appEvent, eventBusContract, recorder, type BusHandle } from './event-bus.contract.js';
import { dropKeys, eventually, killConnectionsNamed, startRedisProxy, testKeyPrefix } from './redis.fixtures.js';

eventBusContract('memory', async () => {
  const bus = createMemoryEventBus();
  return { bus, close: () => bus.close() };
});

if (!REDIS_URL) {
  announceSkip('EventBus contract on Redis pub/sub', 'REDIS_URL');
  describe.skip('EventBus contract: redis (REDIS_URL not set)', () => {
    it('needs a Redis server', () => undefined);
  });
} else {
  const url = REDIS_URL;
  const prefix = testKeyPrefix();
  afterAll(() => dropKeys(url, prefix));

  /** One "process": its own connections and bus, on the shared channel of `keyPrefix`. */
  async function instance(options: { url?: string; keyPrefix?: string; connectionName?: string; errors?: string[] } = {}): Promise<BusHandle> {
    const keyPrefix = options.keyPrefix ?? prefix;
    const connection = await openRedisConnection({
      url: options.url ?? url,
      keyPrefix,
      logLevel: 'silent',
      ...(options.connectionName ? { connectionName: options.connectionName } : {}),
    });
    const bus = await createRedisEventBus({
      publisher: connection.client,
      subscriber: await connection.subscriber(),
      channel: `${keyPrefix}events`,
      onError: (message) => void options.errors?.push(message),
    });
    return {
      bus,
      async close() {
        await bus.close();
        await connection.close();
      },
    };
  }

  eventBusContract('redis', () => instance({ keyPrefix: testKeyPrefix() }));

  describe('EventBus on Redis pub/sub across instances', () => {
    const onlyTypes = (events: AppEvent[]) => events.map((event) => event.data.id);

    it('delivers every event once to every instance, the publishing one included', async () => {
      const keyPrefix = testKeyPrefix();
      const [a, b] = [await instance({ keyPrefix }), await instance({ keyPrefix })];
      try {
        const [onA, onB] = [recorder(), recorder()];
        a.bus.subscribe(onA.handler);
        b.bus.subscribe(onB.handler);
        const fromA = appEvent();
        const fromB = appEvent('draft_ready');
        await a.bus.publish(fromA);
        await b.bus.publish(fromB);
        // Each instance publishes a marker after; both markers must reach both instances.
        const [markA, markB] = [appEvent('marker'), appEvent('marker')];
        await a.bus.publish(markA);
        await b.bus.publish(markB);
        for (const rec of [onA, onB]) {
          const seen = await rec.upTo(markB);
          expect(onlyTypes(seen.filter((event) => event.type !== 'marker'))).toEqual(onlyTypes([fromA, fromB]));
          expect(seen.filter((event) => event.type === 'marker')).toEqual([markA]);
        }
        expect(onA.seen.find((event) => event.data.id === fromA.data.id)).toEqual(fromA);
        expect(onB.seen.find((event) => event.data.id === fromA.data.id)).toEqual(fromA);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('does not hear the channel of another key prefix', async () => {
      const [a, other] = [await instance({ keyPrefix: testKeyPrefix() }), await instance({ keyPrefix: testKeyPrefix() })];
      try {
        const [onA, onOther] = [recorder(), recorder()];
        a.bus.subscribe(onA.handler);
        other.bus.subscribe(onOther.handler);
        const event = appEvent();
        await a.bus.publish(event);
        const marker = appEvent('marker');
        await other.bus.publish(marker);
        await onA.upTo(event);
        expect(await onOther.upTo(marker)).toEqual([]);
      } finally {
        await a.close();
        await other.close();
      }
    });

    it('ignores a malformed message on the channel and goes on', async () => {
      const keyPrefix = testKeyPrefix();
      const errors: string[] = [];
      const a = await instance({ keyPrefix, errors });
      const raw = new Redis(url);
      try {
        const rec = recorder();
        a.bus.subscribe(rec.handler);
        await raw.publish(`${keyPrefix}events`, 'not json');
        await raw.publish(`${keyPrefix}events`, JSON.stringify({ type: 'content_update' }));
        const event = appEvent();
        await a.bus.publish(event);
        expect(await rec.upTo(event)).toEqual([]);
        expect(errors).toEqual(['undecodable event on the bus', 'malformed event on the bus']);
      } finally {
        raw.disconnect();
        await a.close();
      }
    });

    it('re-subscribes after its connections are killed and delivers again', async () => {
      const keyPrefix = testKeyPrefix();
      const connectionName = `inkframe-test-${randomBytes(4).toString('hex')}`;
      const [a, b] = [await instance({ keyPrefix, connectionName }), await instance({ keyPrefix })];
      try {
        const onA = recorder();
        a.bus.subscribe(onA.handler);
        expect(await killConnectionsNamed(url, connectionName)).toBe(2);
        // Probe from the other instance until A hears again (what is sent while A is away is lost).
        await eventually(async () => {
          const probe = appEvent('probe');
          await b.bus.publish(probe);
          await new Promise((resolve) => setTimeout(resolve, 50));
          return onA.seen.some((event) => event.data.id === probe.data.id);
        }, 10_000, 'the killed subscriber to hear again');
        const before = onA.seen.length;
        const event = appEvent();
        await b.bus.publish(event);
        const marker = appEvent('marker');
        await a.bus.publish(marker);
        expect((await onA.upTo(marker)).slice(before)).toEqual([event]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('still delivers locally while Redis is unreachable, and across instances once it is back', async () => {
      const keyPrefix = testKeyPrefix();
      const proxy = await startRedisProxy(url);
      const errors: string[] = [];
      const [a, b] = [await instance({ keyPrefix, url: proxy.url, errors }), await instance({ keyPrefix })];
      try {
        const [onA, onB] = [recorder(), recorder()];
        a.bus.subscribe(onA.handler);
        b.bus.subscribe(onB.handler);
        await proxy.cut();
        const started = Date.now();
        const during = appEvent();
        await a.bus.publish(during);
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(onA.seen).toEqual([during]);
        expect(errors).toContain('event not published; delivered on this instance only');

        await proxy.restore();
        await eventually(async () => {
          const probe = appEvent('probe');
          await a.bus.publish(probe);
          await new Promise((resolve) => setTimeout(resolve, 50));
          return onB.seen.some((event) => event.data.id === probe.data.id) && onA.seen.filter((event) => event.data.id === probe.data.id).length === 1;
        }, 10_000, 'delivery through the restored connection');
        expect(onB.seen.some((event) => event.data.id === during.data.id)).toBe(false);
      } finally {
        await a.close();
        await b.close();
        await proxy.close();
      }
    });
  });
}
