/** CORS from CORS_ORIGINS (credentials allowed, never "*") and conservative security headers. */
import fp from 'fastify-plugin';
import cors from '@fastify/cors';

export const securityPlugin = fp<{ corsOrigins: string[] }>(
  async (app, options) => {
    await app.register(cors, {
      origin: options.corsOrigins,
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposedHeaders: ['X-Trace-Id', 'traceparent', 'Location', 'Retry-After', 'ETag', 'Content-Disposition'],
      maxAge: 600,
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('X-Content-Type-Options', 'nosniff');
      reply.header('X-Frame-Options', 'DENY');
      reply.header('Referrer-Policy', 'no-referrer');
      reply.removeHeader('X-Powered-By');
      return payload;
    });
  },
  { name: 'inkframe-security' },
);
