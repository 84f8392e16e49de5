/**
 * buildWorkerApp(container): the HTTP side of a ROLE=worker process. A worker runs jobs; it
 * serves only /api/v1/health, /health/live and /health/ready (for orchestrator probes), with
 * the same envelope, trace ids and error shapes as the API. Everything else is a 404.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from './container.js';
import { createValidatorCompiler } from './http/validation.js';
import { tracePlugin } from './http/trace.js';
import { errorHandlerPlugin } from './http/error-handler.js';
import { drainingPlugin } from './http/draining.js';
import { loggerOptions } from './http/logging.js';
import { healthRoutes } from './modules/health/health.routes.js';

export interface BuildWorkerAppOptions {
  logger?: FastifyServerOptions['logger'];
}

export async function buildWorkerApp(container: Container, options: BuildWorkerAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(container.config.logLevel),
    trustProxy: false,
    requestIdHeader: false,
    forceCloseConnections: 'idle',
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(createValidatorCompiler());

  if (container.httpTracing) await app.register(container.httpTracing.plugin);
  await app.register(tracePlugin, { activeTrace: container.httpTracing?.activeTrace });
  // Probes during shutdown get the contract's 503, so an orchestrator stops routing here.
  await app.register(drainingPlugin);
  await app.register(errorHandlerPlugin);
  await app.register(async (api) => api.register(healthRoutes, { health: container.services.health }), { prefix: '/api/v1' });

  // Closing the app stops the worker: running jobs get the grace period, then go back to the queue.
  app.addHook('onClose', async () => container.close());
  return app;
}
