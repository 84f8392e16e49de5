import type { AppEvent, EventBus, EventHandler } from '../../ports/event-bus.js';

/** In-process fan-out for the embedded, single-process mode. */
export function createMemoryEventBus(): EventBus {
  const handlers = new Set<EventHandler>();
  return {
    async publish(event: AppEvent) {
      for (const handler of handlers) {
        try {
          handler(event);
        } catch {
          // One faulty subscriber must not stop delivery to the others.
        }
      }
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async close() {
      handlers.clear();
    },
  };
}
