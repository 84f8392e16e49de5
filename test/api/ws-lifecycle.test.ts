import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createUser, type TestUser } from '../helpers/app.js';
import { eventually, startLiveApp, WsClient, type LiveApp } from '../helpers/ws.js';

let live: LiveApp;

beforeAll(async () => {
  live = await startLiveApp({ realtime: { heartbeatMs: 100, recheckMs: 100, maxBufferedBytes: 64 * 1024, closeGraceMs: 200 } });
});

afterAll(async () => {
  await live.close();
});

async function userWithProject(): Promise<{ user: TestUser; projectId: string }> {
  const user = await createUser(live.app);
  const projectId = (await as(live.app, user).post('/api/v1/projects', { title: 'L' })).json().data.id;
  return { user, projectId };
}

async function login(user: TestUser, password = user.password): Promise<TestUser> {
  const response = await live.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password } });
  const tokens = response.json().data;
  return { ...user, token: tokens.access_token, refreshToken: tokens.refresh_token, auth: { authorization: `Bearer ${tokens.access_token}` } };
}

describe('WS: token revocation while connected', () => {
  it('logout closes the sockets of that session with 4401 and leaves other sessions open', async () => {
    const { user, projectId } = await userWithProject();
    const otherSession = await login(user);
    const client = await WsClient.connect(live.wsUrl(projectId, user.token));
    const other = await WsClient.connect(live.wsUrl(projectId), ['bearer', otherSession.token]);

    expect((await as(live.app, user).post('/api/v1/auth/logout')).statusCode).toBe(200);
    const started = Date.now();
    expect(await client.closed).toEqual({ code: 4401, reason: 'Access token has been revoked' });
    expect(Date.now() - started).toBeLessThan(2_000);

    await as(live.app, otherSession).put(`/api/v1/projects/${projectId}`, { title: 'Still live' });
    expect((await other.next('content_update')).data).toMatchObject({ id: projectId });
    await other.close();
  });

  it('a password change closes every socket of the user with 4401', async () => {
    const { user, projectId } = await userWithProject();
    const sockets = await Promise.all([
      WsClient.connect(live.wsUrl(projectId, user.token)),
      WsClient.connect(live.wsUrl(projectId, (await login(user)).token)),
    ]);
    const changed = await as(live.app, user).post('/api/v1/auth/change-password', { current_password: user.password, new_password: 'a brand new secret' });
    expect(changed.statusCode).toBe(200);
    for (const socket of sockets) expect((await socket.closed).code).toBe(4401);
    await eventually(() => live.app.realtime.connectionCount(projectId) === 0);
  });
});

describe('WS: heartbeat', () => {
  it('terminates a client that does not answer pings and keeps one that does', async () => {
    const { user, projectId } = await userWithProject();
    const deaf = await WsClient.connect(live.wsUrl(projectId, user.token), undefined, { autoPong: false });
    const healthy = await WsClient.connect(live.wsUrl(projectId, user.token));
    let pings = 0;
    healthy.socket.on('ping', () => pings++);

    // Terminated without a close frame: the client sees 1006.
    expect((await deaf.closed).code).toBe(1006);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(healthy.socket.readyState).toBe(healthy.socket.OPEN);
    await as(live.app, user).put(`/api/v1/projects/${projectId}`, { title: 'Alive' });
    expect((await healthy.next('content_update')).data).toMatchObject({ id: projectId });
    await healthy.close();
  });
});

describe('WS: limits', () => {
  it('closes the socket with 1009 when a client frame is over 64 KB; a smaller one is just an error frame', async () => {
    const { user, projectId } = await userWithProject();
    const client = await WsClient.connect(live.wsUrl(projectId, user.token));
    client.send('x'.repeat(60 * 1024));
    expect((await client.next('error')).data).toMatchObject({ code: 'bad_request' });
    client.send('x'.repeat(65 * 1024));
    expect((await client.closed).code).toBe(1009);
  });

  it('disconnects a client that stops reading instead of buffering without limit', async () => {
    // Default 30 s heartbeat here, so only the buffer limit can drop the paused socket.
    const quiet = await startLiveApp({ realtime: { maxBufferedBytes: 64 * 1024, closeGraceMs: 200 } });
    const user = await createUser(quiet.app);
    const projectId = (await as(quiet.app, user).post('/api/v1/projects', { title: 'Flood' })).json().data.id;
    const slow = await WsClient.connect(quiet.wsUrl(projectId, user.token));
    const fast = await WsClient.connect(quiet.wsUrl(projectId, user.token));
    // Stop reading: the kernel buffers fill, then the server's send buffer grows.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();

    const blob = 'y'.repeat(16 * 1024);
    let published = 0;
    while (quiet.app.realtime.connectionCount(projectId) === 2 && published < 4_000) {
      for (let index = 0; index < 10; index++, published++) {
        await quiet.container.events.publish({
          type: 'generation_progress',
          project_id: projectId,
          owner_id: user.id,
          data: { job_id: 'dddddddddddddddddddddddd', kind: 'task', status: 'running', progress: 0.1, message: blob },
          timestamp: new Date().toISOString(),
        });
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(quiet.app.realtime.connectionCount(projectId)).toBe(1);
    expect(published).toBeLessThan(4_000);

    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect([4008, 1006]).toContain((await slow.closed).code);
    // The reader that kept up is unaffected.
    await as(quiet.app, user).put(`/api/v1/projects/${projectId}`, { title: 'After the flood' });
    expect((await fast.next((frame) => frame.type === 'content_update', 5_000)).data).toMatchObject({ id: projectId });
    await fast.close();
    await quiet.close();
  });
});
