/**
 * Everything that moves to Redis when REDIS_URL is set, on two connections: commands
 * (denylist, cache, rate-limit counters, publishing) and the event subscriber.
 */
import type { Redis } from 'ioredis';
import type { Cache } from '../../ports/cache.js';
import type { EventBus } from '../../ports/event-bus.js';
import type { TokenDenylist } from '../../ports/token-denylist.js';
import { redisKeys } from '../../lib/cache-keys.js';
import { openRedisConnection, type RedisConnectionOptions } from './redis-connection.js';
import { createRedisEventBus } from './redis-event-bus.js';
import { createRedisTokenDenylist } from './redis-token-denylist.js';
import { createRedisCache } from './redis-cache.js';
import type { AttemptCounter } from '../../ports/attempt-counter.js';
import { createRedisAttemptCounter } from './redis-attempt-counter.js';

export interface RedisBackends {
  /** The command connection, for @fastify/rate-limit's shared counters. */
  client: Redis;
  events: EventBus;
  denylist: TokenDenylist;
  cache: Cache;
  /** Failed-login counters and lockouts. */
  attempts: AttemptCounter;
  ping(): Promise<boolean>;
  /** Closes the bus and every connection. */
  close(): Promise<void>;
}

export async function openRedisBackends(options: RedisConnectionOptions): Promise<RedisBackends> {
  const connection = await openRedisConnection(options);
  try {
    const events = await createRedisEventBus({
      publisher: connection.client,
      subscriber: await connection.subscriber(),
      channel: `${connection.keyPrefix}${redisKeys.eventsChannel}`,
      onError: (message, error) => connection.log.warn({ err: error instanceof Error ? error.message : String(error) }, message),
    });
    return {
      client: connection.client,
      events,
      denylist: createRedisTokenDenylist(connection.client),
      cache: createRedisCache(connection.client),
      attempts: createRedisAttemptCounter(connection.client),
      ping: () => connection.ping(),
      async close() {
        await events.close();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
