/**
 * OWASP API5:2023 Broken Function Level Authorization. Inkframe has one kind of user and no
 * administrative functions: no admin, debug, metrics or user-management surface is routed at
 * all; every operation but a short, fixed list of public ones needs a valid token; and method
 * tricks (override headers, unrouted verbs) never reach a handler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { fillPath, openApiOperations } from './owasp.fixtures.js';

/** The operations anyone may call: health probes, getting an account and a token, signed image links. */
const PUBLIC = [
  'GET /api/v1/health',
  'GET /api/v1/health/live',
  'GET /api/v1/health/ready',
  'POST /api/v1/auth/register',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'GET /api/v1/images/{image_id}',
  'GET /api/v1/images/{image_id}/thumbnail',
];

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  user = await createUser(t.app);
});
afterAll(() => t.close());

describe('API5: no privileged surface', () => {
  it('no route for administration, debugging, metrics, configuration or other users', () => {
    const routes = t.app.printRoutes({ commonPrefix: false });
    expect(routes).toContain('/api/v1/projects');
    expect(routes).not.toMatch(/admin|internal|debug|metrics|actuator|manage|console|graphql|config|\/env|\/users|impersonat|sudo|role/i);
  });

  it('the public operations are exactly the fixed list; every other one is marked as needing a token', async () => {
    const { operations } = await openApiOperations(t.app);
    const open = operations.filter(({ operation }) => operation.security === undefined).map(({ method, path }) => `${method} ${path}`);
    expect(open.sort()).toEqual([...PUBLIC].sort());
  });

  it('every operation not on the list answers 401 without a token, before touching anything', async () => {
    const { operations } = await openApiOperations(t.app);
    const ids = new Proxy({} as Record<string, string>, { get: () => newId() });
    const leaked: string[] = [];
    for (const { method, path } of operations) {
      if (PUBLIC.includes(`${method} ${path}`)) continue;
      const url = fillPath(path, ids);
      for (const headers of [{}, { authorization: 'Bearer ' }, { authorization: `Bearer ${user.token.slice(0, -4)}AAAA` }]) {
        const res = await t.app.inject({ method: method as 'GET', url, headers: { ...headers, 'content-type': 'application/json' }, payload: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
        if (res.statusCode !== 401) leaked.push(`${method} ${url} -> ${res.statusCode}`);
      }
    }
    expect(leaked).toEqual([]);
  });

  it('a method override header does not turn a request into another one', async () => {
    const project = (await as(t.app, user).post('/api/v1/projects', { title: 'Keep me' })).json().data.id;
    for (const header of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      const res = await t.app.inject({ method: 'POST', url: `/api/v1/projects/${project}`, headers: { ...user.auth, [header]: 'DELETE' }, payload: {} });
      expect(res.statusCode, header).toBe(404);
      const get = await t.app.inject({ method: 'GET', url: `/api/v1/projects/${project}`, headers: { ...user.auth, [header]: 'DELETE' } });
      expect(get.statusCode).toBe(200);
    }
    expect((await as(t.app, user).get(`/api/v1/projects/${project}`)).statusCode).toBe(200);
  });

  it('verbs that are not routed (TRACE, PATCH) never reach a handler', async () => {
    const project = (await as(t.app, user).post('/api/v1/projects', { title: 'Verbs' })).json().data.id;
    for (const method of ['TRACE', 'PATCH'] as const) {
      const res = await t.app.inject({ method, url: `/api/v1/projects/${project}`, headers: user.auth, payload: method === 'PATCH' ? { title: 'Patched' } : undefined });
      expect(res.statusCode, method).toBe(404);
      expect(res.body).not.toContain('Verbs');
    }
    expect((await as(t.app, user).get(`/api/v1/projects/${project}`)).json().data.title).toBe('Verbs');
  });
});
