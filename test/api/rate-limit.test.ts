import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser, type TestApp } from '../helpers/app.js';

describe('default rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('answers the 1001st request of an hour with 429, Retry-After and the envelope, per user', async () => {
    const user = await createUser(t.app); // register + login are counted against the IP, not the user
    const api = as(t.app, user);
    for (let i = 0; i < 1000; i++) {
      const res = await api.get('/api/v1/auth/me');
      if (res.statusCode !== 200) throw new Error(`request ${i + 1} answered ${res.statusCode}`);
    }
    const limited = await api.get('/api/v1/auth/me');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ success: false, code: 'rate_limited' });
    expect(limited.headers['x-trace-id']).toMatch(/^[0-9a-f]{32}$/);

    const other = await createUser(t.app);
    expect((await as(t.app, other).get('/api/v1/auth/me')).statusCode).toBe(200);
  });
});

describe('generation rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({
      env: { RATE_LIMIT_GENERATION: '3/minute' },
      // A stand-in route using the named limit the same way the generation routes do.
      configure: (app) => {
        app.post('/api/v1/test-generation', { preHandler: app.generationRateLimit }, async () => ({ ok: true }));
      },
    });
  });
  afterAll(async () => t.close());

  it('is shared per user across routes and separate from the default limit', async () => {
    const user = await createUser(t.app);
    const hit = () => as(t.app, user).post('/api/v1/test-generation', {});
    for (let i = 0; i < 3; i++) expect((await hit()).statusCode).toBe(200);
    const limited = await hit();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('rate_limited');
    expect((await as(t.app, user).get('/api/v1/auth/me')).statusCode).toBe(200);
  });
});
