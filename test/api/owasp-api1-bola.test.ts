/**
 * OWASP API1:2023 Broken Object Level Authorization. Bob, signed in, replays every operation
 * that names an object against Alice's objects: reads, updates, deletes and actions answer 404
 * exactly as for an id that does not exist (no existence oracle), and nothing of Alice's
 * changes. The table is checked against the OpenAPI document, so a new route with an id cannot
 * be added without joining it. Also: lists, ids smuggled in bodies, the WebSocket and image URLs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { as, buildTestApp, createUser, type TestApp, type TestUser } from '../helpers/app.js';
import { WsClient } from '../helpers/ws.js';
import { jpeg, upload } from './images.fixtures.js';
import { OBJECT_OPERATIONS as OPS, ROOMY_LIMITS, buildWorld, fillPath, ghostWorld, openApiOperations, pathParams, type Json, type ObjectOperation as Op, type World } from './owasp.fixtures.js';

/** Operations with an object id that have a section of their own below (signed links, multipart, per-item results, sockets). */
const OWN_SECTION = new Set([
  'GET /api/v1/images/{image_id}',
  'GET /api/v1/images/{image_id}/thumbnail',
  'POST /api/v1/images/upload',
  'POST /api/v1/drafts/bulk-action',
  'GET /api/v1/ws/{project_id}',
]);

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let aw: World;
let bw: World;
/** Bob's second world, for the owner replay (which ends by deleting it). */
let replay: World;
/** A world of ids that exist nowhere: what Bob sees for them is what he must see for Alice's. */
let ghost: World;

beforeAll(async () => {
  t = await buildTestApp({ env: ROOMY_LIMITS });
  [alice, bob] = await Promise.all([createUser(t.app), createUser(t.app)]);
  [aw, bw, replay] = await Promise.all([buildWorld(t.app, alice), buildWorld(t.app, bob), buildWorld(t.app, bob)]);
  ghost = ghostWorld();
}, 60_000);
afterAll(() => t.close());

function send(user: TestUser, [method, path, body]: Op, world: World): Promise<LightMyRequestResponse> {
  const url = fillPath(path, pathParams(world));
  return t.app.inject({ method: method as 'GET', url, headers: user.auth, ...(method === 'GET' || method === 'DELETE' ? {} : { payload: (body?.(world) ?? {}) as object }) });
}

/** What Alice can observe of her world: every object's version (or status), in one map. */
async function snapshot(): Promise<Record<string, unknown>> {
  const get = async (url: string) => (await as(t.app, alice).get(url)).json().data as Json;
  const out: Record<string, unknown> = {};
  const objects: [string, string][] = [
    ['project', `/api/v1/projects/${aw.project}`],
    ['style', `/api/v1/projects/${aw.project}/style-guide`],
    ['chapter', `/api/v1/chapters/${aw.chapter}`],
    ['chapter2', `/api/v1/chapters/${aw.chapter2}`],
    ['scene', `/api/v1/scenes/${aw.scene}`],
    ['scene2', `/api/v1/scenes/${aw.scene2}`],
    ...aw.panels.map((panel, i): [string, string] => [`panel${i}`, `/api/v1/panels/${panel}`]),
    ['character', `/api/v1/characters/${aw.character}`],
    ['location', `/api/v1/locations/${aw.location}`],
    ['instruction', `/api/v1/instructions/${aw.instruction}`],
    ['image', `/api/v1/images/${aw.image.id}/metadata`],
    ['draft', `/api/v1/drafts/${aw.draft}`],
    ['generation', `/api/v1/generate/status/${aw.generation}`],
    ['task', `/api/v1/tasks/${aw.task}/status`],
  ];
  for (const [name, url] of objects) {
    const data = await get(url);
    out[name] = { version: data.version, updated_at: data.updated_at, status: data.status, order: data.order, enabled: data.enabled };
  }
  for (const list of ['chapters', 'characters', 'locations', 'instructions']) out[list] = (await get(`/api/v1/projects/${aw.project}/${list}`)).total;
  out.scenes = (await get(`/api/v1/chapters/${aw.chapter}/scenes`)).total;
  out.panels = (await get(`/api/v1/scenes/${aw.scene}/panels`)).total;
  out.projects = (await get('/api/v1/projects')).total;
  out.jobs = (await get('/api/v1/generate/history')).total;
  out.drafts = (await get('/api/v1/drafts')).total;
  return out;
}

