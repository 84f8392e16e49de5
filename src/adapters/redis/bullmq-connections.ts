/**
 * The Redis connections of the BullMQ job queue. BullMQ needs connections of its own: it
 * refuses ioredis key prefixes (it prefixes keys itself), and a worker's connections must
 * retry forever (`maxRetriesPerRequest: null`) so a Redis outage pauses it instead of
 * failing jobs. The enqueuing side fails fast instead, like every other Redis command of an
 * API request.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export type ConnectionRole = 'queue' | 'worker' | 'cancel-subscriber';

const ROLE_OPTIONS: Record<ConnectionRole, RedisOptions> = {
  // Enqueue and cancel from requests: one resend after a reconnect, then an error (503).
  queue: { maxRetriesPerRequest: 1, commandTimeout: 5_000 },
  // BullMQ duplicates this one for its blocking fetch; both wait out an outage.
  worker: { maxRetriesPerRequest: null },
  'cancel-subscriber': { maxRetriesPerRequest: null },
};

export function openBullmqConnection(url: string, role: ConnectionRole, name: string): Redis {
  const connection = new Redis(url, {
    connectionName: name,
    connectTimeout: 3_000,
    // 100 ms, 200 ms, ... then every 2 s, forever, like the other Redis connections.
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt - 1, 5), 2_000),
    ...ROLE_OPTIONS[role],
  });
  // Failures surface through the commands that fail and BullMQ's 'error' events.
  connection.on('error', () => undefined);
  return connection;
}

/** Logs each distinct error at most once per interval: an outage makes BullMQ report the same failure every few ms. */
export function throttledReporter(log: Logger, intervalMs = 30_000): (error: unknown, message?: string) => void {
  const last = new Map<string, number>();
  return (error, message = 'job queue: redis error') => {
    const text = error instanceof Error ? error.message : String(error);
    const now = Date.now();
    if ((last.get(text) ?? -Infinity) > now - intervalMs) return;
    if (last.size > 100) last.clear();
    last.set(text, now);
    log.warn({ err: text }, message);
  };
}
