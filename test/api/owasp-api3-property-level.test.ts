/**
 * OWASP API3:2023 Broken Object Property Level Authorization. Requests: every body schema is
 * closed (unknown fields are a 422) and none offers a server-managed or privileged field, so
 * `owner_id`, `id`, timestamps, job state or roles cannot be mass-assigned; `version` is only a
 * precondition. Responses: no schema carries a secret, and what the store holds beyond the
 * response schema (password hashes, internal keys) never reaches a client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { jpeg, upload } from './images.fixtures.js';
import { ROOMY_LIMITS, buildWorld, deref, openApiOperations, walkSchema, type Json, type World } from './owasp.fixtures.js';

const JWT_SECRET = 'owasp-api3-secret-0123456789-abcdefghijkl';

/** Fields the server alone sets (or that would grant rights): never in a request body. */
const SERVER_MANAGED = new Set([
  'owner_id', 'user_id', 'created_at', 'updated_at', 'password_hash', 'username_key', 'admin', 'is_admin', 'permissions', 'roles',
  'status', 'progress', 'result', 'error', 'attempts', 'started_at', 'finished_at', 'sha256', 'size_bytes', 'mime_type',
  'selected_variant_id', 'revision_of', 'feedback', 'source', 'kind', 'deleted',
]);
/** Where a body may carry an `id`: a bubble keeps its identity within its panel; target/scope name another object. */
const ID_ALLOWED = /^(dialogue\[\]|target|scope)\.id$/;
const SECRET_NAME = /password|secret|api_?key|private|salt|_hash$|^hash$|credential/i;

let t: TestApp;
let user: TestUser;
let other: TestUser;
let world: World;
let doc: Json;
let operations: Awaited<ReturnType<typeof openApiOperations>>['operations'];

beforeAll(async () => {
  t = await buildTestApp({ env: { ...ROOMY_LIMITS, JWT_SECRET } });
  [user, other] = await Promise.all([createUser(t.app), createUser(t.app)]);
  world = await buildWorld(t.app, user);
  ({ doc, operations } = await openApiOperations(t.app));
}, 60_000);
afterAll(() => t.close());

const requestSchemas = () =>
  operations.flatMap(({ method, path, operation }) => Object.entries<Json>(operation.requestBody?.content ?? {}).map(([type, content]) => ({ op: `${method} ${path} (${type})`, schema: content.schema as Json })));

describe('API3: request bodies cannot assign what they should not', () => {
  it('every JSON body object is closed: additionalProperties false at every level', () => {
    const open: string[] = [];
    for (const { op, schema } of requestSchemas()) {
      if (op.includes('multipart')) continue;
      for (const { at, schema: node } of walkSchema(doc, schema)) {
        const isObject = node.type === 'object' && node.enum === undefined;
        // A map (e.g. variant_ids: draft id -> variant id) constrains its values by schema instead.
        if (isObject && node.additionalProperties !== false && typeof node.additionalProperties !== 'object') open.push(`${op} ${at || '(body)'}`);
      }
    }
    expect(open).toEqual([]);
  });

  it('no body offers a server-managed field, an own id, or a version that is more than a precondition', () => {
    const offending: string[] = [];
    for (const { op, schema } of requestSchemas()) {
      for (const { at, schema: node } of walkSchema(doc, schema)) {
        const name = at.split('.').pop()!.replace(/\[\]$/, '');
        if (SERVER_MANAGED.has(name)) offending.push(`${op} ${at}`);
        if (name === 'id' && !ID_ALLOWED.test(at)) offending.push(`${op} ${at}`);
        if (name === 'version' && !/stale value is a 409/.test(String(node.description))) offending.push(`${op} ${at} (version not documented as a precondition)`);
      }
    }
    expect(offending).toEqual([]);
  });

  it.each([
    ['POST', '/api/v1/projects', { title: 'Mine', owner_id: '0'.repeat(24) }, 'owner_id'],
    ['POST', '/api/v1/projects', { title: 'Mine', id: '0'.repeat(24) }, 'id'],
    ['PUT', '/api/v1/projects/{project}', { owner_id: '{other}' }, 'owner_id'],
    ['PUT', '/api/v1/projects/{project}', { created_at: '2000-01-01T00:00:00.000Z' }, 'created_at'],
    ['PUT', '/api/v1/chapters/{chapter}', { project_id: '0'.repeat(24) }, 'project_id'],
    ['PUT', '/api/v1/panels/{panel}', { scene_id: '0'.repeat(24) }, 'scene_id'],
    ['PUT', '/api/v1/panels/{panel}', { owner_id: '{other}', project_id: '0'.repeat(24) }, 'owner_id'],
    ['PUT', '/api/v1/characters/{character}', { id: '0'.repeat(24) }, 'id'],
    ['PUT', '/api/v1/instructions/{instruction}', { scope: { type: 'project', id: '0'.repeat(24) } }, 'scope'],
    ['POST', '/api/v1/generate/image', { project_id: '{project}', prompt: 'x', owner_id: '{other}' }, 'owner_id'],
    ['POST', '/api/v1/generate/image', { project_id: '{project}', prompt: 'x', status: 'succeeded' }, 'status'],
    ['POST', '/api/v1/tasks/execute', { type: 'scene_summary', target: { type: 'scene', id: '{scene}' }, params: { provider: 'evil' } }, 'params.provider'],
    ['POST', '/api/v1/drafts/{draft}/reject', { status: 'selected' }, 'status'],
    ['POST', '/api/v1/auth/register', { username: 'mallory', password: 'password123', role: 'admin' }, 'role'],
    ['POST', '/api/v1/auth/register', { username: 'mallory', password: 'password123', is_admin: true }, 'is_admin'],
    ['POST', '/api/v1/auth/change-password', { current_password: 'x', new_password: 'password123', username: 'admin' }, 'username'],
  ])('%s %s with %j: 422 naming %s, and nothing changes', async (method, template, body, field) => {
    const fill = (text: string) =>
      text.replace('{project}', world.project).replace('{chapter}', world.chapter).replace('{panel}', world.panels[1]).replace('{character}', world.character)
        .replace('{instruction}', world.instruction).replace('{scene}', world.scene).replace('{draft}', world.draft).replace('{other}', other.id);
    const url = fill(template);
    const before = method === 'PUT' ? (await as(t.app, user).get(url)).json().data : undefined;
    const res = await t.app.inject({ method: method as 'POST', url, headers: user.auth, payload: JSON.parse(fill(JSON.stringify(body))) });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().code).toBe('validation_failed');
    expect(res.json().details.map((d: { field: string }) => d.field)).toContain(field);
    if (before) expect((await as(t.app, user).get(url)).json().data).toEqual(before);
  });

  it('rejects query operators smuggled as values', async () => {
    for (const payload of [{ title: { $ne: null } }, { title: 'x', $set: { owner_id: other.id } }]) {
      const res = await as(t.app, user).put(`/api/v1/projects/${world.project}`, payload);
      expect(res.statusCode, res.body).toBe(422);
    }
  });

  it('an upload form takes no other field (owner_id, id, sha256)', async () => {
    for (const name of ['owner_id', 'id', 'sha256']) {
      const res = await upload(t.app, user, [['project_id', world.project], [name, other.id]], { data: await jpeg(8, 8) });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().details).toEqual([expect.objectContaining({ field: name })]);
    }
  });

  it('version is a precondition, never a value to set: a stale one is a 409, a current one still counts up by 1', async () => {
    const current = (await as(t.app, user).get(`/api/v1/locations/${world.location}`)).json().data;
    const stale = await as(t.app, user).put(`/api/v1/locations/${world.location}`, { name: 'Stale', version: current.version + 10 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('version_conflict');
    const ok = await as(t.app, user).put(`/api/v1/locations/${world.location}`, { name: 'Fresh', version: current.version });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().data).toMatchObject({ name: 'Fresh', version: current.version + 1, project_id: world.project });
  });
});

