import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Envelope, ErrorResponse } from '../../http/schemas.js';
import { created, ok } from '../../http/envelope.js';
import type { AuthService } from './auth.service.js';
import { ChangePasswordBody, Credentials, Done, LoginBody, RefreshBody, TokenPair, User } from './auth.schemas.js';

export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  const tags = ['auth'];

  app.post('/auth/register', {
    config: { public: true },
    preHandler: app.registrationRateLimit,
    schema: {
      tags,
      summary: 'Create an account',
      description: 'At most REGISTRATION_LIMIT accounts per client address and window (429 with Retry-After beyond).',
      body: Credentials,
      response: { 201: Envelope(User) },
    },
    handler: async (request, reply) => {
      const user = await auth.register(request.body.username, request.body.password);
      return created(reply, '/api/v1/auth/me', user);
    },
  });

  app.post('/auth/login', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Exchange credentials for tokens',
      description:
        'Repeated failures lock the username (after LOGIN_MAX_FAILURES) and the client address (after LOGIN_MAX_FAILURES_PER_IP) ' +
        'out for LOGIN_LOCKOUT_SECONDS, doubling with each further failure: 429 with Retry-After, even for the right password.',
      body: LoginBody,
      response: { 200: Envelope(TokenPair), 401: ErrorResponse('Wrong username or password') },
    },
    handler: async (request) => ok(await auth.login(request.body.username, request.body.password, request.ip)),
  });

  app.post('/auth/refresh', {
    config: { public: true },
    schema: { tags, summary: 'Rotate a refresh token for a new token pair', body: RefreshBody, response: { 200: Envelope(TokenPair), 401: ErrorResponse('Invalid, expired, reused or revoked refresh token') } },
    handler: async (request) => ok(await auth.refresh(request.body.refresh_token)),
  });

  app.post('/auth/logout', {
    schema: { tags, summary: 'Revoke this access token and its session', response: { 200: Envelope(Done('logged_out')) } },
    handler: async (request) => {
      await auth.logout(request.user.claims);
      return ok({ logged_out: true as const });
    },
  });

  app.get('/auth/me', {
    schema: { tags, summary: 'The signed-in user', response: { 200: Envelope(User) } },
    handler: async (request) => ok(await auth.me(request.user.id)),
  });

  app.post('/auth/change-password', {
    schema: {
      tags,
      summary: 'Change the password; every older token of the user is revoked',
      body: ChangePasswordBody,
      response: { 200: Envelope(Done('password_changed')) },
    },
    handler: async (request) => {
      await auth.changePassword(request.user.id, request.body.current_password, request.body.new_password, request.ip);
      return ok({ password_changed: true as const });
    },
  });
};
