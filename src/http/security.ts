/** CORS from CORS_ORIGINS (credentials allowed, never "*") and conservative security headers. */
import fp from 'fastify-plugin';
import cors from '@fastify/cors';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The headers every answer carries; also called for the router's own errors, which skip onSend hooks. */
export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('X-Frame-Options', 'DENY');
  reply.header('Referrer-Policy', 'no-referrer');
  // Answers carry tokens and private content: no caching unless a route chose its own policy (images).
  if (!reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
  // Nothing the API sends should run scripts or be framed; Swagger UI (/docs) needs its own scripts.
  if (!request.url.startsWith('/docs')) reply.header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  reply.removeHeader('X-Powered-By');
}

export const securityPlugin = fp<{ corsOrigins: string[] }>(
  async (app, options) => {
    await app.register(cors, {
      origin: options.corsOrigins,
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposedHeaders: ['X-Trace-Id', 'traceparent', 'Location', 'Retry-After', 'ETag', 'Content-Disposition'],
      maxAge: 600,
    });
    app.addHook('onSend', async (request, reply, payload) => {
      applySecurityHeaders(request, reply);
      return payload;
    });
  },
  { name: 'inkframe-security' },
);
