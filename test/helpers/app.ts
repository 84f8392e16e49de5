import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container, type ContainerOptions } from '../../src/container.js';
import { buildApp } from '../../src/app.js';

export interface TestApp {
  app: FastifyInstance;
  container: Container;
  dataDir: string;
  /** Closes the app; removes the data dir unless `keepData`. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Reuse a data dir (e.g. to test persistence across restarts); uses a file database then. */
  dataDir?: string;
  /** Extra routes or hooks to add before the app is ready (test-only stand-ins). */
  configure?: (app: FastifyInstance) => void | Promise<void>;
  /** Container stand-ins (e.g. AI providers) and tuning. */
  container?: Omit<ContainerOptions, 'sqlitePath'>;
}

/** An app on a temp DATA_DIR with SQLite in memory (or on file when dataDir is given), quiet logs, fast bcrypt. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'inkframe-test-')));
  const config = loadConfig({ DATA_DIR: dataDir, BCRYPT_ROUNDS: '4', LOG_LEVEL: 'silent', ...options.env });
  const container = await createContainer(config, { ...(options.dataDir ? {} : { sqlitePath: ':memory:' }), ...options.container });
  const app = await buildApp(container, { logger: false });
  await options.configure?.(app);
  await app.ready();
  return {
    app,
    container,
    dataDir,
    async close({ keepData = false } = {}) {
      await app.close();
      if (!keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let userCounter = 0;

export interface TestUser {
  id: string;
  username: string;
  password: string;
  token: string;
  refreshToken: string;
  auth: { authorization: string };
}

export async function createUser(app: FastifyInstance, username = `user_${process.pid}_${++userCounter}`): Promise<TestUser> {
  const password = 'correct horse battery';
  const registered = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username, password } });
  if (registered.statusCode !== 201) throw new Error(`register failed: ${registered.body}`);
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  const tokens = login.json().data;
  return {
    id: registered.json().data.id,
    username,
    password,
    token: tokens.access_token,
    refreshToken: tokens.refresh_token,
    auth: { authorization: `Bearer ${tokens.access_token}` },
  };
}

/** app.inject with the user's bearer token. */
export function as(app: FastifyInstance, user: TestUser) {
  const call = (method: InjectOptions['method'], url: string, payload?: unknown): Promise<LightMyRequestResponse> =>
    app.inject({ method, url, headers: user.auth, ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }) });
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, payload?: unknown) => call('POST', url, payload ?? {}),
    put: (url: string, payload: unknown) => call('PUT', url, payload),
    delete: (url: string) => call('DELETE', url),
  };
}
