/**
 * Composition root: the only place that picks adapters. Everything else receives ports.
 */
import { access, mkdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import type { DocumentStore } from './ports/document-store.js';
import type { EventBus } from './ports/event-bus.js';
import type { TokenDenylist } from './ports/token-denylist.js';
import { openSqliteDocumentStore } from './adapters/sqlite/sqlite-document-store.js';
import { createMemoryEventBus } from './adapters/memory/memory-event-bus.js';
import { createStoredTokenDenylist } from './adapters/memory/stored-token-denylist.js';
import { createBcryptPasswordHasher } from './adapters/bcrypt/bcrypt-password-hasher.js';
import { loadOrCreateSecret } from './adapters/files/secret-file.js';
import { createTokenCodec } from './lib/jwt.js';
import { createAuthService } from './modules/auth/auth.service.js';
import { createHealthService, type HealthCheck } from './modules/health/health.service.js';
import { createProjectsService } from './modules/projects/projects.service.js';

export interface ContainerOptions {
  /** SQLite file path; ':memory:' for tests. Defaults to DATA_DIR/inkframe.db. */
  sqlitePath?: string;
}

export type Container = Awaited<ReturnType<typeof createContainer>>;

export async function createContainer(config: Readonly<Config>, options: ContainerOptions = {}) {
  await mkdir(config.dataDir, { recursive: true });
  const closers: (() => Promise<void>)[] = [];

  const store: DocumentStore = openSqliteDocumentStore({ path: options.sqlitePath ?? path.join(config.dataDir, 'inkframe.db') });
  closers.push(() => store.close());
  const events: EventBus = createMemoryEventBus();
  closers.push(() => events.close());
  const denylist: TokenDenylist = await createStoredTokenDenylist(store);
  closers.push(() => denylist.close());

  const jwtSecret = config.jwtSecret ?? (await loadOrCreateSecret(config.dataDir, 'jwt-secret'));

  const healthChecks: HealthCheck[] = [
    { name: 'sqlite', up: 'connected', down: 'disconnected', check: () => store.ping() },
    {
      name: 'filesystem',
      up: 'available',
      down: 'unavailable',
      check: () => access(config.dataDir, constants.W_OK).then(() => true),
    },
  ];

  const services = {
    auth: createAuthService({ store, hasher: createBcryptPasswordHasher(config.bcryptRounds), tokens: createTokenCodec(jwtSecret), denylist }),
    projects: createProjectsService({ store, events }),
    health: createHealthService(healthChecks),
  };

  return {
    config,
    store,
    events,
    denylist,
    services,
    /** Closes adapters in reverse order of creation. */
    async close(): Promise<void> {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
}
