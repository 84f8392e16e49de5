/**
 * Read-through caching for read-heavy service calls, applied in the container as decorators,
 * and the invalidation that keeps it right: every content event drops the caches of its
 * project before the event goes out. Invalidating on the publishing side (rather than when
 * the event comes back from the bus) means the request that made the change, and every
 * instance sharing the cache, read the new state as soon as the write is answered.
 *
 * When the cache is unreachable, reads go to the source of truth instead, and invalidations
 * that could not be made are kept and retried; until they succeed this instance bypasses
 * the cache, and TTLs bound what other instances can serve meanwhile.
 */
import type { Cache } from '../../ports/cache.js';
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import type { AppEvent, EventBus } from '../../ports/event-bus.js';
import { ServiceUnavailableError } from '../../errors.js';
import { cacheEntries, cacheTags, type CacheEntryRef } from '../../lib/cache-keys.js';
import type { ScopeType } from '../../lib/instructions.js';

/** Event types that mean a project's content (and so its stats or instructions) changed. */
export const INVALIDATING_EVENTS: ReadonlySet<string> = new Set(['content_update', 'draft_ready']);

const RETRY_MS = 1_000;
const MAX_PENDING = 10_000;

export interface CacheLayer {
  /** The cached value, or load() cached under `entry` with the tags tagsOf() gives it. */
  readThrough<T>(entry: CacheEntryRef, load: () => Promise<T>, tagsOf: (value: T) => readonly string[] | Promise<readonly string[]>): Promise<T>;
  /** Never fails for an unreachable cache: the tags are kept and retried. */
  invalidate(tags: readonly string[]): Promise<void>;
  close(): void;
}

export function createCacheLayer(cache: Cache): CacheLayer {
  const pending = new Set<string>();
  let retry: NodeJS.Timeout | undefined;

  const schedule = () => {
    retry ??= setTimeout(() => {
      retry = undefined;
      flush().catch(() => undefined);
    }, RETRY_MS).unref();
  };

  /** True when no invalidation is outstanding, so the cache may be trusted. */
  async function flush(): Promise<boolean> {
    if (pending.size === 0) return true;
    const tags = [...pending];
    try {
      await cache.invalidateTags(tags);
    } catch (error) {
      if (error instanceof ServiceUnavailableError) {
        schedule();
        return false;
      }
      // Not an outage but a fault: retrying would fail every later read the same way.
      for (const tag of tags) pending.delete(tag);
      throw error;
    }
    for (const tag of tags) pending.delete(tag);
    return pending.size === 0;
  }

  return {
    async readThrough<T>(
      entry: CacheEntryRef,
      load: () => Promise<T>,
      tagsOf: (value: T) => readonly string[] | Promise<readonly string[]>,
    ): Promise<T> {
      if (!(await flush())) return load();
      const hit = await reachable(() => cache.get<T>(entry.key));
      if (!hit.ok) return load();
      if (hit.value !== undefined) return hit.value;
      const stamp = await reachable(() => cache.stamp());
      const value = await load();
      if (stamp.ok) await reachable(async () => cache.set(entry.key, value, { ttlMs: entry.ttlMs, tags: await tagsOf(value), stamp: stamp.value }));
      return value;
    },

    async invalidate(tags) {
      for (const tag of tags) pending.add(tag);
      // Bounded: past this, the oldest are dropped and only their TTLs limit staleness.
      for (const tag of pending) {
        if (pending.size <= MAX_PENDING) break;
        pending.delete(tag);
      }
      await flush();
    },

    close() {
      clearTimeout(retry);
      retry = undefined;
    },
  };
}

/** Runs a cache call; an unreachable backend is an answer (ok: false), any other error is thrown. */
async function reachable<T>(call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (error instanceof ServiceUnavailableError) return { ok: false };
    throw error;
  }
}

/** Wraps the cache-bypassing publish: drops the event's project caches, then publishes. */
export function invalidatingEventBus(bus: EventBus, layer: CacheLayer): EventBus {
  return {
    async publish(event: AppEvent) {
      if (INVALIDATING_EVENTS.has(event.type)) await layer.invalidate([cacheTags.project(event.project_id)]);
      await bus.publish(event);
    },
    subscribe: (handler) => bus.subscribe(handler),
    close: () => bus.close(),
  };
}

/** Project stats, cached per project and user. */
export function cachedProjectStats<S extends { get(userId: string, projectId: string): Promise<unknown> }>(service: S, layer: CacheLayer): S {
  return {
    ...service,
    get: (userId: string, projectId: string) =>
      layer.readThrough(cacheEntries.projectStats(projectId, userId), () => service.get(userId, projectId), () => [cacheTags.project(projectId)]),
  };
}

const SCOPE_COLLECTIONS: Record<ScopeType, string> = { project: 'projects', chapter: 'chapters', scene: 'scenes', panel: 'panels' };

type ApplicableFor = (userId: string, scopeType: ScopeType, id: string) => Promise<readonly { project_id: string }[]>;

/** Applicable instructions, cached per target and user, tagged with the target's project. */
export function cachedApplicableInstructions<S extends { applicableFor: ApplicableFor }>(
  service: S,
  layer: CacheLayer,
  store: Pick<DocumentStore, 'get'>,
): S {
  async function projectOf(scopeType: ScopeType, id: string, items: readonly { project_id: string }[]): Promise<string[]> {
    if (scopeType === 'project') return [cacheTags.project(id)];
    const projectId = items[0]?.project_id ?? (await store.get<StoredDoc & { project_id: string }>(SCOPE_COLLECTIONS[scopeType], id))?.project_id;
    return projectId ? [cacheTags.project(projectId)] : [];
  }
  const applicableFor = ((userId, scopeType, id) =>
    layer.readThrough(
      cacheEntries.applicableInstructions(scopeType, id, userId),
      () => service.applicableFor(userId, scopeType, id),
      (items) => projectOf(scopeType, id, items),
    )) as S['applicableFor'];
  return { ...service, applicableFor };
}
