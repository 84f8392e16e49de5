/**
 * Hostile input over every operation of the OpenAPI document: odd and malicious bodies, query
 * strings and path ids. Whatever comes in, the server answers (no hang), never with a 5xx,
 * every 4xx in the error envelope, nothing rejected is persisted, and no prototype is polluted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { newId } from '../../src/lib/ids.js';
import { buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { LIMITS } from './drafts.fixtures.js';
import {
  bodyFields,
  deepArray,
  deepObject,
  runAll,
  sample,
  seedWorld,
  violation,
  withRaw,
  writeTripwire,
  type HostileRequest,
  type Ids,
  type Json,
  type Outcome,
} from './hostile-input.fixtures.js';

let t: TestApp;
let user: TestUser;
let spare: TestUser;
let ids: Ids;
let doc: Json;
let tripwire: ReturnType<typeof writeTripwire>;
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  t = await buildTestApp({ env: LIMITS });
  user = await createUser(t.app);
  spare = await createUser(t.app);
  ids = await seedWorld(t.app, t.container.store, user);
  doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  tripwire = writeTripwire(t.container.store);
}, 30_000);
afterAll(async () => t.close());

const JSON_TYPE = { 'content-type': 'application/json' };
const DEPTH = 5_000;

/** Whole-body variants: sent to every operation that may carry a body. */
const GENERIC_BODIES: [string, string | Buffer | undefined][] = [
  ['absent', undefined],
  ['empty body', ''],
  ['null', 'null'],
  ['array', '[]'],
  ['string', '"string"'],
  ['number 1e309', '1e309'],
  ['empty object', '{}'],
  ['__proto__', '{"__proto__": {"polluted": true}}'],
  ['constructor.prototype', '{"constructor": {"prototype": {"polluted": true}}}'],
  ['$where', '{"$where": "1"}'],
  ['title $gt', '{"title": {"$gt": ""}}'],
  ['name $ne', '{"name": {"$ne": null}}'],
  ['truncated JSON', '{"title": '],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
];

/** Bodies under other content types (the API parses JSON only; multipart on the upload route). */
const OTHER_TYPES: [string, string | Buffer][] = [
  ['text/plain', '{"title": "x"}'],
  ['application/x-www-form-urlencoded', 'title=x&__proto__[polluted]=1&constructor[prototype][polluted]=1'],
  ['application/json; charset=utf-16le', Buffer.from('{"title": "x"}', 'utf16le')],
  ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\n1\r\n--x--\r\n'],
];

/** Values swapped into one field of an otherwise valid body. */
function fieldValues(types: Set<string>): [string, string][] {
  const any = types.has('any');
  const values: [string, string][] = [
    ['$gt operator', '{"$gt": ""}'],
    ['nested __proto__', '{"__proto__": {"polluted": true}}'],
  ];
  if (any || types.has('string')) values.push(['lone surrogate', '"\\ud800"'], ['NUL byte', '"a\\u0000b"']);
  if (any || types.has('number') || types.has('integer')) values.push(['1e309', '1e309'], ['-1e309', '-1e309'], ['1e20', '1e20']);
  if (any || types.has('object') || types.has('array')) values.push(['deep object', deepObject(DEPTH)], ['deep array', deepArray(DEPTH)]);
  return values;
}

const BAD_IDS = ['..%2F..', '%00', "1'||'1", '%2e%2e', 'f'.repeat(5_000), '%ff', '%7B%22%24ne%22%3Anull%7D', '__proto__', 'constructor', '%20'];

const operations = () =>
  Object.entries<Record<string, Json>>(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase() as InjectOptions['method'] & string, operation })),
  );

/** Operations that remove or revoke what later requests need: they run after the rest. */
const destructive = (method: string, path: string) => method === 'DELETE' || /\/(logout|merge|bulk-action)$/.test(path);

function fill(path: string, override: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => override[name] ?? ids[name] ?? newId());
}

