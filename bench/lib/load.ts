/**
 * Load runs with autocannon, and the raw node:http baseline that answers the same bytes.
 * Every throughput case runs the app and then the baseline back to back in the same run,
 * and reports app/raw as the ratio.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { call, type Reply } from './http.js';
import { nodeLoad } from './node-load.js';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  /** Answers with a 2xx status: for writes, the acknowledged ones. */
  ok2xx: number;
  errors: number;
  seconds: number;
  /** Bytes/s read. */
  throughput: number;
}

export interface LoadOptions {
  url: string;
  seconds: number;
  connections?: number;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Builds each request's body (e.g. to make every upload unique). */
  bodyFor?: () => Buffer;
  /** Cycle through these paths (same host) instead of the url's own path (autocannon only). */
  paths?: string[];
  /** 'node' for large bodies (see node-load.ts); autocannon otherwise. */
  engine?: 'autocannon' | 'node';
  warmupSeconds?: number;
}

async function once(options: LoadOptions, seconds: number): Promise<LoadResult> {
  if (options.engine === 'node') return nodeLoad(options, seconds);
  const { bodyFor } = options;
  const method = options.method ?? 'GET';
  const headers = options.headers ?? {};
  const result = await autocannon({
    url: options.url,
    connections: options.connections ?? 10,
    duration: seconds,
    method,
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
    // autocannon only rebuilds a request per send when the setupRequest is on the request itself.
    ...(bodyFor ? { requests: [{ method, headers, setupRequest: (req: autocannon.Request) => ({ ...req, body: bodyFor() }) }] } : {}),
    ...(options.paths ? { requests: options.paths.map((path) => ({ method, path, headers, ...(options.body !== undefined ? { body: options.body } : {}) })) } : {}),
    timeout: 30,
  });
  return {
    rps: result.requests.total / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    ok2xx: result['2xx'],
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    throughput: result.throughput.average,
  };
}

/** A short untimed warm-up (JIT, caches, connections), then the measured run. */
export async function load(options: LoadOptions): Promise<LoadResult & { warmup?: LoadResult }> {
  const seconds = options.warmupSeconds ?? 1;
  const warmup = seconds > 0 ? await once(options, seconds) : undefined;
  return { ...(await once(options, options.seconds)), ...(warmup ? { warmup } : {}) };
}

/** A single run with no warm-up, e.g. one that the server is killed in the middle of. */
export const loadOnce = (options: LoadOptions) => once(options, options.seconds);

/** Headers the baseline must not copy: node:http sets its own framing and connection headers. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'date', 'transfer-encoding']);

export function replayableHeaders(reply: Reply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (headers['content-length'] === undefined) headers['content-length'] = String(reply.body.length);
  return headers;
}

export interface RawServer {
  base: string;
  pid: number;
  /** Answers `method url` with the recorded reply (or streams `file` with its headers). */
  register(method: string, url: string, reply: Reply, file?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startRawServer(script: string, args: string[] = []): Promise<RawServer> {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.once('line', (line) => resolve(Number(line)));
    child.once('exit', (code) => reject(new Error(`raw server exited with ${code}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    pid: child.pid!,
    async register(method, url, reply, file) {
      const spec = { method, url, status: reply.status, headers: replayableHeaders(reply), ...(file ? { file } : { body_base64: reply.body.toString('base64') }) };
      const answer = await call(base, 'POST', '/__routes', { json: spec });
      if (answer.status !== 204) throw new Error(`raw server refused the route ${url}`);
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
