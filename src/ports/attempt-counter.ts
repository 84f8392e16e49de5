/**
 * AttemptCounter: counts failed attempts per key (a username, a client IP) and blocks a key
 * for a while. Counts and blocks expire by themselves. With Redis every instance sees the
 * same numbers, so a lockout holds however requests are spread over instances.
 */
export interface AttemptCounter {
  /** Adds one to the key's count and returns the new count; the count is forgotten `ttlMs` after this call (each call renews it). */
  increment(key: string, ttlMs: number): Promise<number>;
  /** Blocks the key for `ms` from now; a block that already lasts longer is kept. */
  block(key: string, ms: number): Promise<void>;
  /** Milliseconds left on the key's block, 0 when it is not blocked. */
  blockedFor(key: string): Promise<number>;
  /** Forgets the key's count and block. */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}
