/**
 * Base of the protocol-faithful fakes: an HTTP server on 127.0.0.1, port 0, that records every
 * request exactly (method, path, query, headers, parsed body) and lets a test script one-off
 * answers (an error status, a hang, a broken body) ahead of the fake's normal behaviour.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the body was JSON, the text otherwise, undefined when empty. */
  body: unknown;
}

export interface Scripted {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
  /** Never answer (until the client gives up or the server closes). */
  hang?: boolean;
  /** Cut the connection without an answer. */
  destroy?: boolean;
  delayMs?: number;
}

export type Handler = (request: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  readonly server: Server;
  private readonly scripts = new Map<string, Scripted[]>();
  private readonly hanging = new Set<ServerResponse>();
  private readonly waiters: { predicate: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];

  constructor(private readonly handler: Handler) {
    this.server = createServer((req, res) => void this.dispatch(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The next calls to METHOD path get these answers, in order, before the normal behaviour resumes. */
  script(method: string, path: string, ...answers: Scripted[]): void {
    const key = `${method} ${path}`;
    this.scripts.set(key, [...(this.scripts.get(key) ?? []), ...answers]);
  }

  calls(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  /** Resolves with the first request (already received or coming) that matches. */
  waitFor(predicate: (r: RecordedRequest) => boolean, timeoutMs = 5_000): Promise<RecordedRequest> {
    const seen = this.requests.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fake server: expected request did not arrive')), timeoutMs);
      this.waiters.push({ predicate, resolve: (r) => (clearTimeout(timer), resolve(r)) });
    });
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown = raw === '' ? undefined : raw;
    if (raw && (req.headers['content-type'] ?? '').includes('application/json')) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
    this.requests.push(recorded);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(recorded)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(recorded);
      }
    }
    const queue = this.scripts.get(`${recorded.method} ${recorded.path}`);
    const scripted = queue?.shift();
    if (scripted) return this.answer(scripted, res);
    try {
      await this.handler(recorded, res);
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { error: String((error as Error).message) });
    }
  }

  private async answer(scripted: Scripted, res: ServerResponse): Promise<void> {
    if (scripted.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
    if (scripted.destroy) return void res.socket?.destroy();
    if (scripted.hang) {
      this.hanging.add(res);
      return;
    }
    const status = scripted.status ?? 200;
    if (scripted.json !== undefined) return sendJson(res, status, scripted.json, scripted.headers);
    res.writeHead(status, { 'content-type': 'text/plain', ...scripted.headers });
    res.end(scripted.text ?? '');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text).toString(), ...headers });
  res.end(text);
}

/** A real PNG of the given size, its colour derived from `seed` so different images differ. */
export function fakePng(width: number, height: number, seed = 0): Promise<Buffer> {
  const channel = (shift: number) => (Math.abs(seed * 2654435761) >>> shift) & 255;
  return sharp({ create: { width, height, channels: 3, background: { r: channel(0), g: channel(8), b: channel(16) } } })
    .png()
    .toBuffer();
}
