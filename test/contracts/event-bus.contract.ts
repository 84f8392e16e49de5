/**
 * The EventBus contract: what every adapter (in-process, Redis pub/sub) must do, through the
 * port only. Delivery may be asynchronous, so "exactly once" is checked with a marker: events
 * arrive in publish order, so once the marker is in, everything published before it is too.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent, EventBus } from '../../src/ports/event-bus.js';
import { newId } from '../../src/lib/ids.js';
import { eventually } from './redis.fixtures.js';

export interface BusHandle {
  bus: EventBus;
  close(): Promise<void>;
}

export function appEvent(type = 'content_update', data: Record<string, unknown> = {}): AppEvent {
  return {
    type,
    project_id: newId(),
    owner_id: newId(),
    data: { resource: 'chapter', id: newId(), action: 'created', version: 1, ...data },
    timestamp: new Date().toISOString(),
  };
}

/** Collects what a handler receives. */
export function recorder() {
  const seen: AppEvent[] = [];
  return {
    seen,
    handler: (event: AppEvent) => void seen.push(event),
    /** Waits until `marker` arrived; then returns everything received before it. */
    async upTo(marker: AppEvent): Promise<AppEvent[]> {
      await eventually(() => seen.some((event) => event.data.id === marker.data.id), 5_000, `event ${String(marker.data.id)}`);
      return seen.slice(0, seen.findIndex((event) => event.data.id === marker.data.id));
    },
  };
}

export function eventBusContract(name: string, open: () => Promise<BusHandle>): void {
  describe(`EventBus contract: ${name}`, () => {
    let handle: BusHandle;
    beforeEach(async () => {
      handle = await open();
    });
    afterEach(async () => handle.close());

    it('delivers each published event to a subscriber once, unchanged', async () => {
      const { bus } = handle;
      const rec = recorder();
      bus.subscribe(rec.handler);
      const event = appEvent('content_update', { parent: { type: 'project', id: newId() } });
      await bus.publish(event);
      const marker = appEvent('marker');
      await bus.publish(marker);
      expect(await rec.upTo(marker)).toEqual([event]);
    });

    it('keeps publish order and reaches every subscriber', async () => {
      const { bus } = handle;
      const [first, second] = [recorder(), recorder()];
      bus.subscribe(first.handler);
      bus.subscribe(second.handler);
      const events = Array.from({ length: 25 }, (_, index) => appEvent('generation_progress', { progress: index }));
      for (const event of events) await bus.publish(event);
      const marker = appEvent('marker');
      await bus.publish(marker);
      expect(await first.upTo(marker)).toEqual(events);
      expect(await second.upTo(marker)).toEqual(events);
    });

    it('stops delivering to a handler once it unsubscribes, and only to it', async () => {
      const { bus } = handle;
      const [kept, dropped] = [recorder(), recorder()];
      bus.subscribe(kept.handler);
      const unsubscribe = bus.subscribe(dropped.handler);
      unsubscribe();
      const marker = appEvent('marker');
      await bus.publish(marker);
      await kept.upTo(marker);
      expect(dropped.seen).toEqual([]);
    });

    it('keeps delivering to the others when one handler throws', async () => {
      const { bus } = handle;
      const rec = recorder();
      bus.subscribe(() => {
        throw new Error('faulty subscriber');
      });
      bus.subscribe(rec.handler);
      const event = appEvent();
      await bus.publish(event);
      const marker = appEvent('marker');
      await bus.publish(marker);
      expect(await rec.upTo(marker)).toEqual([event]);
    });

    it('delivers nothing more after close, and publishing then does not throw', async () => {
      const { bus } = handle;
      const rec = recorder();
      bus.subscribe(rec.handler);
      await bus.close();
      await expect(bus.publish(appEvent())).resolves.toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(rec.seen).toEqual([]);
    });
  });
}
