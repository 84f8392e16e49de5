/**
 * App instances on Redis for the test/api/redis-*.test.ts suites: like buildTestApp, plus a
 * Redis key prefix per test run, and optionally one SQLite file shared by several instances
 * (two "processes" over one database).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container.js';
import { buildApp } from '../../src/app.js';

export interface RedisTestApp {
  app: FastifyInstance;
  container: Container;
  close(): Promise<void>;
}

export interface RedisAppOptions {
  /** REDIS_URL; omitted: the embedded adapters. */
  redisUrl?: string;
  keyPrefix: string;
  /** A directory shared by the instances of one test: DATA_DIR and the SQLite file. */
  dataDir: string;
  env?: Record<string, string>;
}

export const JWT_SECRET = 'redis-suite-secret-0123456789-abcdefghij';

export async function sharedDataDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'inkframe-redis-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function buildRedisApp(options: RedisAppOptions): Promise<RedisTestApp> {
  const config = loadConfig({
    DATA_DIR: options.dataDir,
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'silent',
    JWT_SECRET,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  });
  const container = await createContainer(config, { sqlitePath: path.join(options.dataDir, 'inkframe.db'), redisKeyPrefix: options.keyPrefix });
  const app = await buildApp(container, { logger: false });
  await app.ready();
  return { app, container, close: () => app.close() };
}
