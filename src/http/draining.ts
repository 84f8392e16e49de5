/**
 * Graceful shutdown, HTTP side. Once app.close() begins, the listener stops accepting
 * connections (Fastify) and idle keep-alive sockets are closed (forceCloseConnections:
 * 'idle'); this plugin handles what still arrives on open connections: a request that
 * starts after that point gets a 503 `service_unavailable` in the API envelope, and every
 * answer (including those of requests already in flight, which complete normally) closes its
 * connection, so shutdown does not wait on keep-alive timeouts.
 *
 * Register it right after the trace plugin (the 503 carries X-Trace-Id, and comes before
 * auth or rate limiting), and build Fastify with `return503OnClosing: false`, otherwise
 * Fastify answers these requests itself with a body outside the contract.
 */
import fp from 'fastify-plugin';
import { ServiceUnavailableError } from '../errors.js';

export const drainingPlugin = fp(
  async (app) => {
    let draining = false;
    app.addHook('preClose', async () => {
      draining = true;
    });
    app.addHook('onRequest', async (request) => {
      if (!draining) return;
      request.log.info('refusing a request: the server is shutting down');
      throw new ServiceUnavailableError('The server is shutting down; retry on another instance or shortly');
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      if (draining) reply.header('Connection', 'close');
      return payload;
    });
  },
  { name: 'draining' },
);
