/**
 * The connection registry: sockets grouped by project, fed from the EventBus. One timer
 * each (not one per socket) drives the heartbeat and the token re-check, so thousands of
 * idle sockets cost little.
 */
import { WebSocket, type RawData } from 'ws';
import type { AppEvent, EventBus } from '../ports/event-bus.js';
import type { AuthenticatedUser } from '../modules/auth/auth.service.js';
import { AppError } from '../errors.js';
import { CLOSE, Subscriptions, frame, parseClientMessage, type ServerFrame } from './messages.js';

export interface GatewayTuning {
  /** Ping interval; a socket that has not answered the previous ping by the next one is dropped. */
  heartbeatMs?: number;
  /** How often every socket's token is checked again (logout, password change, expiry). */
  recheckMs?: number;
  /** A socket whose unsent data passes this many bytes is closed with 4008. */
  maxBufferedBytes?: number;
  /** After a close for slowness, how long the client gets to read the close frame. */
  closeGraceMs?: number;
}

export interface GatewayDeps extends GatewayTuning {
  events: Pick<EventBus, 'subscribe'>;
  authenticate(token: string): Promise<AuthenticatedUser>;
  log: { debug(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

interface Connection {
  socket: WebSocket;
  userId: string;
  projectId: string;
  token: string;
  expiresAtMs: number;
  subscriptions: Subscriptions;
  alive: boolean;
}

export const GATEWAY_DEFAULTS = { heartbeatMs: 30_000, recheckMs: 2_000, maxBufferedBytes: 1_048_576, closeGraceMs: 1_000 };

export function createGateway(deps: GatewayDeps) {
  const tuning = { ...GATEWAY_DEFAULTS, ...deps };
  const byProject = new Map<string, Set<Connection>>();
  let rechecking = false;

  function* all(): Iterable<Connection> {
    for (const set of byProject.values()) yield* set;
  }

  function detach(conn: Connection): void {
    const set = byProject.get(conn.projectId);
    if (!set?.delete(conn)) return;
    if (set.size === 0) byProject.delete(conn.projectId);
  }

  function close(conn: Connection, code: number, reason: string): void {
    detach(conn);
    if (conn.socket.readyState === WebSocket.OPEN || conn.socket.readyState === WebSocket.CONNECTING) conn.socket.close(code, reason);
  }

  function dropSlow(conn: Connection): void {
    deps.log.warn({ project_id: conn.projectId, user_id: conn.userId, buffered: conn.socket.bufferedAmount }, 'websocket client too slow; closing');
    close(conn, CLOSE.tooSlow, 'Client too slow; reconnect and refetch');
    // The close frame waits behind the unread data; do not hold that memory for long.
    setTimeout(() => conn.socket.terminate(), tuning.closeGraceMs).unref();
  }

  /** Sends unless the client is not keeping up; never lets the buffer grow past the limit. */
  function send(conn: Connection, payload: Buffer): void {
    if (conn.socket.readyState !== WebSocket.OPEN) return;
    if (conn.socket.bufferedAmount + payload.length > tuning.maxBufferedBytes) return dropSlow(conn);
    conn.socket.send(payload, { binary: false });
  }

  const encode = (message: ServerFrame) => Buffer.from(JSON.stringify(message));
  const sendFrame = (conn: Connection, message: ServerFrame) => send(conn, encode(message));

  function onEvent(event: AppEvent): void {
    const set = byProject.get(event.project_id);
    if (!set) return;
    let payload: Buffer | undefined;
    const projectDeleted =
      event.type === 'content_update' && event.data.resource === 'project' && event.data.id === event.project_id && event.data.action === 'deleted';
    for (const conn of [...set]) {
      if (conn.userId !== event.owner_id) continue;
      if (conn.subscriptions.wants(event)) {
        // Encoded once per event, not once per socket: fan-out to many sockets stays cheap.
        payload ??= encode({ type: event.type, data: event.data, timestamp: event.timestamp });
        send(conn, payload);
      }
      if (projectDeleted) close(conn, CLOSE.notFound, 'Project deleted');
    }
  }

  function onMessage(conn: Connection, raw: RawData, isBinary: boolean): void {
    conn.alive = true;
    if (isBinary) return sendFrame(conn, frame('error', { code: 'bad_request', message: 'Binary frames are not supported; send JSON text' }));
    const message = parseClientMessage(raw.toString());
    if (!message.ok) {
      const details = message.field ? [{ field: message.field, message: message.message }] : null;
      return sendFrame(conn, frame('error', { code: message.code, message: message.message, details }));
    }
    const { type, target } = message;
    if (type === 'subscribe' && !conn.subscriptions.add(target)) {
      return sendFrame(conn, frame('error', { code: 'too_many_subscriptions', message: 'Subscription limit reached', details: null }));
    }
    if (type === 'unsubscribe') conn.subscriptions.remove(target);
    sendFrame(conn, frame(type === 'subscribe' ? 'subscribed' : 'unsubscribed', { ...target, subscriptions: conn.subscriptions.list() }));
  }

  function heartbeat(): void {
    for (const conn of [...all()]) {
      if (!conn.alive) {
        deps.log.debug({ project_id: conn.projectId, user_id: conn.userId }, 'websocket missed a pong; terminating');
        detach(conn);
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      if (conn.socket.readyState === WebSocket.OPEN) conn.socket.ping();
    }
  }

  /** Re-authenticates every socket; a token shared by many sockets is checked once. */
  async function recheck(): Promise<void> {
    if (rechecking) return;
    rechecking = true;
    try {
      const verdicts = new Map<string, Promise<string | null>>();
      const check = (token: string) =>
        deps.authenticate(token).then(
          () => null,
          (error: unknown) => (error instanceof AppError && error.statusCode === 401 ? error.message : null),
        );
      const conns = [...all()];
      const results = await Promise.all(
        conns.map((conn) => {
          if (Date.now() >= conn.expiresAtMs) return 'Access token expired';
          let verdict = verdicts.get(conn.token);
          if (!verdict) verdicts.set(conn.token, (verdict = check(conn.token)));
          return verdict;
        }),
      );
      conns.forEach((conn, index) => {
        const reason = results[index];
        if (reason) close(conn, CLOSE.unauthorized, reason);
      });
    } finally {
      rechecking = false;
    }
  }

  const unsubscribe = deps.events.subscribe(onEvent);
  const heartbeatTimer = setInterval(heartbeat, tuning.heartbeatMs).unref();
  const recheckTimer = setInterval(() => void recheck(), tuning.recheckMs).unref();

  return {
    attach(socket: WebSocket, identity: { user: AuthenticatedUser; token: string; projectId: string }): void {
      const conn: Connection = {
        socket,
        userId: identity.user.id,
        projectId: identity.projectId,
        token: identity.token,
        expiresAtMs: identity.user.claims.exp * 1000,
        subscriptions: new Subscriptions(),
        alive: true,
      };
      let set = byProject.get(conn.projectId);
      if (!set) byProject.set(conn.projectId, (set = new Set()));
      set.add(conn);
      socket.on('pong', () => (conn.alive = true));
      socket.on('message', (raw, isBinary) => onMessage(conn, raw, isBinary));
      socket.on('close', (code) => {
        detach(conn);
        deps.log.debug({ project_id: conn.projectId, user_id: conn.userId, code }, 'websocket closed');
      });
    },

    /** Open sockets, for one project or in total. */
    connectionCount(projectId?: string): number {
      if (projectId !== undefined) return byProject.get(projectId)?.size ?? 0;
      let count = 0;
      for (const set of byProject.values()) count += set.size;
      return count;
    },

    /** Stops the timers and the bus subscription and says goodbye to every socket. */
    close(): void {
      clearInterval(heartbeatTimer);
      clearInterval(recheckTimer);
      unsubscribe();
      for (const conn of [...all()]) close(conn, CLOSE.goingAway, 'Server shutting down');
    },
  };
}

export type Gateway = ReturnType<typeof createGateway>;
