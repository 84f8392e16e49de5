/**
 * OWASP API8:2023 Security Misconfiguration: hardening headers on every answer (errors
 * included), CORS only for configured origins, no stack trace or internal message in any error,
 * unsafe configurations refused at boot, and the API documentation can be switched off
 * (DOCS_ENABLED=false).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { ConfigError, loadConfig } from '../../src/config.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { jpeg, uploadImage } from './images.fixtures.js';

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await buildTestApp({ env: { CORS_ORIGINS: 'https://studio.example' } });
  user = await createUser(t.app);
});
afterAll(() => t.close());

function expectHardened(res: LightMyRequestResponse, what: string) {
  expect(res.headers['x-content-type-options'], what).toBe('nosniff');
  expect(res.headers['x-frame-options'], what).toBe('DENY');
  expect(res.headers['referrer-policy'], what).toBe('no-referrer');
  expect(res.headers['x-powered-by'], what).toBeUndefined();
  expect(res.headers.server, what).toBeUndefined();
}

describe('API8: security headers', () => {
  it('every kind of answer is hardened: success, 4xx, unknown route, 5xx', async () => {
    const store = t.container.store;
    const original = store.findPage.bind(store);
    const answers: [string, LightMyRequestResponse][] = [
      ['200', await as(t.app, user).get('/api/v1/auth/me')],
      ['201', await as(t.app, user).post('/api/v1/projects', { title: 'Headers' })],
      ['401', await t.app.inject({ method: 'GET', url: '/api/v1/projects' })],
      ['404 route', await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' })],
      ['422', await as(t.app, user).post('/api/v1/projects', {})],
    ];
    store.findPage = async () => {
      throw new Error('boom');
    };
    try {
      answers.push(['500', await as(t.app, user).get('/api/v1/projects')]);
    } finally {
      store.findPage = original;
    }
    for (const [what, res] of answers) {
      expectHardened(res, what);
      // JSON answers carry tokens and private content: never cached, never rendered as a page.
      expect(res.headers['cache-control'], what).toBe('no-store');
      expect(res.headers['content-security-policy'], what).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['content-type'], what).toMatch(/^application\/json/);
    }
  });

  it('image bytes keep their own private cache policy and are still hardened', async () => {
    const project = (await as(t.app, user).post('/api/v1/projects', { title: 'Pics' })).json().data.id;
    const image = await uploadImage(t.app, user, project, await jpeg(16, 16));
    const res = await t.app.inject({ method: 'GET', url: image.url });
    expect(res.statusCode).toBe(200);
    expectHardened(res, 'image');
    expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
    expect(res.headers['content-type']).toBe('image/jpeg');
  });
});

describe('API8: CORS', () => {
  const preflight = (origin: string) =>
    t.app.inject({ method: 'OPTIONS', url: '/api/v1/projects', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });

  it('allows only the configured origins, with credentials, and never a wildcard', async () => {
    const allowed = await preflight('https://studio.example');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://studio.example');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    for (const origin of ['https://evil.example', 'https://studio.example.evil.example', 'http://studio.example', 'null', 'http://localhost:3000']) {
      const res = await preflight(origin);
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
    const simple = await t.app.inject({ method: 'GET', url: '/api/v1/health', headers: { origin: 'https://evil.example' } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    expect(simple.headers.vary).toMatch(/Origin/);
  });

  it('refuses "*" or a malformed origin at boot', () => {
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://ok.example,javascript:alert(1)' })).toThrow(/CORS_ORIGINS/);
  });
});

describe('API8: errors disclose nothing internal', () => {
  it('a 500 is the generic envelope: no message, stack, path or driver name', async () => {
    const store = t.container.store;
    const original = store.get.bind(store);
    store.get = async () => {
      const error = new Error('SQLITE_IOERR: disk I/O error at /var/lib/inkframe/inkframe.db');
      error.stack = `${error.message}\n    at SqliteDocumentStore.get (/app/src/adapters/sqlite/sqlite-document-store.ts:42:7)`;
      throw error;
    };
    try {
      const res = await as(t.app, user).get('/api/v1/auth/me');
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ success: false, error: 'Internal server error', code: 'internal_error', details: null, timestamp: expect.any(String), trace_id: res.headers['x-trace-id'] });
    } finally {
      store.get = original;
    }
  });

  it('parser, routing and validation errors say what was wrong without framework internals', async () => {
    const answers = [
      await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: { ...user.auth, 'content-type': 'application/json' }, payload: '{"title": ' }),
      await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: { ...user.auth, 'content-type': 'application/xml' }, payload: '<x/>' }),
      await t.app.inject({ method: 'GET', url: '/api/v1/projects/not-an-id', headers: user.auth }),
      await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/me', headers: user.auth }),
    ];
    for (const res of answers) {
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(Object.keys(res.json()).sort()).toEqual(['code', 'details', 'error', 'success', 'timestamp', 'trace_id']);
      expect(res.body).not.toMatch(/stack|fastify|FST_|ajv|node_modules|\bat \w+ \(|SyntaxError|Unexpected token/i);
    }
  });
});

describe('API8: unsafe settings are refused at boot', () => {
  it.each([
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40), BCRYPT_ROUNDS: '4' }, 'BCRYPT_ROUNDS'],
    [{ JWT_SECRET: 'too-short' }, 'JWT_SECRET'],
  ])('%j -> ConfigError naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });
});

describe('API8: DOCS_ENABLED', () => {
  it('serves Swagger UI and the OpenAPI document by default', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).statusCode).toBe(200);
  });

  it('DOCS_ENABLED=false answers 404 for both, while the API itself works unchanged', async () => {
    const off = await buildTestApp({ env: { DOCS_ENABLED: 'false' } });
    try {
      for (const url of ['/docs', '/docs/', '/docs/static/index.html', '/docs/json', '/docs/yaml', '/api/v1/openapi.json']) {
        const res = await off.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(404);
        expect(res.json()).toMatchObject({ success: false, code: 'not_found' });
      }
      const someone = await createUser(off.app);
      expect((await as(off.app, someone).post('/api/v1/projects', {})).json().details).toEqual([expect.objectContaining({ field: 'title' })]);
      expect((await as(off.app, someone).get('/api/v1/projects')).statusCode).toBe(200);
    } finally {
      await off.close();
    }
  });
});
