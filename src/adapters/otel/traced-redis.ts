/**
 * Decorators for the Redis-backed ports (TokenDenylist, Cache, EventBus, AttemptCounter): a CLIENT span per
 * call named `redis <port>.<operation>` with db.system=redis. Keys (token ids, user ids,
 * project tags) are never recorded. Calls outside any trace are not traced.
 */
import type { Tracer } from '@opentelemetry/api';
import type { AttemptCounter } from '../../ports/attempt-counter.js';
import type { Cache } from '../../ports/cache.js';
import type { EventBus } from '../../ports/event-bus.js';
import type { TokenDenylist } from '../../ports/token-denylist.js';
import { dbCalls, inkframeTracer, type DbCall } from './spans.js';

/** A Redis call's span: `redis <port>.<operation>`. */
const redisCalls = (tracer: Tracer): DbCall => dbCalls(tracer, 'redis');

export function tracedTokenDenylist(denylist: TokenDenylist, tracer: Tracer = inkframeTracer()): TokenDenylist {
  const run = redisCalls(tracer);
  return {
    revoke: (key, expiresAtMs) => run('denylist.revoke', () => denylist.revoke(key, expiresAtMs)),
    isRevoked: (key) => run('denylist.is_revoked', () => denylist.isRevoked(key)),
    revokeUserTokensBefore: (userId, cutoffMs, expiresAtMs) =>
      run('denylist.revoke_user_tokens_before', () => denylist.revokeUserTokensBefore(userId, cutoffMs, expiresAtMs)),
    userCutoff: (userId) => run('denylist.user_cutoff', () => denylist.userCutoff(userId)),
    close: () => denylist.close(),
  };
}

export function tracedCache(cache: Cache, tracer: Tracer = inkframeTracer()): Cache {
  const run = redisCalls(tracer);
  return {
    get: (key) => run('cache.get', () => cache.get(key)),
    set: (key, value, options) => run('cache.set', () => cache.set(key, value, options)),
    delete: (key) => run('cache.delete', () => cache.delete(key)),
    invalidateTags: (tags) => run('cache.invalidate_tags', () => cache.invalidateTags(tags)),
    stamp: () => run('cache.stamp', () => cache.stamp()),
    close: () => cache.close(),
  };
}

/** Publishing is traced; delivery to subscribers carries no trace context (fan-out to sockets). */
export function tracedEventBus(bus: EventBus, tracer: Tracer = inkframeTracer()): EventBus {
  const run = redisCalls(tracer);
  return {
    publish: (event) => run('publish', () => bus.publish(event)),
    subscribe: (handler) => bus.subscribe(handler),
    close: () => bus.close(),
  };
}

/** Login lockout counters; the keys (usernames, client addresses) are never recorded. */
export function tracedAttemptCounter(attempts: AttemptCounter, tracer: Tracer = inkframeTracer()): AttemptCounter {
  const run = redisCalls(tracer);
  return {
    increment: (key, ttlMs) => run('attempts.increment', () => attempts.increment(key, ttlMs)),
    block: (key, ms) => run('attempts.block', () => attempts.block(key, ms)),
    blockedFor: (key) => run('attempts.blocked_for', () => attempts.blockedFor(key)),
    reset: (key) => run('attempts.reset', () => attempts.reset(key)),
    close: () => attempts.close(),
  };
}

interface RedisPorts {
  events: EventBus;
  denylist: TokenDenylist;
  cache: Cache;
  attempts: AttemptCounter;
}

/** The Redis backends with their ports traced; everything else (client, ping, close) unchanged. */
export function tracedRedisPorts<T extends RedisPorts>(backends: T, tracer: Tracer = inkframeTracer()): T {
  return {
    ...backends,
    events: tracedEventBus(backends.events, tracer),
    denylist: tracedTokenDenylist(backends.denylist, tracer),
    cache: tracedCache(backends.cache, tracer),
    attempts: tracedAttemptCounter(backends.attempts, tracer),
  };
}
