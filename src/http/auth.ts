/**
 * Bearer authentication for every /api/v1 route unless it is declared `config.public`:
 * secure by default, so a new route cannot be left open by forgetting a hook.
 */
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { AuthenticationError } from '../errors.js';
import type { AuthenticatedUser } from '../modules/auth/auth.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthenticatedUser;
  }
}

export interface AuthPluginOptions {
  authenticate(token: string): Promise<AuthenticatedUser>;
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export const authPlugin = fp<AuthPluginOptions>(
  async (app, options) => {
    app.decorateRequest('user', undefined as unknown as AuthenticatedUser);
    app.addHook('onRequest', async (request) => {
      const url = request.routeOptions.url;
      if (url === undefined || !url.startsWith('/api/') || request.routeOptions.config?.public) return;
      const token = bearerToken(request);
      if (!token) throw new AuthenticationError('Missing bearer token');
      request.user = await options.authenticate(token);
    });
  },
  { name: 'inkframe-auth', dependencies: ['inkframe-trace'] },
);
