/**
 * EventBus on Redis pub/sub: publish sends the event (JSON) to one channel; every instance,
 * the publishing one included, hears it on its own subscriber connection and hands it to its
 * local handlers, so each handler sees each event once, in publish order.
 *
 * Pub/sub delivers at most once: an instance whose subscriber connection is down misses what
 * is published meanwhile (ioredis re-subscribes when it reconnects). That fits real-time
 * notifications; nothing durable depends on them (clients re-read after a reconnect).
 */
import type { Redis } from 'ioredis';
import type { AppEvent, EventBus, EventHandler } from '../../ports/event-bus.js';

export interface RedisEventBusOptions {
  /** The shared command connection. */
  publisher: Redis;
  /** A connection of the bus's own, in subscriber mode from now on. */
  subscriber: Redis;
  /** The full channel name (the connection's key prefix does not apply to channels). */
  channel: string;
  onError?: (message: string, error: unknown) => void;
}

function isAppEvent(value: unknown): value is AppEvent {
  const event = value as Partial<AppEvent> | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.type === 'string' &&
    typeof event.project_id === 'string' &&
    typeof event.owner_id === 'string' &&
    typeof event.timestamp === 'string' &&
    typeof event.data === 'object' &&
    event.data !== null
  );
}

export async function createRedisEventBus(options: RedisEventBusOptions): Promise<EventBus> {
  const { publisher, subscriber, channel, onError = () => undefined } = options;
  const handlers = new Set<EventHandler>();
  let closed = false;

  function deliver(event: AppEvent): void {
    for (const handler of handlers) {
      try {
        handler(event);
      } catch {
        // One faulty subscriber must not stop delivery to the others.
      }
    }
  }

  const onMessage = (from: string, message: string) => {
    if (closed || from !== channel) return;
    let event: unknown;
    try {
      event = JSON.parse(message);
    } catch (error) {
      onError('undecodable event on the bus', error);
      return;
    }
    if (isAppEvent(event)) deliver(event);
    else onError('malformed event on the bus', new Error(message.slice(0, 200)));
  };
  subscriber.on('message', onMessage);
  await subscriber.subscribe(channel);

  return {
    async publish(event) {
      if (closed) return;
      try {
        await publisher.publish(channel, JSON.stringify(event));
      } catch (error) {
        // The change is already committed: failing its request would only invite a retry of a
        // write that succeeded. This instance's own subscribers still hear of it.
        onError('event not published; delivered on this instance only', error);
        deliver(event);
      }
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async close() {
      if (closed) return;
      closed = true;
      handlers.clear();
      subscriber.off('message', onMessage);
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
