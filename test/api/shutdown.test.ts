/**
 * Graceful shutdown of the real server (src/main.ts) on SIGTERM: a request in flight completes;
 * a request that starts afterwards gets a 503 `service_unavailable` in the API envelope with
 * `Connection: close`, new connections are refused and idle keep-alive sockets are closed; a
 * job that can finish within the grace period finishes, one that cannot goes back to `queued`
 * (never left `running`) and completes after the restart; the storage is closed cleanly and
 * the process exits 0 within 10 s.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAutomatic1111 } from '../fakes/automatic1111.js';
import { call, created, registerUser, startServer, until, type Json, type ServerProcess } from '../helpers/server-process.js';

let fake: Awaited<ReturnType<typeof startFakeAutomatic1111>>;
let dataDir = '';
let server: ServerProcess | undefined;

beforeAll(async () => {
  fake = await startFakeAutomatic1111();
  dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-shutdown-'));
});
afterAll(async () => {
  await server?.stop();
  await fake?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A raw TCP connection to the server, to control exactly when each byte of a request goes out. */
async function rawConnection(port: number): Promise<{ socket: Socket; closed: Promise<void>; answer: Promise<RawAnswer> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString('utf8')));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  // The server ends the connection after the answer (Connection: close).
  const answer = closed.then(() => {
    const [head = '', body = ''] = received.split('\r\n\r\n');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  });
  return { socket, closed, answer };
}

async function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** Reads the job documents from the SQLite file of the stopped server. */
function storedJob(id: string): Json {
  const db = new Database(path.join(dataDir, 'inkframe.db'), { readonly: true, fileMustExist: true });
  try {
    return JSON.parse(db.prepare('SELECT data FROM jobs WHERE id = ?').pluck().get(id) as string) as Json;
  } finally {
    db.close();
  }
}

describe('graceful shutdown (SIGTERM)', () => {
  it('finishes in-flight work, refuses new work with a 503, requeues what cannot finish, and exits 0 within 10 s', async () => {
    const env = {
      DATA_DIR: dataDir,
      BCRYPT_ROUNDS: '4',
      LOG_LEVEL: 'warn',
      IMAGE_PROVIDER: 'automatic1111',
      A1111_URL: fake.url,
      JOB_CONCURRENCY: '2',
      RATE_LIMIT_GENERATION: '100000/minute',
    };
    server = await startServer(env, { name: 'shutdown-1' });
    const { base, port } = server;
    const token = await registerUser(base, `shutdown_${randomBytes(4).toString('hex')}`);
    const project = await created(base, '/projects', token, { title: 'Shutdown' });
    const chapter = await created(base, `/projects/${project.id}/chapters`, token, { title: 'One' });
    const scene = await created(base, `/chapters/${chapter.id}/scenes`, token, { title: 'Pier' });
    const panels = [
      await created(base, `/scenes/${scene.id}/panels`, token, { description: 'A long render' }),
      await created(base, `/scenes/${scene.id}/panels`, token, { description: 'A short render' }),
    ];
    const status = async (id: string) => (await call(base, 'GET', `/generate/status/${id}`, token)).json.data as Json;
    const txt2img = () => fake.calls('POST', '/sdapi/v1/txt2img').length;

    // Job A renders far longer than the shutdown grace (5 s); job B finishes within it.
    fake.tuning.delayMs = 60_000;
    const long = await created(base, `/panels/${panels[0]!.id}/generate-image`, token, {});
    await until('job A rendering', async () => (await status(long.id)).status === 'running' && txt2img() === 1, 30_000);
    fake.tuning.delayMs = 2_500;
    const short = await created(base, `/panels/${panels[1]!.id}/generate-image`, token, {});
    await until('job B rendering', async () => (await status(short.id)).status === 'running' && txt2img() === 2, 30_000);

    // An idle keep-alive connection: the server should close it when it starts draining.
    const idle = await rawConnection(port);
    idle.socket.write('GET /api/v1/health/live HTTP/1.1\r\nHost: inkframe\r\nConnection: keep-alive\r\n\r\n');
    await until('the keep-alive answer', async () => idle.socket.bytesRead > 0, 10_000);

    // A request in flight: headers sent (the server answered 100 Continue, so it is routed), body not yet.
    const body = JSON.stringify({ title: 'Written during shutdown' });
    const inFlight = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/projects',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
    });
    const inFlightAnswer = new Promise<{ response: IncomingMessage; text: string }>((resolve, reject) => {
      inFlight.on('response', (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ response, text }));
      });
      inFlight.on('error', reject);
    });
    await new Promise<void>((resolve) => inFlight.once('continue', () => resolve()));

    // A request that has begun arriving on an open connection, its headers not complete yet.
    const late = await rawConnection(port);
    late.socket.write(`GET /api/v1/projects/${project.id} HTTP/1.1\r\nHost: inkframe\r\n`);
    // A full round trip on another connection: by its answer the server has read those bytes too.
    expect((await call(base, 'GET', '/health/live')).status).toBe(200);

    const signalled = Date.now();
    server.child.kill('SIGTERM');

    // The listener is closed and the idle keep-alive socket is closed, while the request in flight still waits for its body.
    await until('new connections refused', () => refused(port), 5_000, 20);
    await Promise.race([idle.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('idle keep-alive socket still open')), 5_000))]);

    // The request that starts now: 503 in the API envelope, and the connection closes.
    late.socket.write(`Authorization: Bearer ${token}\r\n\r\n`);
    const refusal = await late.answer;
    expect(refusal.status).toBe(503);
    expect(refusal.headers.connection).toBe('close');
    expect(refusal.headers['x-trace-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(refusal.body)).toMatchObject({ success: false, code: 'service_unavailable', trace_id: refusal.headers['x-trace-id'] });

    // The request in flight completes normally.
    inFlight.end(body);
    const { response, text } = await inFlightAnswer;
    expect(response.statusCode, text).toBe(201);
    expect(response.headers.connection).toBe('close');
    const written = JSON.parse(text).data as Json;

    const code = await server.exited;
    const tookMs = Date.now() - signalled;
    expect(code, server.output()).toBe(0);
    expect(tookMs).toBeLessThan(10_000);

    // Storage closed cleanly: SQLite checkpointed and removed its write-ahead log.
    expect(existsSync(path.join(dataDir, 'inkframe.db-wal'))).toBe(false);
    // Job B finished within the grace; job A went back to the queue without spending an attempt.
    expect(storedJob(short.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(storedJob(long.id)).toMatchObject({ status: 'queued', attempts: 0, started_at: null });

    // After the restart the requeued job runs to the end, and the write from the drain is there.
    fake.tuning.delayMs = 50;
    server = await startServer(env, { name: 'shutdown-2' });
    const rerun = await until('job A to finish after the restart', async () => {
      const job = await call(server!.base, 'GET', `/generate/status/${long.id}`, token);
      return ['succeeded', 'failed'].includes(job.json.data.status) ? (job.json.data as Json) : null;
    }, 30_000);
    expect(rerun).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect((await call(server.base, 'GET', `/projects/${written.id}`, token)).json.data).toMatchObject({ title: 'Written during shutdown' });
    expect(await server.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
