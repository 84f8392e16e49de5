/**
 * The one registry of cache keys, their TTLs and tags, and of every key Inkframe writes to
 * Redis. All Redis keys also get the connection's prefix (default "inkframe:"), applied by
 * the client. Rate-limit counters are @fastify/rate-limit's, under its nameSpace
 * "inkframe:ratelimit:" (src/http/rate-limit.ts), so "inkframe:inkframe:ratelimit:..." in full.
 */

const MINUTE = 60_000;

export interface CacheEntryRef {
  key: string;
  ttlMs: number;
}

/** Cached read results. The user id is part of each key: only the owner's load ever fills it. */
export const cacheEntries = {
  /** GET /projects/{project_id}/stats. */
  projectStats: (projectId: string, userId: string): CacheEntryRef => ({
    key: `project-stats:${projectId}:${userId}`,
    ttlMs: 5 * MINUTE,
  }),
  /** GET /instructions/applicable and the prompt assembly of every AI call. */
  applicableInstructions: (scopeType: string, scopeId: string, userId: string): CacheEntryRef => ({
    key: `applicable-instructions:${scopeType}:${scopeId}:${userId}`,
    ttlMs: 10 * MINUTE,
  }),
};

export const cacheTags = {
  /** On every cached value computed from one project's content; content events drop it. */
  project: (projectId: string) => `project:${projectId}`,
};

/** Key layout in Redis (before the connection prefix). */
export const redisKeys = {
  /** TokenDenylist: a revoked token id or family; TTL = until the token expires. */
  revoked: (key: string) => `denylist:${key}`,
  /** TokenDenylist: a user's cut-off time (epoch ms); TTL = until the last affected token expires. */
  userCutoff: (userId: string) => `denylist:cutoff:${userId}`,
  /** EventBus pub/sub channel (channels are not keys: the adapter adds the prefix itself). */
  eventsChannel: 'events',
  /** Cache: a JSON value; TTL from cacheEntries. */
  cacheEntry: (key: string) => `cache:entry:${key}`,
  /** Cache: the entry keys carrying a tag; lives as long as its longest entry. */
  cacheTagMembers: (tag: string) => `cache:tag:${tag}`,
  /** Cache: the clock value of a tag's last invalidation; TTL CACHE_FENCE_TTL_MS. */
  cacheTagFence: (tag: string) => `cache:fence:${tag}`,
  /** Cache: a counter bumped by every invalidation (no TTL). */
  cacheClock: 'cache:clock',
  /**
   * JobQueue (BullMQ): its prefix, so BullMQ's own keys are `<prefix>bull:jobs:*` (BullMQ's
   * layout; finished jobs are removed at once, the job documents keep the outcome).
   */
  jobQueuePrefix: 'bull',
  /** JobQueue: the fair-share clock `...bull:jobs:fair:clock` and pending tags `...:fair:users` (no TTL; reset when idle). */
  jobFairness: 'fair',
  /** JobQueue: pub/sub channel carrying the ids of canceled running jobs to the workers (a channel, prefixed by the adapter). */
  jobCancelChannel: 'jobs:cancel',
  /** AttemptCounter: failed attempts of a key (e.g. `login:user:<sha256>`); TTL renewed on each failure. */
  attemptCount: (key: string) => `attempts:count:${key}`,
  /** AttemptCounter: present while the key is blocked; TTL = the block. */
  attemptBlock: (key: string) => `attempts:block:${key}`,
};

/** How long an invalidation fences off stale loads; longer than any stamp may live. */
export const CACHE_FENCE_TTL_MS = 10 * MINUTE;
