/**
 * The embedded AttemptCounter: counts and blocks in this process (single-process mode).
 * Bounded, because the keys come from clients (any username can be tried): past the limit
 * the least recently touched keys are dropped first.
 */
import type { AttemptCounter } from '../../ports/attempt-counter.js';

export interface MemoryAttemptCounterOptions {
  /** Most keys remembered (counts and blocks together). */
  maxKeys?: number;
  now?: () => number;
}

interface Entry {
  count: number;
  countExpiresAt: number;
  blockedUntil: number;
}

export function createMemoryAttemptCounter(options: MemoryAttemptCounterOptions = {}): AttemptCounter {
  // Looked up on each call (not captured), so a test's fake clock applies.
  const { maxKeys = 100_000, now = () => Date.now() } = options;
  // Insertion order = last-touched order (entries are re-inserted on every change).
  const entries = new Map<string, Entry>();

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    const at = now();
    if (entry.countExpiresAt <= at) entry.count = 0;
    if (entry.count === 0 && entry.blockedUntil <= at) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function store(key: string, entry: Entry): void {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxKeys) entries.delete(entries.keys().next().value as string);
  }

  return {
    async increment(key, ttlMs) {
      const entry = live(key) ?? { count: 0, countExpiresAt: 0, blockedUntil: 0 };
      entry.count += 1;
      entry.countExpiresAt = now() + ttlMs;
      store(key, entry);
      return entry.count;
    },
    async block(key, ms) {
      const entry = live(key) ?? { count: 0, countExpiresAt: 0, blockedUntil: 0 };
      entry.blockedUntil = Math.max(entry.blockedUntil, now() + ms);
      store(key, entry);
    },
    async blockedFor(key) {
      const entry = live(key);
      return entry ? Math.max(0, entry.blockedUntil - now()) : 0;
    },
    async reset(key) {
      entries.delete(key);
    },
    async close() {
      entries.clear();
    },
  };
}
