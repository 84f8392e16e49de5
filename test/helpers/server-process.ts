/**
 * The real server (src/main.ts, as `npm start` runs it) as a child process: env config, a
 * free port, readiness, signals. For the suites that must see what only a real process shows
 * (SIGKILL mid-write, SIGTERM and the exit code, several processes sharing one database).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const STARTUP_MS = 60_000;

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  port: number;
  /** http://127.0.0.1:<port>/api/v1 */
  base: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Sends `signal` (if the process still runs) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Polls `check` (errors count as "not yet") until it returns something truthy; throws naming `what` at the deadline. */
export async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = STARTUP_MS, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs = STARTUP_MS): Promise<void> {
  await until('the condition', check, timeoutMs);
}

/**
 * Spawns `node --import tsx src/main.ts` with exactly PATH plus `env` (nothing else leaks in
 * from the test process, so a developer's own variables cannot change the test). PORT in
 * `env` wins over `port`.
 */
export function spawnServer(env: Record<string, string>, options: { name?: string; port?: number } = {}): ServerProcess {
  const port = options.port ?? Number(env.PORT ?? 0);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    name: options.name ?? 'server',
    child,
    port,
    base: `http://127.0.0.1:${port}/api/v1`,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (running()) child.kill(signal);
      return exited;
    },
  };
}

/** Spawns the server on a free port and resolves once /health/ready answers 200 (fails fast, with its output, if it exits). */
export async function startServer(env: Record<string, string>, options: { name?: string; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const proc = spawnServer(env, { name: options.name, port: await freePort() });
  const name = proc.name;
  let failed = false;
  try {
    await Promise.race([
      until(`${name} ready`, async () => (await fetch(`${proc.base}/health/ready`)).ok, options.timeoutMs ?? STARTUP_MS),
      proc.exited.then((code) => {
        throw new Error(`${name} exited (${code}) during start:\n${proc.output()}`);
      }),
    ]);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    if (failed) await proc.stop();
  }
  return proc;
}

export interface Answer {
  status: number;
  json: Json;
  headers: Headers;
}

/** One JSON call to the API of `base` (http://host:port/api/v1). */
export async function call(base: string, method: string, url: string, token?: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Json, headers: response.headers };
}

/** A 201/202 call's `data`; anything else throws with the answer. */
export async function created(base: string, url: string, token: string, body: Json): Promise<Json> {
  const { status, json } = await call(base, 'POST', url, token, body);
  if (status !== 201 && status !== 202) throw new Error(`POST ${url}: ${status} ${JSON.stringify(json)}`);
  return json.data;
}

/** Registers and logs in a user; resolves with the access token. */
export async function registerUser(base: string, username: string, password = 'correct horse battery'): Promise<string> {
  await created(base, '/auth/register', '', { username, password });
  const login = await call(base, 'POST', '/auth/login', undefined, { username, password });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.json)}`);
  return login.json.data.access_token as string;
}
