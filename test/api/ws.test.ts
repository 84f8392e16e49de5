import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createUser, type TestUser } from '../helpers/app.js';
import { startLiveApp, WsClient, type LiveApp } from '../helpers/ws.js';

let live: LiveApp;
let alice: TestUser;
let bob: TestUser;
let projectId: string;
let bobProjectId: string;

beforeAll(async () => {
  live = await startLiveApp();
  alice = await createUser(live.app);
  bob = await createUser(live.app);
  projectId = (await as(live.app, alice).post('/api/v1/projects', { title: 'Live' })).json().data.id;
  bobProjectId = (await as(live.app, bob).post('/api/v1/projects', { title: 'Bob' })).json().data.id;
});

afterAll(async () => {
  await live.close();
});

describe('WS /api/v1/ws/{project_id}: handshake', () => {
  it('accepts the access token in the token query parameter', async () => {
    const client = await WsClient.connect(live.wsUrl(projectId, alice.token));
    await as(live.app, alice).put(`/api/v1/projects/${projectId}`, { description: 'query token' });
    expect((await client.next('content_update')).data).toMatchObject({ resource: 'project', id: projectId });
    await client.close();
  });

  it('accepts `Sec-WebSocket-Protocol: bearer, <token>` and echoes the bearer protocol', async () => {
    const client = await WsClient.connect(live.wsUrl(projectId), ['bearer', alice.token]);
    expect(client.socket.protocol).toBe('bearer');
    await as(live.app, alice).put(`/api/v1/projects/${projectId}`, { description: 'protocol token' });
    expect((await client.next('content_update')).data).toMatchObject({ resource: 'project', id: projectId, action: 'updated' });
    await client.close();
  });

  it.each([
    ['no token', () => live.wsUrl(projectId), 'Missing access token'],
    ['a malformed token', () => live.wsUrl(projectId, 'not-a-jwt'), 'Invalid or expired access token'],
    ['a refresh token', () => live.wsUrl(projectId, alice.refreshToken), 'Invalid or expired access token'],
  ])('closes with 4401 for %s', async (_label, url, reason) => {
    const client = await WsClient.connect(url());
    expect(await client.closed).toEqual({ code: 4401, reason });
    expect(client.frames).toEqual([]);
  });

  it('closes with 4401 for a token revoked by logout', async () => {
    const carol = await createUser(live.app);
    const carolProject = (await as(live.app, carol).post('/api/v1/projects', { title: 'C' })).json().data.id;
    expect((await as(live.app, carol).post('/api/v1/auth/logout')).statusCode).toBeLessThan(300);
    const client = await WsClient.connect(live.wsUrl(carolProject, carol.token));
    expect(await client.closed).toEqual({ code: 4401, reason: 'Access token has been revoked' });
  });

  it.each([
    ["another user's project", () => bobProjectId],
    ['an unknown project', () => 'ffffffffffffffffffffffff'],
    ['a malformed project id', () => 'not-an-id'],
  ])('closes with 4404 for %s', async (_label, id) => {
    const client = await WsClient.connect(live.wsUrl(id(), alice.token));
    expect(await client.closed).toEqual({ code: 4404, reason: 'Project not found' });
    expect(client.frames).toEqual([]);
  });

  it('checks the token before the project (no token on an unknown project is 4401)', async () => {
    const client = await WsClient.connect(live.wsUrl('ffffffffffffffffffffffff'));
    expect((await client.closed).code).toBe(4401);
  });

  it('answers a plain GET with 426 when authorised, 401/404 otherwise', async () => {
    const url = `/api/v1/ws/${projectId}`;
    const upgrade = await live.app.inject({ method: 'GET', url: `${url}?token=${alice.token}` });
    expect(upgrade.statusCode).toBe(426);
    expect(upgrade.headers.upgrade).toBe('websocket');
    expect(upgrade.json()).toMatchObject({ success: false, code: 'upgrade_required' });
    expect((await live.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    expect((await live.app.inject({ method: 'GET', url: `/api/v1/ws/${bobProjectId}`, headers: alice.auth })).statusCode).toBe(404);
  });
});

describe('WS: server message types', () => {
  it('sends content_update for real API changes, with version and parent', async () => {
    const client = await WsClient.connect(live.wsUrl(projectId, alice.token));
    const api = as(live.app, alice);
    const updated = (await api.put(`/api/v1/projects/${projectId}`, { title: 'Renamed' })).json().data;
    expect(await client.next('content_update')).toMatchObject({
      type: 'content_update',
      data: { resource: 'project', id: projectId, action: 'updated', version: updated.version },
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const chapter = (await api.post(`/api/v1/projects/${projectId}/chapters`, { title: 'One' })).json().data;
    const created = await client.next((frame) => frame.data.resource === 'chapter');
    expect(created.data).toMatchObject({ id: chapter.id, action: 'created', version: chapter.version });

    await api.delete(`/api/v1/chapters/${chapter.id}`);
    const deleted = await client.next((frame) => frame.data.resource === 'chapter' && frame.data.action === 'deleted');
    expect(deleted.data).toMatchObject({ id: chapter.id, version: null });
    await client.close();
  });

  it('forwards generation_progress, draft_ready and task_complete published on the bus', async () => {
    const client = await WsClient.connect(live.wsUrl(projectId, alice.token));
    const jobId = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    const draftId = 'bbbbbbbbbbbbbbbbbbbbbbbb';
    const publish = (type: string, data: Record<string, unknown>) =>
      live.container.events.publish({ type, project_id: projectId, owner_id: alice.id, data, timestamp: new Date().toISOString() });

    await publish('generation_progress', { job_id: jobId, kind: 'generation', status: 'running', progress: 0.5, message: 'rendering' });
    await publish('draft_ready', { draft_id: draftId, target: { type: 'panel', id: jobId }, kind: 'image' });
    await publish('task_complete', { task_id: jobId, status: 'succeeded', draft_id: draftId });

    expect(await client.next('generation_progress')).toMatchObject({
      data: { job_id: jobId, kind: 'generation', status: 'running', progress: 0.5, message: 'rendering' },
    });
    expect((await client.next('draft_ready')).data).toEqual({ draft_id: draftId, target: { type: 'panel', id: jobId }, kind: 'image' });
    expect((await client.next('task_complete')).data).toEqual({ task_id: jobId, status: 'succeeded', draft_id: draftId });
    await client.close();
  });

  it('closes sockets with 4404 after the project is deleted, once the deletion frame is sent', async () => {
    const api = as(live.app, alice);
    const doomed = (await api.post('/api/v1/projects', { title: 'Doomed' })).json().data.id;
    const client = await WsClient.connect(live.wsUrl(doomed, alice.token));
    await api.delete(`/api/v1/projects/${doomed}`);
    expect((await client.next('content_update')).data).toMatchObject({ resource: 'project', id: doomed, action: 'deleted' });
    expect(await client.closed).toEqual({ code: 4404, reason: 'Project deleted' });
  });
});

describe('WS: OpenAPI', () => {
  it('documents the endpoint, its message types and close codes', async () => {
    const doc = (await live.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const operation = doc.paths['/api/v1/ws/{project_id}'].get;
    expect(operation.tags).toEqual(['realtime']);
    expect(operation.summary).toMatch(/WebSocket/);
    expect(operation.parameters.map((parameter: { name: string }) => parameter.name).sort()).toEqual(['project_id', 'token']);
    expect(Object.keys(operation['x-websocket'].server_messages)).toEqual(
      expect.arrayContaining(['content_update', 'generation_progress', 'draft_ready', 'task_complete', 'subscribed', 'unsubscribed', 'error']),
    );
    expect(Object.keys(operation['x-websocket'].client_messages)).toEqual(['subscribe', 'unsubscribe']);
    expect(operation['x-websocket'].close_codes).toHaveProperty('4401');
  });
});
