/**
 * Fair share across users on open-source BullMQ, which has no per-user groups (those are a
 * BullMQ Pro feature): start-time fair queuing expressed as BullMQ priorities.
 *
 * A job's priority is its "tag": max(the clock, the user's previous tag) + 1. The clock is
 * the tag of the latest job a worker started. BullMQ serves the lowest priority first, FIFO
 * among equal ones, so each user's jobs keep their order, and a user with a long backlog
 * gets one turn per round while a newcomer's first job lands in the current round:
 * with A1 A2 A3 B1 waiting the order is A1 B1 A2 A3, as in the embedded queue.
 *
 * Both steps are Lua scripts, atomic across every API and worker process. Tags only grow,
 * so when nothing waits any more (no pending tag, BullMQ's wait/prioritized/delayed empty)
 * the clock is reset; a busy queue that never empties for 2 million jobs would clamp at
 * BullMQ's priority limit and degrade to FIFO for the jobs beyond it.
 */
import type { Redis } from 'ioredis';
import { defineScript } from './redis-connection.js';

/** BullMQ's highest priority value (2^21 - 1). */
export const PRIORITY_LIMIT = 2 ** 21 - 1;

// KEYS: clock, pending tags (zset user -> latest tag). ARGV: user, limit.
const TAG = `
local clock = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]) or '0')
local tag = math.min(math.max(clock, last) + 1, tonumber(ARGV[2]))
redis.call('ZADD', KEYS[2], tag, ARGV[1])
return tag
`;

// KEYS: clock, pending tags, BullMQ prioritized, wait, delayed. ARGV: the started job's tag.
const STARTED = `
local clock = tonumber(redis.call('GET', KEYS[1]) or '0')
local tag = tonumber(ARGV[1])
if tag > clock then
  clock = tag
  redis.call('SET', KEYS[1], clock)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', clock)
if redis.call('ZCARD', KEYS[2]) == 0 and redis.call('ZCARD', KEYS[3]) == 0 and redis.call('LLEN', KEYS[4]) == 0 and redis.call('ZCARD', KEYS[5]) == 0 then
  redis.call('DEL', KEYS[1])
end
return clock
`;

export interface FairnessKeys {
  /** The clock is at `<base>:clock`, the pending tags at `<base>:users`. */
  base: string;
  /** BullMQ's own keys of the queue (Queue#keys). */
  prioritized: string;
  wait: string;
  delayed: string;
}

export interface Fairness {
  /** The priority for a new job of `user`. */
  tag(user: string): Promise<number>;
  /** Advances the clock when a worker starts a job of that priority. */
  started(tag: number): Promise<void>;
}

export function createFairness(client: Redis, keys: FairnessKeys): Fairness {
  const clock = `${keys.base}:clock`;
  const users = `${keys.base}:users`;
  const tagScript = defineScript(client, 'inkframeFairTag', TAG, 2);
  const startedScript = defineScript(client, 'inkframeFairStarted', STARTED, 5);
  return {
    async tag(user) {
      return Number(await tagScript(clock, users, user, PRIORITY_LIMIT));
    },
    async started(tag) {
      if (!(tag > 0)) return;
      await startedScript(clock, users, keys.prioritized, keys.wait, keys.delayed, tag);
    },
  };
}
