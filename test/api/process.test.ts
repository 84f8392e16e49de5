import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** The real entry point (src/main.ts) as a user starts it: env config, listen, graceful shutdown. */
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function start(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', BCRYPT_ROUNDS: '4', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('timed out');
}

describe('main', () => {
  it('starts on the embedded defaults, serves, and exits 0 on SIGTERM after finishing in-flight requests', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-main-'));
    dirs.push(dataDir);
    const port = await freePort();
    const server = start({ DATA_DIR: dataDir, PORT: String(port) });
    const base = `http://127.0.0.1:${port}/api/v1`;
    await waitFor(async () => (await fetch(`${base}/health/ready`)).ok);

    const register = await fetch(`${base}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'proc_user', password: 'password123' }) });
    expect(register.status).toBe(201);
    // A request in flight when the signal arrives still gets its answer.
    const inFlight = fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'proc_user', password: 'password123' }) });
    await new Promise((resolve) => setTimeout(resolve, 5));
    server.child.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    const code = await server.exited;
    expect(code, server.output()).toBe(0);
    expect(server.output()).not.toContain('password123');
  });

  it('refuses to start on a bad value, naming the variable', async () => {
    const server = start({ PORT: 'eighty', DATA_DIR: path.join(tmpdir(), 'inkframe-never') });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('PORT');
  });
});