function buildRequests(): { first: HostileRequest[]; last: HostileRequest[] } {
  const first: HostileRequest[] = [];
  const last: HostileRequest[] = [];
  let n = 0;
  for (const { path, method, operation } of operations()) {
    const into = destructive(method, path) ? last : first;
    const headers = path.endsWith('/logout') ? spare.auth : user.auth;
    const add = (what: string, options: Omit<InjectOptions, 'method'>) =>
      into.push({ label: `#${++n} ${method} ${path} ${what}`, options: { method, ...options, headers: { ...headers, ...options.headers } } as InjectOptions });
    const url = fill(path);
    const jsonSchema = operation.requestBody?.content?.['application/json']?.schema as Json | undefined;
    const base = sample(jsonSchema, ids);
    const validBody = method === 'GET' ? {} : { payload: JSON.stringify(base), headers: JSON_TYPE };

    if (method !== 'GET') {
      for (const [what, payload] of GENERIC_BODIES) add(`body ${what}`, payload === undefined ? { url } : { url, payload, headers: JSON_TYPE });
      for (const [type, payload] of OTHER_TYPES) add(`body as ${type}`, { url, payload, headers: { 'content-type': type } });
      add('body 2 MB string', { url, payload: JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) }), headers: JSON_TYPE });
      add('body deep array', { url, payload: deepArray(DEPTH), headers: JSON_TYPE });
      add('body deep object', { url, payload: deepObject(DEPTH), headers: JSON_TYPE });
    }
    for (const field of bodyFields(jsonSchema)) {
      for (const [what, raw] of fieldValues(field.types)) add(`field ${field.name}=${what}`, { url, payload: withRaw(base, field.name, raw), headers: JSON_TYPE });
    }

    const queryParams = ((operation.parameters ?? []) as Json[]).filter((p) => p.in === 'query').map((p) => p.name as string);
    const queries = ['__proto__[polluted]=1', '__proto__=1', 'constructor[prototype][polluted]=1', '$where=1', '[$ne]=1'];
    for (const name of queryParams) {
      queries.push(`${name}[$ne]=1`, `${name}[$gt]=`, `${name}=1e309`, `${name}=-1e309`, `${name}=100000000000000000000`);
      queries.push(`${name}=%00`, `${name}=%ff`, `${name}=%ud800`, `${name}=a&${name}=b`, `${name}=${'x'.repeat(10_000)}`);
    }
    for (const query of queries) add(`query ${query.slice(0, 60)}`, { url: `${url}?${query}`, ...validBody });

    for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!)) {
      for (const bad of [...BAD_IDS, newId(), `${ids[name] ?? newId()}%00`, (ids[name] ?? newId()).toUpperCase()]) {
        add(`path ${name}=${bad.slice(0, 40)}`, { url: fill(path, { [name]: bad }), ...validBody });
      }
    }
  }
  return { first, last };
}

describe('hostile input over every documented operation', () => {
  let outcomes: Outcome[] = [];

  it('answers every request without a 5xx or hang, 4xx always in the error envelope', async () => {
    const { first, last } = buildRequests();
    expect(first.length + last.length).toBeGreaterThan(1_000);
    outcomes = [...(await runAll(t.app, first, { wrap: tripwire.run })), ...(await runAll(t.app, last, { wrap: tripwire.run }))];
    const broken = outcomes.map((outcome) => [outcome.label, violation(outcome)]).filter(([, why]) => why);
    expect(broken).toEqual([]);
  }, 120_000);

  it('persists nothing from a rejected request', () => {
    const rejected = outcomes.filter((outcome) => outcome.status >= 400);
    expect(rejected.length).toBeGreaterThan(1_000);
    const leaks = rejected.map((outcome) => [outcome.label, outcome.status, tripwire.writesOf(outcome.label)]).filter(([, , writes]) => (writes as string[]).length);
    expect(leaks).toEqual([]);
    // The tripwire does see writes: those of accepted requests.
    const accepted = outcomes.filter((outcome) => outcome.status === 201);
    expect(accepted.some((outcome) => tripwire.writesOf(outcome.label).length > 0)).toBe(true);
  });

  it('leaves no prototype polluted', () => {
    expect(({} as Json).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(Object.getOwnPropertyNames(Array.prototype)).not.toContain('polluted');
  });

  it('still answers health checks afterwards', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json().success).toBe(true);
  });
});