describe('API1 BOLA: every operation on another user\'s object', () => {
  let before: Record<string, unknown>;
  beforeAll(async () => {
    before = await snapshot();
  });

  it('the table covers every documented operation that names an object', async () => {
    const { doc, operations } = await openApiOperations(t.app);
    const listed = new Set(OPS.map(([method, path]) => `${method} ${path}`));
    const namesObject = (path: string, operation: Json) => {
      if (path.includes('{')) return true;
      const schema = operation.requestBody?.content?.['application/json']?.schema ?? operation.requestBody?.content?.['multipart/form-data']?.schema;
      const props = Object.keys((schema?.$ref ? doc.components.schemas[String(schema.$ref).split('/').pop()!] : schema)?.properties ?? {});
      return props.some((name) => /(_id|_ids|^target|^scope)$/.test(name));
    };
    const missing = operations.filter(({ method, path, operation }) => namesObject(path, operation) && !listed.has(`${method} ${path}`) && !OWN_SECTION.has(`${method} ${path}`));
    expect(missing.map(({ method, path }) => `${method} ${path}`)).toEqual([]);
    const documented = new Set(operations.map(({ method, path }) => `${method} ${path}`));
    expect([...listed, ...OWN_SECTION].filter((op) => !documented.has(op))).toEqual([]);
  });

  it.each(OPS)('%s %s: 404 for Bob, the same answer as for an id that does not exist', async (...op) => {
    const res = await send(bob, op, aw);
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json()).toMatchObject({ success: false, code: 'not_found' });
    const none = await send(bob, op, ghost);
    expect({ status: none.statusCode, code: none.json().code, error: none.json().error }).toEqual({ status: 404, code: 'not_found', error: res.json().error });
  });

  it('left every object of Alice as it was', async () => {
    expect(await snapshot()).toEqual(before);
  });
});