describe('API3: responses never carry secrets', () => {
  it('no documented response has a secret-looking field (tokens only where tokens are the point)', () => {
    const found: string[] = [];
    for (const { method, path, operation } of operations) {
      for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
        for (const content of Object.values<Json>(deref(doc, response)?.content ?? {})) {
          for (const { at } of walkSchema(doc, content.schema)) {
            const name = at.split('.').pop()!;
            if (SECRET_NAME.test(name) || /token/.test(name)) found.push(`${method} ${path} ${status} ${at}`);
          }
        }
      }
    }
    const expected = /^POST \/api\/v1\/auth\/((login|refresh) 200 data\.(access_token|refresh_token|token_type)|change-password 200 data\.password_changed)$/;
    expect(found.filter((entry) => !expected.test(entry))).toEqual([]);
  });

  it('no answer holds the password hash, the password or the signing secret, wherever it comes from', async () => {
    const stored = await t.container.store.findOne<Json & { id: string; created_at: string; updated_at: string; version: number }>('users', { username_key: user.username.toLowerCase() });
    const hash = String(stored?.password_hash);
    expect(hash).toMatch(/^\$2[aby]\$/);
    const urls = [
      '/api/v1/auth/me',
      '/api/v1/projects',
      `/api/v1/projects/${world.project}`,
      `/api/v1/projects/${world.project}/export`,
      `/api/v1/projects/${world.project}/stats`,
      `/api/v1/images/${world.image.id}/metadata`,
      `/api/v1/generate/status/${world.generation}`,
      `/api/v1/tasks/${world.task}/result`,
      `/api/v1/drafts/${world.draft}`,
      '/api/v1/generate/history',
      '/api/v1/drafts',
    ];
    const bodies = await Promise.all(urls.map(async (url) => (await as(t.app, user).get(url)).body));
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: user.username, password: user.password } });
    expect(again.statusCode).toBe(409);
    for (const body of [...bodies, again.body]) {
      expect(body).not.toContain(hash);
      expect(body).not.toContain(user.password);
      expect(body).not.toContain(JWT_SECRET);
      expect(body).not.toMatch(/password_hash|username_key|\$2[aby]\$\d\d\$/);
    }
  });

  it('fields a document holds beyond its response schema are never sent', async () => {
    await t.container.store.update('projects', world.project, { password_hash: '$2b$04$leak', internal_note: 'do not send' } as never);
    const res = await as(t.app, user).get(`/api/v1/projects/${world.project}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toMatch(/leak|internal_note/);
    const list = await as(t.app, user).get('/api/v1/projects');
    expect(list.body).not.toMatch(/leak|internal_note/);
  });
});
