import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createUser, type TestUser } from '../helpers/app.js';
import { eventually, startLiveApp, WsClient, type LiveApp } from '../helpers/ws.js';

let live: LiveApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  live = await startLiveApp();
  alice = await createUser(live.app);
  bob = await createUser(live.app);
});

afterAll(async () => {
  await live.close();
});

const newProject = async (user: TestUser, title = 'P') => (await as(live.app, user).post('/api/v1/projects', { title })).json().data.id as string;
const newChapter = async (user: TestUser, projectId: string, title = 'C') =>
  (await as(live.app, user).post(`/api/v1/projects/${projectId}/chapters`, { title })).json().data.id as string;
const publishJob = (projectId: string, ownerId: string, progress: number) =>
  live.container.events.publish({
    type: 'generation_progress',
    project_id: projectId,
    owner_id: ownerId,
    data: { job_id: 'cccccccccccccccccccccccc', kind: 'task', status: 'running', progress },
    timestamp: new Date().toISOString(),
  });

describe('WS: subscribe / unsubscribe', () => {
  it('filters content_update by resource and id, always passes job frames, and unsubscribing restores everything', async () => {
    const projectId = await newProject(alice);
    const first = await newChapter(alice, projectId, 'First');
    const second = await newChapter(alice, projectId, 'Second');
    const client = await WsClient.connect(live.wsUrl(projectId, alice.token));
    const api = as(live.app, alice);

    client.send({ type: 'subscribe', data: { resource: 'chapter', id: first } });
    expect(await client.next('subscribed')).toMatchObject({
      data: { resource: 'chapter', id: first, subscriptions: [{ resource: 'chapter', id: first }] },
    });

    await api.put(`/api/v1/projects/${projectId}`, { title: 'Not subscribed' });
    await api.put(`/api/v1/chapters/${second}`, { title: 'Not subscribed either' });
    await api.put(`/api/v1/chapters/${first}`, { title: 'Subscribed' });
    await publishJob(projectId, alice.id, 0.25);
    expect((await client.next('content_update')).data).toMatchObject({ resource: 'chapter', id: first, action: 'updated' });
    expect((await client.next('generation_progress')).data).toMatchObject({ progress: 0.25 });
    expect(client.frames.filter((frame) => frame.type === 'content_update')).toHaveLength(1);

    // Top-level resource/id are accepted too.
    client.send({ type: 'unsubscribe', resource: 'chapter', id: first });
    expect((await client.next('unsubscribed')).data).toEqual({ resource: 'chapter', id: first, subscriptions: [] });
    await api.put(`/api/v1/projects/${projectId}`, { title: 'Everything again' });
    expect((await client.next('content_update')).data).toMatchObject({ resource: 'project', id: projectId });
    await client.close();
  });

  it('a subscription without id matches every resource of that type', async () => {
    const projectId = await newProject(alice);
    const chapterId = await newChapter(alice, projectId);
    const client = await WsClient.connect(live.wsUrl(projectId, alice.token));
    client.send({ type: 'subscribe', data: { resource: 'chapter' } });
    expect((await client.next('subscribed')).data).toMatchObject({ resource: 'chapter', id: null });

    await as(live.app, alice).put(`/api/v1/projects/${projectId}`, { title: 'Filtered out' });
    await as(live.app, alice).put(`/api/v1/chapters/${chapterId}`, { title: 'Kept' });
    const created = await newChapter(alice, projectId, 'New');
    expect((await client.next('content_update')).data).toMatchObject({ resource: 'chapter', id: chapterId });
    expect((await client.next('content_update')).data).toMatchObject({ resource: 'chapter', id: created, action: 'created' });
    expect(client.frames.some((frame) => frame.data.resource === 'project')).toBe(false);
    await client.close();
  });
});

