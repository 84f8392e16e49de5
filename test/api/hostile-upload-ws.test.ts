/**
 * Hostile input for the two non-JSON entry points: multipart uploads (missing, misplaced,
 * oversized and prototype-named parts) and WebSocket frames and handshakes. Same rules as
 * hostile-input.test.ts: no 5xx, 4xx in the envelope, nothing stored from a refused upload,
 * no prototype pollution, and a bad frame gets an error frame without losing the connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createUser, type TestUser } from '../helpers/app.js';
import { startLiveApp, WsClient, type LiveApp } from '../helpers/ws.js';
import { multipart, png } from './images.fixtures.js';
import { deepArray, deepObject, type Json } from './hostile-input.fixtures.js';

let live: LiveApp;
let user: TestUser;
let projectId: string;
let panelId: string;
let image: Buffer;
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  live = await startLiveApp();
  user = await createUser(live.app);
  projectId = (await as(live.app, user).post('/api/v1/projects', { title: 'Hostile' })).json().data.id;
  const chapterId = (await as(live.app, user).post(`/api/v1/projects/${projectId}/chapters`, { title: 'One' })).json().data.id;
  const sceneId = (await as(live.app, user).post(`/api/v1/chapters/${chapterId}/scenes`, { title: 'S' })).json().data.id;
  panelId = (await as(live.app, user).post(`/api/v1/scenes/${sceneId}/panels`, {})).json().data.id;
  image = await png(16, 16);
});
afterAll(async () => live.close());

function expectEnvelope(res: { statusCode: number; body: string }, label: string): void {
  expect(res.statusCode, `${label}: ${res.body}`).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, `${label}: ${res.body}`).toBeLessThan(500);
  expect(JSON.parse(res.body), label).toMatchObject({ success: false, code: expect.any(String), error: expect.any(String) });
}

describe('POST /images/upload with hostile parts', () => {
  const file = () => ({ data: image, filename: 'a.png', contentType: 'image/png' });
  const raw = (payload: string | Buffer, contentType: string) =>
    live.app.inject({ method: 'POST', url: '/api/v1/images/upload', headers: { ...user.auth, 'content-type': contentType }, payload });

  it('refuses every malformed form in the envelope and stores nothing', async () => {
    const before = await live.container.store.count('images', { owner_id: user.id });
    const forms: [string, ReturnType<typeof multipart>][] = [
      ['no file', multipart([['project_id', projectId]])],
      ['no fields, no file', multipart([])],
      ['file before project_id', multipart([], file(), [['project_id', projectId]])],
      ['field after the file', multipart([['project_id', projectId]], file(), [['panel_id', panelId]])],
      ['huge field', multipart([['project_id', 'a'.repeat(2 * 1024 * 1024)]], file())],
      ['__proto__ field', multipart([['__proto__', projectId], ['project_id', projectId]], file())],
      ['constructor field', multipart([['constructor', '{"prototype":{"polluted":true}}'], ['project_id', projectId]], file())],
      ['__proto__ file part', multipart([['project_id', projectId]], { ...file(), field: '__proto__' })],
      ['project_id twice', multipart([['project_id', projectId], ['project_id', projectId]], file())],
      ['operator as project_id', multipart([['project_id', '{"$ne":null}']], file())],
      ['NUL in project_id', multipart([['project_id', `${projectId}\u0000`]], file())],
      ['too many parts', multipart(Array.from({ length: 10 }, () => ['panel_id', panelId] as [string, string]), file())],
      ['another user’s project', multipart([['project_id', 'ffffffffffffffffffffffff']], file())],
      ['not an image', multipart([['project_id', projectId]], { data: Buffer.from('<svg onload=alert(1)>'), filename: 'x.png' })],
      ['empty file', multipart([['project_id', projectId]], { data: Buffer.alloc(0) })],
    ];
    for (const [label, form] of forms) {
      const res = await live.app.inject({ method: 'POST', url: '/api/v1/images/upload', headers: { ...form.headers, ...user.auth }, payload: form.payload });
      expectEnvelope(res, label);
    }
    const boundary = '----hostile';
    const bodies: [string, string | Buffer, string][] = [
      ['no boundary', 'whatever', 'multipart/form-data'],
      ['cut off', `--${boundary}\r\nContent-Disposition: form-data; name="project_id"\r\n\r\n${projectId}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG`, `multipart/form-data; boundary=${boundary}`],
      ['JSON labelled multipart', '{"project_id": "x"}', `multipart/form-data; boundary=${boundary}`],
      ['garbage headers', `--${boundary}\r\n\u0000\u0000\r\n\r\n--${boundary}--\r\n`, `multipart/form-data; boundary=${boundary}`],
    ];
    for (const [label, payload, type] of bodies) expectEnvelope(await raw(payload, type), label);

    expect(await live.container.store.count('images', { owner_id: user.id })).toBe(before);
    expect(({} as Json).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  });

  it('keeps only the base name of a path-like file name', async () => {
    const form = multipart([['project_id', projectId]], { data: image, filename: '../../../etc/passwd\u0000.png' });
    const res = await live.app.inject({ method: 'POST', url: '/api/v1/images/upload', headers: { ...form.headers, ...user.auth }, payload: form.payload });
    expect(res.statusCode, res.body).toBe(201);
    // Only the base name is kept, as metadata, and without the NUL.
    expect(res.json().data.metadata.original_name).toBe('passwd.png');
  });
});

describe('WebSocket with hostile frames and handshakes', () => {
  const FRAMES: [string, string | Buffer][] = [
    ['not JSON', '{"type": '],
    ['binary garbage', Buffer.from([0xff, 0x00, 0xfe, 0x01])],
    ['null', 'null'],
    ['array', '[]'],
    ['string', '"subscribe"'],
    // Were `__proto__` taken as the prototype, `type` would read as subscribe.
    ['__proto__', '{"__proto__": {"type": "subscribe", "resource": "panel", "polluted": true}}'],
    ['constructor type', '{"type": "constructor"}'],
    ['prototype resource', '{"type": "subscribe", "data": {"resource": "__proto__"}}'],
    ['toString resource', '{"type": "subscribe", "resource": "toString"}'],
    ['operator id', '{"type": "subscribe", "data": {"resource": "panel", "id": {"$ne": null}}}'],
    ['lone surrogate', '{"type": "\\ud800"}'],
    ['NUL id', '{"type": "subscribe", "data": {"resource": "panel", "id": "a\\u0000b"}}'],
    ['1e309 id', '{"type": "subscribe", "data": {"resource": "panel", "id": 1e309}}'],
    ['deep array', deepArray(5_000)],
    ['deep object', deepObject(5_000)],
  ];

  it('answers each bad frame with an error frame and keeps the connection', async () => {
    const client = await WsClient.connect(live.wsUrl(projectId, user.token));
    for (const [label, payload] of FRAMES) {
      client.send(payload);
      const reply = await client.next('error');
      expect(reply.data, label).toMatchObject({ code: expect.any(String) });
    }
    client.send({ type: 'subscribe', data: { resource: 'panel', id: panelId } });
    expect((await client.next('subscribed')).data).toMatchObject({ resource: 'panel', id: panelId });
    expect(({} as Json).polluted).toBeUndefined();
    await client.close();
  });

  it('closes (1009) on a frame over the size limit, and the server goes on', async () => {
    const client = await WsClient.connect(live.wsUrl(projectId, user.token));
    client.send(JSON.stringify({ type: 'subscribe', data: { resource: 'x'.repeat(200_000) } }));
    expect((await client.closed).code).toBe(1009);
    const health = await live.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(health.statusCode).toBe(200);
  });

  it.each([
    ['a traversal project id', () => live.wsUrl('..%2F..', user.token), 4404],
    ['a prototype project id', () => live.wsUrl('__proto__', user.token), 4404],
    ['an injected token', () => `${live.wsUrl(projectId)}?token=${encodeURIComponent("' OR '1'='1")}`, 4401],
    ['a token array', () => `${live.wsUrl(projectId)}?token=a&token=b`, 4401],
  ])('refuses %s with a close code, not a crash', async (_label, url, code) => {
    const client = await WsClient.connect(url());
    expect((await client.closed).code).toBe(code);
  });

  it('answers a plain HTTP request to the socket route in the envelope', async () => {
    const res = await live.app.inject({ method: 'GET', url: `/api/v1/ws/${projectId}?token=${user.token}&__proto__[polluted]=1` });
    expectEnvelope(res, 'no upgrade');
  });
});
