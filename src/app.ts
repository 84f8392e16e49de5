/**
 * buildApp(container): the Fastify application with every plugin and module route.
 * It never listens; main.ts does, and tests use app.inject() or listen on port 0.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from './container.js';
import { createValidatorCompiler } from './http/validation.js';
import { cachingSerializerBuilder } from './http/serialization.js';
import { attachSchemaCompilations, createSchemaCompilations } from './http/schema-compilations.js';
import { tracePlugin } from './http/trace.js';
import { errorHandlerPlugin, frameworkErrorHandler } from './http/error-handler.js';
import { drainingPlugin } from './http/draining.js';
import { wellFormedBodyPlugin } from './http/unicode.js';
import { securityPlugin } from './http/security.js';
import { authPlugin } from './http/auth.js';
import { rateLimitPlugin } from './http/rate-limit.js';
import { openApiPlugin } from './http/openapi.js';
import { loggerOptions } from './http/logging.js';
import { lazyChildLoggerFactory } from './http/request-logger.js';
import { registerModules } from './modules/index.js';
import { realtimePlugin, type RealtimeTuning } from './ws/realtime.plugin.js';

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
  /** WebSocket heartbeat/re-check/buffer settings (tests shorten the intervals). */
  realtime?: RealtimeTuning;
}

/** TRUST_PROXY as Fastify takes it: a hop count becomes "trust the nearest n hops". */
function trustedProxies(setting: Container['config']['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  if (setting === false) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return [...setting];
}

export async function buildApp(container: Container, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config, services } = container;
  // Validators and serialisers are compiled on first use; tests compile them all (schema-compilations.ts).
  const compilations = createSchemaCompilations();
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config.logLevel),
    // Request loggers are built when a request first writes a line (request-logger.ts).
    childLoggerFactory: lazyChildLoggerFactory,
    // The client IP behind per-IP limits and lockouts; X-Forwarded-For only from configured proxies.
    trustProxy: trustedProxies(config.trustProxy),
    bodyLimit: 1_048_576,
    requestIdHeader: false,
    forceCloseConnections: 'idle',
    // While shutting down, drainingPlugin answers new requests with the contract's 503.
    return503OnClosing: false,
    // Undecodable URLs and over-long path params, which the router answers before any hook, in the envelope too.
    frameworkErrors: frameworkErrorHandler,
    ajv: { customOptions: {} },
    // One compiled serialiser per distinct response schema (see serialization.ts).
    schemaController: { compilersFactory: { buildSerializer: cachingSerializerBuilder(compilations) } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler(compilations));
  attachSchemaCompilations(app, compilations);

  // Tracing on: the request span starts first, wraps every later hook and handler, and its ids become X-Trace-Id.
  if (container.httpTracing) await app.register(container.httpTracing.plugin);
  await app.register(tracePlugin, { activeTrace: container.httpTracing?.activeTrace });
  await app.register(drainingPlugin);
  await app.register(errorHandlerPlugin);
  await app.register(wellFormedBodyPlugin);
  await app.register(securityPlugin, { corsOrigins: config.corsOrigins });
  await app.register(openApiPlugin, { docsEnabled: config.docsEnabled });
  await app.register(authPlugin, { authenticate: services.auth.authenticate });
  await app.register(rateLimitPlugin, {
    defaultLimit: config.rateLimitDefault,
    generationLimit: config.rateLimitGeneration,
    registrationLimit: config.registrationLimit,
    // Counters in Redis are shared by every instance.
    ...(container.redis ? { redis: container.redis } : {}),
  });
  await app.register(realtimePlugin, {
    events: container.events,
    authenticate: services.auth.authenticate,
    loadProject: services.projects.load,
    ...options.realtime,
  });

  await app.register(async (api) => registerModules(api, container), { prefix: '/api/v1' });

  app.addHook('onClose', async () => container.close());
  return app;
}