describe('WS: error frames keep the connection open', () => {
  it.each([
    ['bad JSON', '{not json', 'bad_request'],
    ['a JSON array', '[1,2]', 'bad_request'],
    ['an unknown type', { type: 'shout', data: {} }, 'unknown_type'],
    ['a missing type', { resource: 'panel' }, 'unknown_type'],
    ['an unknown resource', { type: 'subscribe', data: { resource: 'spaceship' } }, 'validation_failed'],
    ['a malformed id', { type: 'subscribe', data: { resource: 'panel', id: 'nope' } }, 'validation_failed'],
  ])('answers %s with an error frame', async (_label, message, code) => {
    const projectId = await newProject(alice);
    const client = await WsClient.connect(live.wsUrl(projectId, alice.token));
    client.send(message);
    const error = await client.next('error');
    expect(error.data).toMatchObject({ code, message: expect.any(String) });

    // Still open and still served.
    client.send({ type: 'subscribe', data: { resource: 'project' } });
    expect((await client.next('subscribed')).data).toMatchObject({ resource: 'project' });
    await as(live.app, alice).put(`/api/v1/projects/${projectId}`, { title: 'Still here' });
    expect((await client.next('content_update')).data).toMatchObject({ id: projectId });
    await client.close();
  });

  it('names the offending field for validation errors', async () => {
    const client = await WsClient.connect(live.wsUrl(await newProject(alice), alice.token));
    client.send({ type: 'subscribe', data: { resource: 'spaceship' } });
    expect((await client.next('error')).data.details).toEqual([{ field: 'data.resource', message: expect.stringContaining('panel') }]);
    client.send(Buffer.from([1, 2, 3]));
    expect((await client.next('error')).data).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/Binary/) });
    await client.close();
  });
});

describe('WS: isolation', () => {
  it("a socket sees only its own project's events, and never another user's", async () => {
    const aliceA = await newProject(alice, 'A');
    const aliceB = await newProject(alice, 'B');
    const bobs = await newProject(bob, 'Bob');
    const onA = await WsClient.connect(live.wsUrl(aliceA, alice.token));
    const onB = await WsClient.connect(live.wsUrl(aliceB, alice.token));
    const bobSocket = await WsClient.connect(live.wsUrl(bobs, bob.token));

    await as(live.app, alice).put(`/api/v1/projects/${aliceA}`, { title: 'A changed' });
    await newChapter(alice, aliceA);
    await publishJob(aliceA, alice.id, 0.5);
    // A forged event for Bob's project that claims Alice as owner reaches no one.
    await publishJob(bobs, alice.id, 0.75);

    expect((await onA.next('content_update')).data).toMatchObject({ resource: 'project', id: aliceA });
    expect((await onA.next((frame) => frame.data.resource === 'chapter')).data).toMatchObject({ action: 'created' });
    expect((await onA.next('generation_progress')).data).toMatchObject({ progress: 0.5 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(onB.frames).toEqual([]);
    expect(bobSocket.frames).toEqual([]);
    expect(onA.frames.some((frame) => frame.data.progress === 0.75)).toBe(false);

    // Bob's own changes reach Bob's socket only.
    await as(live.app, bob).put(`/api/v1/projects/${bobs}`, { title: 'Bob changed' });
    expect((await bobSocket.next('content_update')).data).toMatchObject({ id: bobs });
    expect(await onA.collect(100, (frame) => frame.data.id === bobs)).toEqual([]);
    await Promise.all([onA.close(), onB.close(), bobSocket.close()]);
  });

  it('fans one event out to every socket on the project', async () => {
    const projectId = await newProject(alice);
    const clients = await Promise.all(Array.from({ length: 20 }, () => WsClient.connect(live.wsUrl(projectId, alice.token))));
    expect(live.app.realtime.connectionCount(projectId)).toBe(20);
    await as(live.app, alice).put(`/api/v1/projects/${projectId}`, { title: 'Fan-out' });
    const frames = await Promise.all(clients.map((client) => client.next('content_update')));
    expect(frames.every((frame) => frame.data.id === projectId)).toBe(true);
    await Promise.all(clients.map((client) => client.close()));
    await eventually(() => live.app.realtime.connectionCount(projectId) === 0);
  });
});