describe('regressions found by the hostile round', () => {
  const TRACE_ID = /^[0-9a-f]{32}$/;
  const send = (method: InjectOptions['method'], url: string, payload?: string) =>
    t.app.inject({ method, url, headers: { ...user.auth, ...(payload === undefined ? {} : JSON_TYPE) }, ...(payload === undefined ? {} : { payload }) });

  it('answers an undecodable URL with a 400 envelope and a trace id (was Fastify’s own body)', async () => {
    const res = await send('GET', '/api/v1/projects/%ff');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, code: 'bad_request', trace_id: res.headers['x-trace-id'] });
    expect(res.headers['x-trace-id']).toMatch(TRACE_ID);
    // The router answers before any hook: the security headers are set by the handler itself.
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  });

  it('answers an over-long path id with a 422 envelope (was a bare 414)', async () => {
    const res = await send('DELETE', `/api/v1/projects/${'f'.repeat(5_000)}`);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ success: false, code: 'validation_failed', details: [{ field: 'path' }] });
    expect(res.headers['x-trace-id']).toMatch(TRACE_ID);
  });

  it('refuses skip past 2^53 or infinite in every list (was a 500)', async () => {
    for (const skip of ['100000000000000000000', '1e309', '-1e309']) {
      const res = await send('GET', `/api/v1/projects/${ids.project_id}/chapters?skip=${skip}`);
      expect(res.statusCode, skip).toBe(422);
      expect(res.json().details[0].field).toBe('skip');
    }
  });

  it('takes 1e309 in a body for what it is, not a number (was accepted as Infinity)', async () => {
    const res = await send('PUT', `/api/v1/projects/${ids.project_id}`, '{"version": 1e309}');
    expect(res.statusCode).toBe(422);
    expect(res.json().details[0].field).toBe('version');
    const priority = await send('PUT', `/api/v1/instructions/${ids.instruction_id}`, '{"priority": -1e309}');
    expect(priority.statusCode).toBe(422);
  });

  it('refuses unpaired surrogates anywhere in a body (MongoDB silently stored U+FFFD), keeps real pairs and NUL', async () => {
    const lone = await send('POST', '/api/v1/projects', '{"title": "a\\ud800b"}');
    expect(lone.statusCode).toBe(422);
    expect(lone.json().details).toEqual([{ field: 'title', message: expect.stringContaining('surrogate') }]);
    const nested = await send('PUT', `/api/v1/panels/${ids.panel_id}/dialogue`, '{"dialogue": [{"type": "caption", "text": "ok"}, {"type": "caption", "text": "\\udc00"}]}');
    expect(nested.statusCode).toBe(422);
    expect(nested.json().details[0].field).toBe('dialogue.1.text');
    const key = await send('POST', '/api/v1/projects', '{"title": "x", "\\ud800": 1}');
    expect(key.statusCode).toBe(422);

    const fine = await send('POST', '/api/v1/projects', '{"title": "\\ud83d\\ude00 a\\u0000b"}');
    expect(fine.statusCode).toBe(201);
    const stored = await send('GET', `/api/v1/projects/${fine.json().data.id}`);
    expect(stored.json().data.title).toBe('\u{1F600} a\u0000b');
  });

  it('answers prototype-poisoning bodies with a 400 envelope, at any depth', async () => {
    for (const payload of ['{"__proto__": {"polluted": true}}', '{"title": "x", "tags": [{"constructor": {"prototype": {"polluted": true}}}]}']) {
      const res = await send('POST', '/api/v1/projects', payload);
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().code).toBe('bad_request');
    }
    expect(({} as Json).polluted).toBeUndefined();
  });
});
