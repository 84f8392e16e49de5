/**
 * OWASP API9:2023 Improper Inventory Management. The inventory itself (every route in the
 * route table is in the OpenAPI document, every documented operation is served, SPEC.md is
 * covered) is test/api/inventory.test.ts; switching the published inventory off in production
 * (DOCS_ENABLED=false) is in owasp-api8-misconfiguration.test.ts. Here: there is exactly one
 * API version and no shadow copies of it (unversioned, older or newer prefixes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  user = await createUser(t.app);
});
afterAll(() => t.close());

describe('API9: one API version, no shadow copies', () => {
  it('the document describes version 1 only, every path under /api/v1', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.info.version).toMatch(/^1\./);
    expect(Object.keys(doc.paths).filter((path) => !path.startsWith('/api/v1/'))).toEqual([]);
  });

  it.each(['/api/projects', '/projects', '/api/v0/projects', '/api/v2/projects', '/v1/projects', '/api/v1.0/projects', '/api/V1/projects', '/api/v1//projects/'])(
    '%s is not another way in (404)',
    async (url) => {
      const res = await t.app.inject({ method: 'GET', url, headers: user.auth });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('not_found');
    },
  );
});
