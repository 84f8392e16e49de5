/**
 * Route validators and serialisers are compiled on first use (src/http/schema-compilations.ts),
 * so a broken schema no longer stops start-up. This file compiles every route's schemas, so a
 * broken one fails here, and checks that a first use behaves like any later one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { schemaCompilationsOf, type SchemaCompilations } from '../../src/http/schema-compilations.js';
import { buildTestApp, createUser, type TestApp } from '../helpers/app.js';

describe('every route schema', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('is left uncompiled at start-up and compiles without error', () => {
    const compilations = schemaCompilationsOf(t.app)!;
    // ~190 validators and ~1,000 (route, status) serialisers, none needed to start.
    expect(compilations.pending).toBeGreaterThan(500);
    compilations.compileAll();
    expect(compilations.pending).toBe(0);
  });
});

describe('first use', () => {
  let t: TestApp;
  let compilations: SchemaCompilations;
  beforeAll(async () => {
    t = await buildTestApp();
    compilations = schemaCompilationsOf(t.app)!;
  });
  afterAll(async () => t.close());

  it('rejects an unknown body field with a 422 on the very first request to the route', async () => {
    const pending = compilations.pending;
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: 'first_use', password: 'correct horse battery', admin: true } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ success: false, code: 'validation_failed' });
    expect(compilations.pending).toBeLessThan(pending);
  });

  it('coerces params and fills query defaults the first time as later', async () => {
    const user = await createUser(t.app);
    const first = await t.app.inject({ method: 'GET', url: '/api/v1/projects', headers: user.auth });
    const second = await t.app.inject({ method: 'GET', url: '/api/v1/projects', headers: user.auth });
    expect(first.statusCode).toBe(200);
    expect(first.json().data).toEqual(second.json().data);
    expect(first.json().data).toMatchObject({ skip: 0, items: [] });
    const badId = await t.app.inject({ method: 'GET', url: '/api/v1/projects/not-an-id', headers: user.auth });
    expect(badId.statusCode).toBe(422);
  });
});

describe('a broken schema', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({
      configure: (app) => {
        const route = { config: { public: true }, schema: { hide: true } };
        app.get('/api/v1/broken-query', { ...route, schema: { ...route.schema, querystring: { type: 'object', properties: { a: { type: 'no-such-type' } } } } }, async () => ({}));
        app.get('/api/v1/broken-response', { ...route, schema: { ...route.schema, response: { 200: { type: 'object', properties: { a: { type: 'no-such-type' } } } } } }, async () => ({ a: 1 }));
        app.get('/api/v1/sound', { ...route, schema: { ...route.schema, response: { 200: Type.Object({ a: Type.Integer() }) } } }, async () => ({ a: 1 }));
      },
    });
  });
  afterAll(async () => t.close());

  it('fails compileAll, naming each broken route', () => {
    const compilations = schemaCompilationsOf(t.app)!;
    expect(() => compilations.compileAll()).toThrow(/GET \/api\/v1\/broken-query querystring[\s\S]*GET \/api\/v1\/broken-response 200/);
    // The sound schemas compiled; the broken ones stay pending.
    expect(compilations.pending).toBeGreaterThan(0);
    expect(() => compilations.compileAll()).toThrow(/broken-query/);
  });

  it('answers its requests with a 500, and other routes are unaffected', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/broken-query?a=1' })).statusCode).toBe(500);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/broken-response' })).statusCode).toBe(500);
    const sound = await t.app.inject({ method: 'GET', url: '/api/v1/sound' });
    expect(sound.statusCode).toBe(200);
    expect(sound.json()).toEqual({ a: 1 });
  });
});
