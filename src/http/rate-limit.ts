/**
 * Per-user request limits (per IP before sign-in): RATE_LIMIT_DEFAULT on every route, and a
 * named generation limit (RATE_LIMIT_GENERATION) that AI routes attach with
 * `preHandler: app.generationRateLimit`; all generation routes share one counter per user.
 * Registration has its own per-IP limit (REGISTRATION_LIMIT, `app.registrationRateLimit`).
 */
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { RateLimitedError } from '../errors.js';
import type { RateLimit } from '../config.js';

declare module 'fastify' {
  interface FastifyInstance {
    generationRateLimit: preHandlerAsyncHookHandler;
    /** REGISTRATION_LIMIT per client IP (account creation is a business flow bots abuse). */
    registrationRateLimit: preHandlerAsyncHookHandler;
  }
}

export interface RateLimitPluginOptions {
  defaultLimit: RateLimit;
  generationLimit: RateLimit;
  registrationLimit: RateLimit;
  /** A shared ioredis client in multi-instance deployments; in-memory otherwise. */
  redis?: unknown;
}

const keyOf = (request: FastifyRequest) => (request.user ? `user:${request.user.id}` : `ip:${request.ip}`);

export const rateLimitPlugin = fp<RateLimitPluginOptions>(
  async (app, options) => {
    await app.register(rateLimit, {
      global: true,
      // After authentication, so that signed-in users are counted by user, not by IP.
      hook: 'preHandler',
      max: options.defaultLimit.max,
      timeWindow: options.defaultLimit.windowMs,
      keyGenerator: keyOf,
      ...(options.redis ? { redis: options.redis as never, nameSpace: 'ratelimit:' } : {}),
      errorResponseBuilder: (_request, context) => new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000))),
    });
    app.decorate(
      'generationRateLimit',
      app.rateLimit({
        max: options.generationLimit.max,
        timeWindow: options.generationLimit.windowMs,
        keyGenerator: (request) => `generation:${keyOf(request)}`,
      }),
    );
    app.decorate(
      'registrationRateLimit',
      app.rateLimit({
        max: options.registrationLimit.max,
        timeWindow: options.registrationLimit.windowMs,
        keyGenerator: (request) => `registration:ip:${request.ip}`,
        errorResponseBuilder: (_request, context) =>
          new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000)), 'Too many registrations from this address; try again later'),
      }),
    );
  },
  { name: 'inkframe-rate-limit', dependencies: ['inkframe-auth'] },
);
