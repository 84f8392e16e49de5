/**
 * Composition root: the only place that picks adapters. Everything else receives ports.
 */
import { access, mkdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import type { DocumentStore } from './ports/document-store.js';
import type { EventBus } from './ports/event-bus.js';
import type { TokenDenylist } from './ports/token-denylist.js';
import { openSqliteDocumentStore } from './adapters/sqlite/sqlite-document-store.js';
import { createSqliteStoryQueries } from './adapters/sqlite/sqlite-story-queries.js';
import type { StoryQueries } from './ports/story-queries.js';
import { createMemoryEventBus } from './adapters/memory/memory-event-bus.js';
import { createStoredTokenDenylist } from './adapters/memory/stored-token-denylist.js';
import type { Cache } from './ports/cache.js';
import { createMemoryCache } from './adapters/memory/memory-cache.js';
import { cachedApplicableInstructions, cachedProjectStats, createCacheLayer, invalidatingEventBus } from './modules/shared/cached.js';
import { createBcryptPasswordHasher } from './adapters/bcrypt/bcrypt-password-hasher.js';
import { loadOrCreateSecret } from './adapters/files/secret-file.js';
import { createFsBlobStore } from './adapters/files/fs-blob-store.js';
import { createSharpImageProcessor } from './adapters/sharp/sharp-image-processor.js';
import { createTokenCodec } from './lib/jwt.js';
import { createAuthService } from './modules/auth/auth.service.js';
import { createHealthService, type HealthCheck } from './modules/health/health.service.js';
import { createProjectsService } from './modules/projects/projects.service.js';
import { createStyleGuidesService } from './modules/style-guides/style-guides.service.js';
import { createProjectStatsService } from './modules/project-io/project-stats.service.js';
import { createProjectExportService } from './modules/project-io/project-export.service.js';
import { createProjectDuplicateService } from './modules/project-io/project-duplicate.service.js';
import { createChaptersService } from './modules/chapters/chapters.service.js';
import { createScenesService } from './modules/scenes/scenes.service.js';
import { createPanelsService } from './modules/panels/panels.service.js';
import { backfillPanelDerived } from './modules/panels/panel-backfill.js';
import { createCharactersService } from './modules/characters/characters.service.js';
import { createLocationsService } from './modules/locations/locations.service.js';
import { createInstructionsService } from './modules/instructions/instructions.service.js';
import { createImagesService } from './modules/images/images.service.js';
import { createImageLinksService } from './modules/images/image-links.service.js';
import { createImageUrlSigner } from './modules/images/url-signer.js';
import { createImageFiles } from './modules/images/image-files.js';
import type { ImageProvider, TextProvider } from './ports/ai-providers.js';
import type { JobQueue } from './ports/job-queue.js';
import { createMemoryJobQueue, type MemoryJobQueueOptions } from './adapters/memory/memory-job-queue.js';
import { createImageProvider, createTextProvider, type ProviderTuning } from './adapters/ai/index.js';
import { createAiJobs } from './modules/generation/ai-jobs.js';
import { capActiveJobs } from './modules/generation/active-job-cap.js';
import type { AttemptCounter } from './ports/attempt-counter.js';
import { createMemoryAttemptCounter } from './adapters/memory/memory-attempt-counter.js';
import { createLoginThrottle } from './modules/auth/login-throttle.js';
import { createDraftsService } from './modules/drafts/drafts.service.js';
import { createWorkflows } from './modules/workflows/workflows.wiring.js';
import { tracingEnabled } from './telemetry.js';
import { NO_PORT_TRACING } from './adapters/otel/no-port-tracing.js';

/** About 8 MB of recently read documents (a few thousand panels) for the single-process SQLite setup. */
const SQLITE_DOCUMENT_CACHE_CHARS = 8 * 1024 * 1024;

export interface ContainerOptions {
  /** SQLite file path; ':memory:' for tests. Defaults to DATA_DIR/inkframe.db. */
  sqlitePath?: string;
  /** Prefix of every Redis key and channel; defaults to REDIS_KEY_PREFIX ("inkframe:"); tests use one per run. */
  redisKeyPrefix?: string;
  /** Stand-ins for the configured AI providers (tests: a provider that waits on its signal, ...). */
  imageProvider?: ImageProvider;
  textProvider?: TextProvider;
  /** Provider HTTP timeouts/retries (tests against fake or dead servers shorten them). */
  providerTuning?: ProviderTuning;
  /** Job queue tuning (tests shorten the shutdown grace). */
  jobs?: Pick<MemoryJobQueueOptions, 'stopGraceMs' | 'maxAttempts' | 'progressWriteMs'>;
}

export type Container = Awaited<ReturnType<typeof createContainer>>;

export async function createContainer(config: Readonly<Config>, options: ContainerOptions = {}) {
  await mkdir(config.dataDir, { recursive: true });
  const closers: (() => Promise<void>)[] = [];
  // Telemetry started (OTEL_EXPORTER_OTLP_ENDPOINT): spans around port calls; identity otherwise,
  // without loading the OpenTelemetry API and the decorators (~45 modules, ~3 MB RSS).
  const traced = tracingEnabled() ? (await import('./adapters/otel/port-tracing.js')).createPortTracing(true) : NO_PORT_TRACING;

  // Untraced: the story queries below borrow its connection.
  const rawStore: DocumentStore = config.mongodbUrl
    ? await (await import('./adapters/mongo/mongo-document-store.js')).openMongoDocumentStore({
        url: config.mongodbUrl,
        dbName: config.mongodbDb,
        // Without Redis this process owns the database alone: a transaction journal found at start is a crash's.
        // With it, other processes may be mid-transaction: only journals idle for a minute are theirs to undo.
        interruptedTxIdleMs: config.redisUrl ? 60_000 : 0,
      })
    : openSqliteDocumentStore({
        path: options.sqlitePath ?? path.join(config.dataDir, 'inkframe.db'),
        // Without Redis this is the only process on the database (ROLE=all), so recently read
        // documents can be kept in memory; with it, other processes may write the same file.
        ...(config.redisUrl ? {} : { cacheDocumentChars: SQLITE_DOCUMENT_CACHE_CHARS }),
      });
  const store: DocumentStore = traced.store(rawStore, config.mongodbUrl ? 'mongodb' : 'sqlite');
  closers.push(() => store.close());
  // Appearances and usage: one query per collection on the store's own connection (aggregation pipelines on MongoDB).
  const stories: StoryQueries = traced.storyQueries(
    config.mongodbUrl ? (await import('./adapters/mongo/mongo-story-queries.js')).createMongoStoryQueries(rawStore) : createSqliteStoryQueries(rawStore),
    config.mongodbUrl ? 'mongodb' : 'sqlite',
  );
  // With REDIS_URL: event fan-out, denylist, cache and rate-limit counters shared by all instances.
  // The MongoDB and Redis drivers are imported only when configured: loading them costs ~300 ms
  // of start-up CPU and ~33 MB of RSS that the embedded defaults never use (bench/PROFILE.md).
  const redis = config.redisUrl
    ? traced.redis(await (await import('./adapters/redis/redis-backends.js')).openRedisBackends({ url: config.redisUrl, keyPrefix: options.redisKeyPrefix ?? config.redisKeyPrefix, logLevel: config.logLevel }))
    : undefined;
  if (redis) closers.push(() => redis.close());
  const bus: EventBus = redis?.events ?? createMemoryEventBus();
  closers.push(() => bus.close());
  const cache: Cache = redis?.cache ?? createMemoryCache();
  const cacheLayer = createCacheLayer(cache);
  closers.push(async () => cacheLayer.close());
  // Services publish through this: content events drop the cached reads of their project first.
  const events: EventBus = invalidatingEventBus(bus, cacheLayer);
  const denylist: TokenDenylist = redis?.denylist ?? (await createStoredTokenDenylist(store));
  closers.push(() => denylist.close());
  const attempts: AttemptCounter = redis?.attempts ?? createMemoryAttemptCounter();
  closers.push(() => attempts.close());

  const jwtSecret = config.jwtSecret ?? (await loadOrCreateSecret(config.dataDir, 'jwt-secret'));

  const healthChecks: HealthCheck[] = [
    { name: config.mongodbUrl ? 'mongodb' : 'sqlite', up: 'connected', down: 'disconnected', check: () => store.ping() },
    {
      name: 'filesystem',
      up: 'available',
      down: 'unavailable',
      check: () => access(config.dataDir, constants.W_OK).then(() => true),
    },
    ...(redis ? [{ name: 'redis', up: 'connected', down: 'disconnected', check: () => redis.ping() }] : []),
  ];

  const blobs = createFsBlobStore(path.join(config.dataDir, 'images'));
  const imageProcessor = createSharpImageProcessor({ maxPixels: config.maxImagePixels });
  const images = createImagesService({
    store,
    events,
    blobs,
    processor: imageProcessor,
    signer: createImageUrlSigner(jwtSecret),
    maxUploadBytes: config.maxUploadBytes,
    // With separate api/worker processes sharing DATA_DIR, a just-written file may not have its record yet.
    orphanGraceMs: config.role === 'all' ? 0 : 10 * 60_000,
  });

  // Built first: other services (style guides) reuse it.
  const projects = createProjectsService({ store, events, afterProjectDeleted: [async () => void (await images.sweepOrphans())] });
  const services = {
    auth: createAuthService({
      store,
      hasher: createBcryptPasswordHasher(config.bcryptRounds),
      tokens: createTokenCodec(jwtSecret),
      denylist,
      throttle: createLoginThrottle({ attempts, maxFailures: config.loginMaxFailures, maxFailuresPerIp: config.loginMaxFailuresPerIp, lockoutSeconds: config.loginLockoutSeconds }),
    }),
    projects,
    styleGuides: createStyleGuidesService({ projects, store, events }),
    projectStats: cachedProjectStats(createProjectStatsService({ store }), cacheLayer),
    projectExport: createProjectExportService({ store, imageFiles: createImageFiles({ store, blobs }) }),
    projectDuplicate: createProjectDuplicateService({ store, events }),
    chapters: createChaptersService({ store, events }),
    scenes: createScenesService({ store, events }),
    panels: createPanelsService({ store, events }),
    characters: createCharactersService({ store, events, stories }),
    locations: createLocationsService({ store, events, stories }),
    instructions: cachedApplicableInstructions(createInstructionsService({ store, events }), cacheLayer, store),
    images,
    imageLinks: createImageLinksService({ store, events, images }),
    health: createHealthService(healthChecks),
  };
  // Files left unreferenced by a crash or an interrupted delete.
  await images.sweepOrphans();
  // Panels stored before their derived dialogue fields existed (stats and appearances read those).
  await backfillPanelDerived(store);

  // Background jobs: handlers are registered before the worker starts; ROLE=api only enqueues.
  // With Redis, BullMQ carries the jobs so any number of api and worker processes share them.
  const jobOptions = { store, events, concurrency: config.jobConcurrency, logLevel: config.logLevel, ...options.jobs };
  const jobQueue: JobQueue & { close?: () => Promise<void> } = config.redisUrl
    ? (await import('./adapters/redis/bullmq-job-queue.js')).createBullmqJobQueue({ ...jobOptions, url: config.redisUrl, keyPrefix: options.redisKeyPrefix ?? config.redisKeyPrefix, lockMs: config.jobLockMs })
    : createMemoryJobQueue(jobOptions);
  // Every enqueue path goes through this one queue, so the per-user cap holds for all of them.
  const queue: JobQueue = capActiveJobs(traced.jobQueue(jobQueue), { store, maxPerUser: config.maxActiveJobsPerUser });
  // One instance of each provider, shared by the generation/task jobs and the workflows.
  const imageProvider = traced.imageProvider(options.imageProvider ?? createImageProvider(config, options.providerTuning));
  const textProvider = traced.textProvider(options.textProvider ?? createTextProvider(config, options.providerTuning));
  const ai = createAiJobs({
    store,
    events,
    blobs,
    queue,
    images,
    instructions: services.instructions,
    imageProvider,
    textProvider,
  });
  const workflows = createWorkflows({ store, events, queue, images, panels: services.panels, instructions: services.instructions, imageProvider, textProvider });
  const drafts = createDraftsService({ store, events, queue, sweepImages: () => images.sweepOrphans() });
  if (config.role !== 'api') await queue.start();
  closers.push(() => (jobQueue.close ? jobQueue.close() : jobQueue.stop()));

  return {
    config,
    store,
    events,
    denylist,
    cache,
    /** The shared ioredis client when REDIS_URL is set (rate-limit counters). */
    redis: redis?.client,
    blobs,
    imageProcessor,
    queue,
    services: { ...services, ...ai, drafts, ...workflows },
    /** HTTP server spans when tracing is on (undefined otherwise). */
    httpTracing: traced.http,
    /** Closes adapters in reverse order of creation. */
    async close(): Promise<void> {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
}
