/**
 * What the composition root applies when tracing is on: span decorators for the ports and
 * the HTTP server spans. When it is off every decorator is the identity, so the hot path
 * pays nothing.
 */
import type { ImageProvider, TextProvider } from '../../ports/ai-providers.js';
import type { AttemptCounter } from '../../ports/attempt-counter.js';
import type { Cache } from '../../ports/cache.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { TokenDenylist } from '../../ports/token-denylist.js';
import { createHttpTracing, type HttpTracing } from './http-spans.js';
import { inkframeTracer } from './spans.js';
import { tracedDocumentStore, type DocumentStoreSystem } from './traced-document-store.js';
import { tracedStoryQueries } from './traced-story-queries.js';
import type { StoryQueries } from '../../ports/story-queries.js';
import { tracedJobQueue } from './traced-job-queue.js';
import { tracedImageProvider, tracedTextProvider } from './traced-providers.js';
import { tracedRedisPorts } from './traced-redis.js';
import { NO_PORT_TRACING } from './no-port-tracing.js';

export interface PortTracing {
  store(store: DocumentStore, system: DocumentStoreSystem): DocumentStore;
  storyQueries(queries: StoryQueries, system: DocumentStoreSystem): StoryQueries;
  /** Traces the Redis-backed ports (events, denylist, cache, login attempts) of the Redis backends. */
  redis<T extends { events: EventBus; denylist: TokenDenylist; cache: Cache; attempts: AttemptCounter }>(backends: T): T;
  jobQueue(queue: JobQueue): JobQueue;
  imageProvider(provider: ImageProvider): ImageProvider;
  textProvider(provider: TextProvider): TextProvider;
  /** Undefined when tracing is off: the trace-id plugin then generates ids itself. */
  http: HttpTracing | undefined;
}

export function createPortTracing(enabled: boolean): PortTracing {
  if (!enabled) {
    return NO_PORT_TRACING;
  }
  const tracer = inkframeTracer();
  return {
    store: (store, system) => tracedDocumentStore(store, system, tracer),
    storyQueries: (queries, system) => tracedStoryQueries(queries, system, tracer),
    redis: (backends) => tracedRedisPorts(backends, tracer),
    jobQueue: (queue) => tracedJobQueue(queue, tracer),
    imageProvider: (provider) => tracedImageProvider(provider, tracer),
    textProvider: (provider) => tracedTextProvider(provider, tracer),
    http: createHttpTracing(tracer),
  };
}