describe('API1 BOLA: the owner replaying the same table gets through', () => {
  // Proves the 404s above come from ownership, not from a malformed request: the same calls
  // by the owner reach the object (2xx, or a 409 about its state).
  it('every operation reaches Bob\'s own object', async () => {
    const refused: string[] = [];
    for (const op of OPS) {
      const res = await send(bob, op, replay);
      if (!(res.statusCode < 300 || res.statusCode === 409)) refused.push(`${op[0]} ${op[1]} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
    expect(refused).toEqual([]);
  }, 60_000);
});

describe('API1 BOLA: Alice\'s ids smuggled into requests on Bob\'s own objects', () => {
  /** Bob's object in the path, one of Alice's ids in the body: refused like an id that does not exist. */
  const MIXED: [name: string, op: (own: World, other: World) => Op][] = [
    ['her image as his character design', (own, other) => ['POST', `/api/v1/characters/${own.character}/designs`, () => ({ image_id: other.image.id })]],
    ['her image as his location reference', (own, other) => ['POST', `/api/v1/locations/${own.location}/references`, () => ({ image_id: other.image.id })]],
    ['her image as his chapter cover', (own, other) => ['PUT', `/api/v1/chapters/${own.chapter}`, () => ({ cover_image_id: other.image.id })]],
    ['her image on his panel', (own, other) => ['PUT', `/api/v1/panels/${own.panels[1]}`, () => ({ image_id: other.image.id })]],
    ['her character in his panel', (own, other) => ['PUT', `/api/v1/panels/${own.panels[1]}`, () => ({ character_ids: [other.character] })]],
    ['her location in his scene', (own, other) => ['PUT', `/api/v1/scenes/${own.scene}`, () => ({ location_id: other.location })]],
    ['her character in a new scene of his', (own, other) => ['POST', `/api/v1/chapters/${own.chapter}/scenes`, () => ({ title: 'X', character_ids: [other.character] })]],
    ['her image as his style reference', (own, other) => ['PUT', `/api/v1/projects/${own.project}/style-guide`, () => ({ reference_image_ids: [other.image.id] })]],
    ['her image as his character sheet', (own, other) => ['PUT', `/api/v1/characters/${own.character}`, () => ({ sheet_image_id: other.image.id })]],
    ['her image as his location reference list', (own, other) => ['PUT', `/api/v1/locations/${own.location}`, () => ({ reference_image_ids: [other.image.id] })]],
    ['an instruction on her chapter in his project', (own, other) => ['POST', `/api/v1/projects/${own.project}/instructions`, () => ({ content: 'X', scope: { type: 'chapter', id: other.chapter } })]],
    ['a generation in his project drawn onto her panel', (own, other) => ['POST', '/api/v1/generate/image', () => ({ project_id: own.project, prompt: 'X', target: { type: 'panel', id: other.panels[0] } })]],
    ['a background for her location in his project', (own, other) => ['POST', '/api/v1/generate/background', () => ({ project_id: own.project, location_id: other.location })]],
    ['a consistency check of his project scoped to her chapter', (own, other) => ['POST', '/api/v1/workflow/consistency-check', () => ({ project_id: own.project, scope: { type: 'chapter', id: other.chapter } })]],
    ['a style apply on his project scoped to her chapter', (own, other) => ['POST', `/api/v1/projects/${own.project}/style-guide/apply`, () => ({ scope: { type: 'chapter', id: other.chapter } })]],
    ['a storyboard of her scene', (_own, other) => ['POST', '/api/v1/workflow/storyboard', () => ({ scene_id: other.scene })]],
    // Last: the owner's replay of these two changes his panels.
    ['reorder his scene with her panels', (own, other) => ['POST', `/api/v1/scenes/${own.scene}/reorder-panels`, () => ({ panel_ids: [...other.panels].reverse() })]],
    ['merge her panel into his', (own, other) => ['POST', `/api/v1/panels/${own.panels[0]}/merge`, () => ({ panel_id: other.panels[1] })]],
  ];

  it.each(MIXED)('%s: refused exactly like an id that does not exist', async (_name, make) => {
    const res = await send(bob, make(bw, aw), bw);
    expect([404, 422], res.body).toContain(res.statusCode);
    const none = await send(bob, make(bw, ghost), bw);
    expect({ status: none.statusCode, body: { ...none.json(), timestamp: 0, trace_id: 0 } }).toEqual({ status: res.statusCode, body: { ...res.json(), timestamp: 0, trace_id: 0 } });
  });

  it('the same requests with his own ids get through (so the refusals above are about her ids)', async () => {
    const refused: string[] = [];
    for (const [name, make] of MIXED) {
      const res = await send(bob, make(bw, bw), bw);
      if (!(res.statusCode < 300 || res.statusCode === 409)) refused.push(`${name} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
    expect(refused).toEqual([]);
  });

  it('bulk draft actions report her drafts as not found, item by item, and change nothing', async () => {
    for (const action of ['select', 'reject'] as const) {
      const res = await as(t.app, bob).post('/api/v1/drafts/bulk-action', { action, draft_ids: [aw.draft, ghost.draft] });
      expect(res.statusCode, res.body).toBe(200);
      const [hers, none] = res.json().data.results;
      expect(hers).toEqual({ draft_id: aw.draft, ok: false, code: 'not_found', error: none.error });
    }
    expect((await as(t.app, alice).get(`/api/v1/drafts/${aw.draft}`)).json().data.status).toBe('pending');
  });

  it('an upload cannot land in her project or on her panel', async () => {
    const data = await jpeg(16, 16);
    const intoProject = await upload(t.app, bob, [['project_id', aw.project]], { data });
    expect(intoProject.statusCode, intoProject.body).toBe(404);
    const ontoPanel = await upload(t.app, bob, [['project_id', bw.project], ['panel_id', aw.panels[1]]], { data });
    const ontoNothing = await upload(t.app, bob, [['project_id', bw.project], ['panel_id', ghost.panels[1]]], { data });
    expect(ontoPanel.statusCode).toBe(ontoNothing.statusCode);
    expect([404, 422]).toContain(ontoPanel.statusCode);
    expect((await as(t.app, alice).get(`/api/v1/panels/${aw.panels[1]}`)).json().data.image_id).toBeNull();
  });
});

describe('API1 BOLA: lists and filters never show another user\'s objects', () => {
  it('every list, filtered by her project or not, holds only Bob\'s objects', async () => {
    const hers = new Set<string>([aw.project, aw.generation, aw.task, aw.draft]);
    for (const url of ['/api/v1/projects', '/api/v1/generate/history', '/api/v1/drafts', '/api/v1/drafts/pending', `/api/v1/generate/history?project_id=${aw.project}`, `/api/v1/drafts?project_id=${aw.project}`, `/api/v1/drafts/pending?project_id=${aw.project}`]) {
      const res = await as(t.app, bob).get(url);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      const items = res.json().data.items as Json[];
      expect(items.filter((item) => hers.has(item.id) || item.owner_id === alice.id || item.project_id === aw.project), url).toEqual([]);
      if (url.includes(aw.project)) expect(res.json().data.total, url).toBe(0);
    }
  });

  it('lookups keyed by her objects answer 404 as for ids that do not exist', async () => {
    for (const world of [aw, ghost]) {
      const applicable = await as(t.app, bob).get(`/api/v1/instructions/applicable?scope=scene&id=${world.scene}`);
      expect(applicable.statusCode, applicable.body).toBe(404);
      const suggestions = await as(t.app, bob).get(`/api/v1/workflow/suggestions?project_id=${world.project}`);
      expect(suggestions.statusCode, suggestions.body).toBe(404);
    }
  });
});

describe('API1 BOLA: image bytes', () => {
  it('her image bytes and thumbnail are a 404 with Bob\'s token and a 401 with no token or signature', async () => {
    for (const variant of ['', '/thumbnail']) {
      for (const world of [aw, ghost]) {
        const res = await t.app.inject({ method: 'GET', url: `/api/v1/images/${world.image.id}${variant}`, headers: bob.auth });
        expect(res.statusCode, res.body).toBe(404);
      }
      expect((await t.app.inject({ method: 'GET', url: `/api/v1/images/${aw.image.id}${variant}` })).statusCode).toBe(401);
    }
  });

  it('a signed link opens only the image and variant it was signed for', async () => {
    const link = new URL(aw.image.url, 'http://x');
    expect((await t.app.inject({ method: 'GET', url: aw.image.url })).statusCode).toBe(200);
    // Her signature on Bob's image id, or on the thumbnail, is worth nothing.
    for (const url of [`/api/v1/images/${bw.image.id}${link.search}`, `/api/v1/images/${aw.image.id}/thumbnail${link.search}`]) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
  });
});

describe('API1 BOLA: WebSocket', () => {
  let base: string;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    base = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1/ws`;
  });

  it('closes with 4404 on her project, as on a project that does not exist', async () => {
    for (const world of [aw, ghost]) {
      const client = await WsClient.connect(`${base}/${world.project}?token=${bob.token}`);
      expect(await client.closed).toEqual({ code: 4404, reason: 'Project not found' });
    }
  });

  it('a subscription to her panel from his own project never delivers her changes', async () => {
    const client = await WsClient.connect(`${base}/${bw.project}?token=${bob.token}`);
    const watcher = await WsClient.connect(`${base}/${aw.project}?token=${alice.token}`);
    try {
      client.send({ type: 'subscribe', data: { resource: 'panel', id: aw.panels[2] } });
      await client.next('subscribed');
      const edit = await as(t.app, alice).put(`/api/v1/panels/${aw.panels[2]}`, { notes: 'secret plan' });
      expect(edit.statusCode).toBe(200);
      // Her own socket gets the update, so it was published; his gets nothing.
      await watcher.next((frame) => frame.type === 'content_update' && JSON.stringify(frame.data).includes(aw.panels[2]));
      const leaked = await client.collect(300, (frame) => JSON.stringify(frame).includes(aw.panels[2]) && frame.type !== 'subscribed');
      expect(leaked).toEqual([]);
    } finally {
      await Promise.all([client.close(), watcher.close()]);
    }
  });
});
