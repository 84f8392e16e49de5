/**
 * Regressions for what property-based fuzzing of /api/v1/openapi.json found
 * (.ci/schemathesis.sh): the server must answer only statuses the document declares, reject
 * with a 4xx what the document calls invalid, and never answer a 5xx to a valid request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';

type Operation = { parameters?: { in: string; name: string; required?: boolean; schema?: { default?: unknown } }[]; requestBody?: unknown; responses: Record<string, unknown> };
type Doc = { paths: Record<string, Record<string, Operation>> };

let t: TestApp;
let user: TestUser;
let doc: Doc;
beforeAll(async () => {
  t = await buildTestApp();
  user = await createUser(t.app);
  doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
});
afterAll(async () => t.close());

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

describe('pagination bounds', () => {
  it('answers a skip past 2^53 with 422, not a 500', async () => {
    for (const url of ['/api/v1/projects', '/api/v1/drafts', '/api/v1/generate/history']) {
      const res = await as(t.app, user).get(`${url}?skip=70766911004868344`);
      expect(res.statusCode, url).toBe(422);
      expect(res.json()).toMatchObject({ success: false, code: 'validation_failed', details: [{ field: 'skip' }] });
    }
  });

  it('still takes the largest exact skip', async () => {
    const res = await as(t.app, user).get(`/api/v1/projects?skip=${Number.MAX_SAFE_INTEGER}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ items: [], skip: Number.MAX_SAFE_INTEGER, has_more: false });
  });

  it('documents skip, limit and sort as optional (the server fills in their defaults)', async () => {
    const params = doc.paths['/api/v1/projects']!.get!.parameters!;
    for (const name of ['skip', 'limit', 'sort']) {
      const param = params.find((p) => p.in === 'query' && p.name === name);
      expect(param, name).toBeDefined();
      expect(param!.required, name).toBe(false);
      expect(param!.schema?.default, name).toBeDefined();
    }
    expect(params.find((p) => p.name === 'skip')!.schema).toMatchObject({ maximum: Number.MAX_SAFE_INTEGER });
    const res = await as(t.app, user).get('/api/v1/projects');
    expect(res.json().data).toMatchObject({ skip: 0, limit: 20 });
  });

  it('documents no query parameter as both required and defaulted', () => {
    for (const { path, method, operation } of operations()) {
      for (const param of operation.parameters ?? []) {
        if (param.in === 'query') expect(param.required && param.schema?.default !== undefined, `${method} ${path} ${param.name}`).toBeFalsy();
      }
    }
  });
});

describe('documented statuses', () => {
  it('declares the 401 of login and refresh, which are public', async () => {
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password: 'not the password' } });
    expect(login.statusCode).toBe(401);
    const refresh = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: 'not.a.token' } });
    expect(refresh.statusCode).toBe(401);
    expect(doc.paths['/api/v1/auth/login']!.post!.responses['401']).toMatchObject({ content: { 'application/json': { schema: { title: 'ErrorEnvelope' } } } });
    expect(doc.paths['/api/v1/auth/refresh']!.post!.responses['401']).toBeDefined();
    // Public routes that check no credentials still do not claim a 401.
    expect(doc.paths['/api/v1/auth/register']!.post!.responses['401']).toBeUndefined();
    expect(doc.paths['/api/v1/health']!.get!.responses['401']).toBeUndefined();
  });

  it('declares 413 and 415 on every operation that takes a body, and the server answers them', async () => {
    for (const { path, method, operation } of operations()) {
      const declared = Object.keys(operation.responses);
      if (method === 'get' || method === 'head') {
        expect(declared, `${method} ${path}`).not.toContain('415');
      } else {
        expect(declared, `${method} ${path}`).toEqual(expect.arrayContaining(['413', '415']));
      }
    }
    const upload = await t.app.inject({ method: 'POST', url: '/api/v1/images/upload', headers: user.auth });
    expect(upload.statusCode).toBe(415);
    expect(upload.json().code).toBe('unsupported_media_type');
    const xml = await t.app.inject({ method: 'PUT', url: `/api/v1/projects/${newId()}`, headers: { ...user.auth, 'content-type': 'text/xml' }, payload: '<x/>' });
    expect(xml.statusCode).toBe(415);
  });
});

describe('optional bodies', () => {
  const jsonNull = (url: string) => t.app.inject({ method: 'POST', url, headers: { ...user.auth, 'content-type': 'application/json' }, payload: 'null' });

  it('rejects a JSON null body with 422 where the body may be left out', async () => {
    const urls = [
      `/api/v1/projects/${newId()}/duplicate`,
      `/api/v1/instructions/${newId()}/toggle`,
      `/api/v1/panels/${newId()}/split`,
      `/api/v1/drafts/${newId()}/reject`,
      `/api/v1/panels/${newId()}/generate-image`,
      `/api/v1/chapters/${newId()}/generate-cover`,
      `/api/v1/scenes/${newId()}/breakdown`,
      `/api/v1/projects/${newId()}/style-guide/apply`,
    ];
    for (const url of urls) {
      const res = await jsonNull(url);
      expect(res.statusCode, url).toBe(422);
      expect(res.json().code, url).toBe('validation_failed');
    }
  });

  it('does not duplicate a project on a JSON null body, and still does on no body at all', async () => {
    const project = (await as(t.app, user).post('/api/v1/projects', { title: 'Original' })).json().data;
    expect((await jsonNull(`/api/v1/projects/${project.id}/duplicate`)).statusCode).toBe(422);
    expect((await as(t.app, user).get('/api/v1/projects')).json().data.total).toBe(1);

    const bare = await t.app.inject({ method: 'POST', url: `/api/v1/projects/${project.id}/duplicate`, headers: user.auth });
    expect(bare.statusCode).toBe(201);
    expect(bare.json().data.title).toBe('Original (copy)');

    const instruction = (await as(t.app, user).post(`/api/v1/projects/${project.id}/instructions`, { content: 'Muted colours' })).json().data;
    const toggled = await t.app.inject({ method: 'POST', url: `/api/v1/instructions/${instruction.id}/toggle`, headers: user.auth });
    expect(toggled.statusCode).toBe(200);
    expect(toggled.json().data.enabled).toBe(false);
  });
});
