import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer, waitFor } from '../helpers/server-process.js';

/** The real entry point (src/main.ts) as a user starts it: env config, listen, graceful shutdown. */
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

const start = (env: Record<string, string>) => spawnServer({ LOG_LEVEL: 'info', BCRYPT_ROUNDS: '4', ...env });

describe('main', () => {
  it('starts on the embedded defaults, serves, and exits 0 on SIGTERM, never logging a password', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'inkframe-main-'));
    dirs.push(dataDir);
    const port = await freePort();
    const server = start({ DATA_DIR: dataDir, PORT: String(port) });
    const base = `http://127.0.0.1:${port}/api/v1`;
    await waitFor(async () => (await fetch(`${base}/health/ready`)).ok);

    const register = await fetch(`${base}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'proc_user', password: 'password123' }) });
    expect(register.status).toBe(201);
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'proc_user', password: 'password123' }) });
    expect(login.status).toBe(200);
    // In-flight requests and jobs at SIGTERM: shutdown.test.ts.
    server.child.kill('SIGTERM');
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
