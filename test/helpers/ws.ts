/**
 * WebSocket test helpers: an app listening on a real port (with short realtime timers) and
 * a client that collects frames and waits for a matching one with a timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { WebSocket, type ClientOptions } from 'ws';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container.js';
import { buildApp } from '../../src/app.js';
import type { RealtimeTuning } from '../../src/ws/realtime.plugin.js';

export interface Frame {
  type: string;
  data: Record<string, unknown>;
  timestamp: string;
}

export interface LiveApp {
  app: FastifyInstance;
  container: Container;
  /** `ws://127.0.0.1:<port>/api/v1/ws/<projectId>`, with `?token=` when given. */
  wsUrl(projectId: string, token?: string): string;
  close(): Promise<void>;
}

export interface LiveAppOptions {
  realtime?: RealtimeTuning;
  logger?: FastifyServerOptions['logger'];
  env?: Record<string, string>;
}

export async function startLiveApp({ realtime = {}, logger = false, env = {} }: LiveAppOptions = {}): Promise<LiveApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-ws-'));
  const config = loadConfig({ DATA_DIR: dataDir, BCRYPT_ROUNDS: '4', LOG_LEVEL: 'silent', ...env });
  const container = await createContainer(config, { sqlitePath: ':memory:' });
  const app = await buildApp(container, { logger, realtime });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    container,
    wsUrl: (projectId, token) => `ws://127.0.0.1:${port}/api/v1/ws/${projectId}${token ? `?token=${encodeURIComponent(token)}` : ''}`,
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Closed {
  code: number;
  reason: string;
}

export class WsClient {
  readonly frames: Frame[] = [];
  /** Frames not yet returned by next(). */
  private pending: Frame[] = [];
  private waiters: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }[] = [];
  readonly closed: Promise<Closed>;

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as Frame;
      this.frames.push(frame);
      const waiter = this.waiters.find((candidate) => candidate.match(frame));
      if (waiter) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      } else {
        this.pending.push(frame);
      }
    });
    socket.on('error', () => undefined);
  }

  /** Resolves once open (a refused socket opens and is then closed: see `closed`). */
  static connect(url: string, protocols?: string | string[], options: ClientOptions = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, protocols, options);
      const client = new WsClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) => reject(new Error(`unexpected response ${response.statusCode}`)));
      socket.once('error', reject);
    });
  }

  /** The first unconsumed frame matching `match` (by type when a string), waiting up to `timeoutMs`. */
  next(match: string | ((frame: Frame) => boolean), timeoutMs = 2_000): Promise<Frame> {
    const predicate = typeof match === 'string' ? (frame: Frame) => frame.type === match : match;
    const index = this.pending.findIndex(predicate);
    if (index !== -1) return Promise.resolve(this.pending.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        match: predicate,
        resolve: (frame: Frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.map((frame) => frame.type))}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Resolves with the frames received during `ms` that match (for asserting silence). */
  async collect(ms: number, match: (frame: Frame) => boolean = () => true): Promise<Frame[]> {
    const start = this.frames.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.frames.slice(start).filter(match);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
  }

  /** Closes (if still open) and waits for the close to complete. */
  async close(): Promise<Closed> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close();
    return this.closed;
  }
}

/** Waits until `check` is true, polling; fails after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
