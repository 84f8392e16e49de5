/**
 * The AttemptCounter contract: what every adapter (memory, Redis) must do, through the port
 * only. `backing()` gives a fresh backing per test; `open()` may be called again for another
 * instance over the same data (another process).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptCounter } from '../../src/ports/attempt-counter.js';
import { newId } from '../../src/lib/ids.js';

export interface AttemptCounterBacking {
  open(): Promise<AttemptCounter>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MINUTE = 60_000;

export function attemptCounterContract(name: string, backing: () => Promise<AttemptCounterBacking>): void {
  describe(`AttemptCounter contract: ${name}`, () => {
    let current: AttemptCounterBacking;
    let counter: AttemptCounter;
    const key = () => `test:${newId()}`;

    beforeEach(async () => {
      current = await backing();
      counter = await current.open();
    });
    afterEach(async () => {
      await counter.close();
      await current.close();
    });

    it('counts per key from 1', async () => {
      const [a, b] = [key(), key()];
      expect(await counter.increment(a, MINUTE)).toBe(1);
      expect(await counter.increment(a, MINUTE)).toBe(2);
      expect(await counter.increment(b, MINUTE)).toBe(1);
      expect(await counter.increment(a, MINUTE)).toBe(3);
    });

    it('counts every one of many racing increments', async () => {
      const k = key();
      const results = await Promise.all(Array.from({ length: 25 }, () => counter.increment(k, MINUTE)));
      expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    });

    it('forgets a count ttl after the last increment, and each increment renews it', async () => {
      const k = key();
      await counter.increment(k, 600);
      await sleep(300);
      expect(await counter.increment(k, 600)).toBe(2);
      await sleep(400);
      // 700 ms after the first, 400 after the second: still remembered.
      expect(await counter.increment(k, 150)).toBe(3);
      await sleep(400);
      expect(await counter.increment(k, MINUTE)).toBe(1);
    });

    it('blocks a key for a while and then lets it go', async () => {
      const [k, other] = [key(), key()];
      expect(await counter.blockedFor(k)).toBe(0);
      await counter.block(k, 250);
      const left = await counter.blockedFor(k);
      expect(left).toBeGreaterThan(150);
      expect(left).toBeLessThanOrEqual(250);
      expect(await counter.blockedFor(other)).toBe(0);
      await sleep(350);
      expect(await counter.blockedFor(k)).toBe(0);
    });

    it('keeps the longer of two blocks', async () => {
      const k = key();
      await counter.block(k, 10 * MINUTE);
      await counter.block(k, 1_000);
      expect(await counter.blockedFor(k)).toBeGreaterThan(9 * MINUTE);
      await counter.block(k, 20 * MINUTE);
      expect(await counter.blockedFor(k)).toBeGreaterThan(19 * MINUTE);
    });

    it('reset forgets both the count and the block of that key only', async () => {
      const [k, other] = [key(), key()];
      await counter.increment(k, MINUTE);
      await counter.increment(k, MINUTE);
      await counter.block(k, MINUTE);
      await counter.increment(other, MINUTE);
      await counter.block(other, MINUTE);
      await counter.reset(k);
      expect(await counter.blockedFor(k)).toBe(0);
      expect(await counter.increment(k, MINUTE)).toBe(1);
      expect(await counter.blockedFor(other)).toBeGreaterThan(0);
      expect(await counter.increment(other, MINUTE)).toBe(2);
    });

    it('a block does not depend on the count expiring, nor the count on the block', async () => {
      const k = key();
      await counter.increment(k, 100);
      await counter.block(k, MINUTE);
      await sleep(200);
      expect(await counter.blockedFor(k)).toBeGreaterThan(0);
      expect(await counter.increment(k, MINUTE)).toBe(1);
    });
  });
}
