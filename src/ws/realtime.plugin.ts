/**
 * WS /api/v1/ws/{project_id}: the real-time gateway. The route is `public` for the global
 * auth hook because it authenticates itself (query/subprotocol token, see handshake.ts).
 * Registered before the module routes so that an upgrade request to any of them is closed
 * by @fastify/websocket instead of being left half-open.
 */
import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import { WebSocket } from 'ws';
import { AppError, AuthenticationError, NotFoundError } from '../errors.js';
import type { EventBus } from '../ports/event-bus.js';
import { createGateway, type Gateway, type GatewayTuning } from './gateway.js';
import { authorizeHandshake, selectProtocol, type HandshakeDeps, type HandshakeOutcome } from './handshake.js';
import { realtimeRouteSchema } from './realtime.docs.js';
import { CLOSE } from './messages.js';

declare module 'fastify' {
  interface FastifyInstance {
    realtime: Pick<Gateway, 'connectionCount'>;
  }
}

export interface RealtimeTuning extends GatewayTuning {
  /** Largest client frame; a bigger one closes the socket with 1009. */
  maxPayloadBytes?: number;
}

export interface RealtimePluginOptions extends RealtimeTuning, HandshakeDeps {
  events: Pick<EventBus, 'subscribe'>;
}

export const WS_PATH = '/api/v1/ws/:project_id';

class UpgradeRequiredError extends AppError {
  constructor() {
    super(426, 'upgrade_required', 'This endpoint speaks WebSocket; send an Upgrade request', null, { Upgrade: 'websocket' });
  }
}

export const realtimePlugin = fp<RealtimePluginOptions>(
  async (app, options) => {
    const gateway = createGateway({ ...options, log: app.log });
    app.decorate('realtime', { connectionCount: gateway.connectionCount });
    // Added before @fastify/websocket's own preClose, so sockets get 1001 with a reason first.
    app.addHook('preClose', async () => gateway.close());

    await app.register(websocket, {
      options: { maxPayload: options.maxPayloadBytes ?? 65_536, handleProtocols: selectProtocol },
      errorHandler(error, socket, request) {
        request.log.info({ err: error }, 'websocket error');
        // ws already started a close with a meaningful code (e.g. 1009); let it finish.
        if (socket.readyState !== WebSocket.CLOSING) socket.terminate();
      },
    });

    const outcomes = new WeakMap<FastifyRequest, HandshakeOutcome>();

    app.route({
      method: 'GET',
      url: WS_PATH,
      config: { public: true },
      // A malformed project id is a 4404 like any unknown project, not a 422.
      attachValidation: true,
      schema: realtimeRouteSchema(),
      // Before the rate limiter's preHandler, so handshakes count per user like other requests.
      preValidation: async (request) => {
        const outcome = await authorizeHandshake(request, options);
        if (!request.ws && !outcome.ok) throw outcome.status === 401 ? new AuthenticationError(outcome.reason) : new NotFoundError('Project');
        if (outcome.ok) request.user = outcome.user;
        outcomes.set(request, outcome);
      },
      handler: async () => {
        throw new UpgradeRequiredError();
      },
      wsHandler: (socket, request) => {
        const outcome = outcomes.get(request);
        outcomes.delete(request);
        if (!outcome?.ok) {
          request.log.debug({ code: outcome?.code, reason: outcome?.reason }, 'websocket refused');
          socket.close(outcome?.code ?? CLOSE.unauthorized, outcome?.reason ?? 'Unauthorized');
          return;
        }
        request.log.debug({ project_id: outcome.projectId, user_id: outcome.user.id }, 'websocket connected');
        gateway.attach(socket, outcome);
      },
    });
  },
  { name: 'inkframe-realtime', dependencies: ['inkframe-errors'] },
);
