import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  user = await createUser(t.app);
});
afterAll(async () => t.close());

const TRACE_ID = /^[0-9a-f]{32}$/;

describe('envelope and trace headers', () => {
  it('wraps success and carries X-Trace-Id + traceparent', async () => {
    const res = await as(t.app, user).get('/api/v1/auth/me');
    expect(res.json()).toEqual({ success: true, data: expect.any(Object), timestamp: expect.any(String) });
    expect(res.headers['x-trace-id']).toMatch(TRACE_ID);
    expect(res.headers.traceparent).toBe(`00-${res.headers['x-trace-id']}-${String(res.headers.traceparent).split('-')[2]}-01`);
  });

  it('wraps errors with code, details, timestamp and the same trace id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    expect(res.statusCode).toBe(401);
    const body = res.json();
    expect(body).toEqual({ success: false, error: expect.any(String), code: 'authentication_failed', details: null, timestamp: expect.any(String), trace_id: res.headers['x-trace-id'] });
  });

  it('continues an incoming W3C trace', async () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/health', headers: { traceparent: incoming } });
    expect(res.headers['x-trace-id']).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(res.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(res.headers.traceparent).not.toContain('00f067aa0ba902b7');
  });

  it('ignores a malformed traceparent and starts a new trace', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/health', headers: { traceparent: '00-zzzz-00f067aa0ba902b7-01' } });
    expect(res.headers['x-trace-id']).toMatch(TRACE_ID);
  });
});

describe('request errors', () => {
  it('answers malformed JSON with 400 bad_request', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: { ...user.auth, 'content-type': 'application/json' }, payload: '{"title": ' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, code: 'bad_request' });
  });

  it('answers unknown routes with a 404 envelope', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ success: false, code: 'not_found' });
    expect(res.headers['x-trace-id']).toMatch(TRACE_ID);
  });

  it('answers an oversized JSON body with 413', async () => {
    const res = await as(t.app, user).post('/api/v1/projects', { title: 'x', description: 'y'.repeat(1_100_000) });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
  });

  it('answers a non-JSON content type with 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: { ...user.auth, 'content-type': 'application/xml' }, payload: '<x/>' });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('unsupported_media_type');
  });

  it('never leaks internals in a 500', async () => {
    const store = t.container.store;
    const original = store.findPage.bind(store);
    store.findPage = async () => {
      throw new Error('SQLITE_CORRUPT: secret path /var/lib/x at Object.<anonymous>');
    };
    try {
      const res = await as(t.app, user).get('/api/v1/projects');
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ success: false, error: 'Internal server error', code: 'internal_error', details: null });
      expect(res.body).not.toMatch(/SQLITE|secret|at Object/);
    } finally {
      store.findPage = original;
    }
  });
});

describe('security headers and CORS', () => {
  it('sends nosniff and no X-Powered-By', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('allows configured origins with credentials, never a wildcard', async () => {
    const allowed = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/projects', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const denied = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/projects', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('health', () => {
  it('reports every configured backend', async () => {
    for (const path of ['/api/v1/health', '/api/v1/health/ready']) {
      const res = await t.app.inject({ method: 'GET', url: path });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ success: true, status: 'healthy', services: { sqlite: 'connected', filesystem: 'available' } });
      expect(body.data).toEqual({ status: 'healthy', services: { sqlite: 'connected', filesystem: 'available' } });
    }
    const live = await t.app.inject({ method: 'GET', url: '/api/v1/health/live' });
    expect(live.statusCode).toBe(200);
  });

  it('is not ready (503) while a dependency is down', async () => {
    const store = t.container.store;
    const original = store.ping.bind(store);
    store.ping = async () => false;
    try {
      const ready = await t.app.inject({ method: 'GET', url: '/api/v1/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ success: false, code: 'service_unavailable', status: 'unhealthy', services: { sqlite: 'disconnected' } });
      const overall = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
      expect(overall.json().status).toBe('unhealthy');
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/health/live' })).statusCode).toBe(200);
    } finally {
      store.ping = original;
    }
  });
});

describe('OpenAPI', () => {
  it('describes every route with schemas, tags and bearer security', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const routes = t.app.printRoutes({ commonPrefix: false });
    expect(routes).toContain('/api/v1/projects');
    for (const [path, methods] of Object.entries<Record<string, { tags?: string[]; responses: Record<string, unknown>; security?: unknown }>>(doc.paths)) {
      expect(path.startsWith('/api/v1/')).toBe(true);
      for (const [method, operation] of Object.entries(methods)) {
        expect(operation.tags?.length, `${method} ${path} has tags`).toBeGreaterThan(0);
        // 101: the WebSocket endpoint's success is the protocol switch.
        const success = Object.keys(operation.responses).find((code) => code.startsWith('2') || code === '101');
        expect(success, `${method} ${path} documents a 2xx`).toBeDefined();
        expect(operation.responses['422'] ?? operation.responses['500'], `${method} ${path} documents errors`).toBeDefined();
      }
    }
    expect(doc.paths['/api/v1/projects/{project_id}'].put.requestBody).toBeDefined();
    expect(doc.paths['/api/v1/projects'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/v1/auth/login'].post.security).toBeUndefined();
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });
});
