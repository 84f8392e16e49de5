/** A small keep-alive HTTP client for seeding and for precisely timed single requests. */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';

export const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Request start to last body byte, ms. */
  ms: number;
}

export interface CallOptions {
  token?: string | undefined;
  json?: unknown;
  body?: Buffer;
  headers?: Record<string, string>;
}

export function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: Buffer | undefined = options.body;
  if (options.json !== undefined) {
    payload = Buffer.from(JSON.stringify(options.json));
    headers['content-type'] = 'application/json';
  }
  if (payload) headers['content-length'] = String(payload.length);
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Calls and unwraps the success envelope, failing loudly on an unexpected status. */
export async function api<T>(base: string, method: string, path: string, options: CallOptions & { expect?: number } = {}): Promise<T> {
  const reply = await call(base, method, path, options);
  const expected = options.expect ?? (method === 'POST' ? 201 : 200);
  if (reply.status !== expected) {
    throw new Error(`${method} ${path}: expected ${expected}, got ${reply.status}: ${reply.body.toString().slice(0, 500)}`);
  }
  return (JSON.parse(reply.body.toString()) as { data: T }).data;
}

/** Runs `tasks` with at most `concurrency` in flight; rejects on the first failure. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  });
  await Promise.all(workers);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / (sorted.length || 1);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, mean };
}

/**
 * One connection, one request at a time, for `seconds` (at most `maxRequests`): latency as a
 * single user sees it, timed to the microsecond (autocannon rounds to whole milliseconds).
 */
export async function sequentialLatency(base: string, path: string, token: string, seconds: number, maxRequests = 100_000): Promise<LatencySummary & { failures: number }> {
  const samples: number[] = [];
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end && samples.length < maxRequests) {
    const reply = await call(base, 'GET', path, { token });
    if (reply.status !== 200) failures += 1;
    samples.push(reply.ms);
  }
  return { ...summarize(samples), failures };
}
