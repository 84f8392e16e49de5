/**
 * OWASP API6:2023 Unrestricted Access to Sensitive Business Flows. The flows worth automating
 * against Inkframe are creating accounts (REGISTRATION_LIMIT per client address), guessing
 * passwords (lockouts: owasp-api2-authentication.test.ts) and burning AI capacity: every
 * operation that starts AI work shares the per-user RATE_LIMIT_GENERATION counter, and how
 * many jobs may wait at once is capped (owasp-api4-resource-consumption.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser, type TestApp } from '../helpers/app.js';
import { OBJECT_OPERATIONS, fillPath, ghostWorld, openApiOperations, pathParams } from './owasp.fixtures.js';

describe('API6: account creation is throttled per client address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { REGISTRATION_LIMIT: '3/hour' } });
  });
  afterAll(() => t.close());

  const register = (username: string, ip: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username, password: 'password123' }, remoteAddress: ip });

  it('allows REGISTRATION_LIMIT registrations per address and window, then 429 with Retry-After', async () => {
    expect((await register('flow_a1', '10.30.0.1')).statusCode).toBe(201);
    expect((await register('flow_a1', '10.30.0.1')).statusCode).toBe(409); // a taken name counts too
    expect((await register('flow_a2', '10.30.0.1')).statusCode).toBe(201);
    const limited = await register('flow_a3', '10.30.0.1');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ success: false, code: 'rate_limited', error: 'Too many registrations from this address; try again later' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // Nothing was created.
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'flow_a3', password: 'password123' }, remoteAddress: '10.30.0.9' })).statusCode).toBe(401);
  });

  it('another address has its own allowance, and signing in is not affected', async () => {
    expect((await register('flow_b1', '10.30.0.2')).statusCode).toBe(201);
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'flow_a1', password: 'password123' }, remoteAddress: '10.30.0.1' });
    expect(login.statusCode).toBe(200);
  });

  it('invalid registrations (422) are not counted: they create nothing', async () => {
    for (let i = 0; i < 5; i++) expect((await register('x', '10.30.0.3')).statusCode).toBe(422);
    expect((await register('flow_c1', '10.30.0.3')).statusCode).toBe(201);
  });
});

describe('API6: every operation that starts AI work is behind the per-user generation limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { RATE_LIMIT_GENERATION: '1/minute', RATE_LIMIT_DEFAULT: '100000/hour', REGISTRATION_LIMIT: '1000/hour' } });
  });
  afterAll(() => t.close());

  it('covers each documented 202 operation: the second call in a window is a 429, even when the first failed', async () => {
    const { operations } = await openApiOperations(t.app);
    const starting = operations.filter(({ operation }) => operation.responses?.['202']).map(({ method, path }) => `${method} ${path}`);
    expect(starting.length).toBeGreaterThan(10);
    const unlimited: string[] = [];
    for (const op of starting) {
      // A fresh user per operation, objects that do not exist: the limit is counted before the lookup.
      const user = await createUser(t.app);
      const world = ghostWorld();
      const known = OBJECT_OPERATIONS.find(([method, path]) => `${method} ${path}` === op);
      expect(known, `${op} is in OBJECT_OPERATIONS`).toBeDefined();
      const [method, path, body] = known!;
      // Only a deep consistency check calls a model; the rules-only check is ordinary work.
      const payload = { ...(body?.(world) as object), ...(path === '/api/v1/workflow/consistency-check' ? { deep: true } : {}) };
      const call = () => t.app.inject({ method: method as 'POST', url: fillPath(path, pathParams(world)), headers: user.auth, payload });
      const first = await call();
      expect(first.statusCode, `${op}: ${first.body}`).not.toBe(429);
      const second = await call();
      if (second.statusCode !== 429) unlimited.push(`${op} -> ${second.statusCode}`);
    }
    expect(unlimited).toEqual([]);
  });

  it('is counted per user: one user at the limit does not hold up another', async () => {
    const [a, b] = [await createUser(t.app), await createUser(t.app)];
    const project = (await as(t.app, a).post('/api/v1/projects', { title: 'A' })).json().data.id;
    expect((await as(t.app, a).post('/api/v1/generate/image', { project_id: project, prompt: 'x' })).statusCode).toBe(202);
    expect((await as(t.app, a).post('/api/v1/generate/image', { project_id: project, prompt: 'x' })).statusCode).toBe(429);
    const theirs = (await as(t.app, b).post('/api/v1/projects', { title: 'B' })).json().data.id;
    expect((await as(t.app, b).post('/api/v1/generate/image', { project_id: theirs, prompt: 'x' })).statusCode).toBe(202);
  });
});
