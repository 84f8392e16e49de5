import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tracePlugin } from '../../src/http/trace.js';
import { errorHandlerPlugin } from '../../src/http/error-handler.js';
import { loggerOptions } from '../../src/http/logging.js';
import { AuthenticationError, NotFoundError } from '../../src/errors.js';
import type { AppEvent, EventHandler } from '../../src/ports/event-bus.js';
import type { AuthenticatedUser } from '../../src/modules/auth/auth.service.js';
import { realtimePlugin } from '../../src/ws/realtime.plugin.js';
import { as, createUser } from '../helpers/app.js';
import { startLiveApp, WsClient } from '../helpers/ws.js';

const USER = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const PROJECT = 'bbbbbbbbbbbbbbbbbbbbbbbb';

/** The gateway alone, with a stand-in for authentication whose expiry and failures we control. */
async function bareGateway() {
  const handlers = new Set<EventHandler>();
  const state = { failing: false };
  const authenticate = async (token: string): Promise<AuthenticatedUser> => {
    if (token !== 'long' && token !== 'short') throw new AuthenticationError('Invalid or expired access token');
    if (state.failing) throw new Error('denylist unreachable');
    const now = Math.floor(Date.now() / 1000);
    const exp = token === 'short' ? now + 1 : now + 1800;
    return { id: USER, claims: { sub: USER, typ: 'access', jti: 'j', fam: 'f', ims: Date.now(), iat: now, exp } };
  };
  const app: FastifyInstance = Fastify({ logger: false });
  await app.register(tracePlugin);
  await app.register(errorHandlerPlugin);
  await app.register(realtimePlugin, {
    events: { subscribe: (handler) => (handlers.add(handler), () => handlers.delete(handler)) },
    authenticate,
    loadProject: async (_userId, projectId) => {
      if (projectId !== PROJECT) throw new NotFoundError('Project');
    },
    recheckMs: 50,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const publish = (event: AppEvent) => handlers.forEach((handler) => handler(event));
  return { app, state, publish, url: (token: string) => `ws://127.0.0.1:${port}/api/v1/ws/${PROJECT}?token=${token}` };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup) await close();
  cleanup = [];
});

describe('WS gateway: token lifetime and shutdown', () => {
  it('closes a socket with 4401 once its access token expires', async () => {
    const gateway = await bareGateway();
    cleanup.push(() => gateway.app.close());
    const short = await WsClient.connect(gateway.url('short'));
    const long = await WsClient.connect(gateway.url('long'));
    expect(await short.closed).toEqual({ code: 4401, reason: 'Access token expired' });
    expect(long.socket.readyState).toBe(long.socket.OPEN);
    await long.close();
  });

  it('keeps sockets open when the re-check fails for a reason other than the token', async () => {
    const gateway = await bareGateway();
    cleanup.push(() => gateway.app.close());
    const client = await WsClient.connect(gateway.url('long'));
    gateway.state.failing = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    gateway.publish({ type: 'draft_ready', project_id: PROJECT, owner_id: USER, data: { draft_id: PROJECT }, timestamp: new Date().toISOString() });
    expect((await client.next('draft_ready')).data).toEqual({ draft_id: PROJECT });
    await client.close();
  });

  it('says goodbye with 1001 when the server shuts down', async () => {
    const gateway = await bareGateway();
    const client = await WsClient.connect(gateway.url('long'));
    await gateway.app.close();
    expect(await client.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
  });
});

describe('WS: logs', () => {
  it('never writes the token to the logs, from the query or the subprotocol', async () => {
    const lines: string[] = [];
    const options = loggerOptions('debug') as Record<string, unknown>;
    const live = await startLiveApp({ logger: { ...options, stream: { write: (line: string) => lines.push(line) } } });
    cleanup.push(() => live.close());
    const user = await createUser(live.app);
    const projectId = (await as(live.app, user).post('/api/v1/projects', { title: 'Logs' })).json().data.id;

    const byQuery = await WsClient.connect(live.wsUrl(projectId, user.token));
    const byProtocol = await WsClient.connect(live.wsUrl(projectId), ['bearer', user.token]);
    const refused = await WsClient.connect(live.wsUrl(projectId, `${user.token}x`));
    await refused.closed;
    await Promise.all([byQuery.close(), byProtocol.close()]);

    const log = lines.join('');
    expect(log).toContain(`/api/v1/ws/${projectId}?token=[redacted]`);
    expect(log).toContain('websocket connected');
    const signature = user.token.split('.')[2]!;
    expect(log).not.toContain(signature);
  });
});

describe('WS: rate limit', () => {
  it('counts handshakes against the default limit per user, not per IP', async () => {
    const live = await startLiveApp({ env: { RATE_LIMIT_DEFAULT: '5/minute' } });
    cleanup.push(() => live.close());
    const [alice, bob] = [await createUser(live.app), await createUser(live.app)];
    const aliceProject = (await as(live.app, alice).post('/api/v1/projects', { title: 'A' })).json().data.id;
    const bobProject = (await as(live.app, bob).post('/api/v1/projects', { title: 'B' })).json().data.id;

    const sockets: WsClient[] = [];
    for (let index = 0; index < 4; index++) sockets.push(await WsClient.connect(live.wsUrl(aliceProject, alice.token)));
    await expect(WsClient.connect(live.wsUrl(aliceProject, alice.token))).rejects.toThrow('unexpected response 429');
    sockets.push(await WsClient.connect(live.wsUrl(bobProject, bob.token)));
    await Promise.all(sockets.map((socket) => socket.close()));
  });
});
