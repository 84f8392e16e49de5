/**
 * buildApp(container): the Fastify application with every plugin and module route.
 * It never listens; main.ts does, and tests use app.inject() or listen on port 0.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from './container.js';
import { createValidatorCompiler } from './http/validation.js';
import { tracePlugin } from './http/trace.js';
import { errorHandlerPlugin } from './http/error-handler.js';
import { securityPlugin } from './http/security.js';
import { authPlugin } from './http/auth.js';
import { rateLimitPlugin } from './http/rate-limit.js';
import { openApiPlugin } from './http/openapi.js';
import { loggerOptions } from './http/logging.js';
import { registerModules } from './modules/index.js';

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
}

export async function buildApp(container: Container, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config, services } = container;
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config.logLevel),
    trustProxy: false,
    bodyLimit: 1_048_576,
    requestIdHeader: false,
    forceCloseConnections: 'idle',
    ajv: { customOptions: {} },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());

  await app.register(tracePlugin);
  await app.register(errorHandlerPlugin);
  await app.register(securityPlugin, { corsOrigins: config.corsOrigins });
  await app.register(openApiPlugin);
  await app.register(authPlugin, { authenticate: services.auth.authenticate });
  await app.register(rateLimitPlugin, { defaultLimit: config.rateLimitDefault, generationLimit: config.rateLimitGeneration });

  await app.register(async (api) => registerModules(api, container), { prefix: '/api/v1' });

  // While draining, answers to requests already in flight close their keep-alive
  // connection, so shutdown does not wait for idle sockets to time out.
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) reply.header('Connection', 'close');
    return payload;
  });
  app.addHook('onClose', async () => container.close());
  return app;
}
