/**
 * Entry point: parse configuration, build the container and the app for the role (api and
 * all: the whole API; worker: jobs plus the health probes), listen, and shut down gracefully
 * on SIGTERM/SIGINT (stop accepting, finish in-flight requests and jobs, close storage).
 */
import { ConfigError, loadConfig } from './config.js';
import { createContainer } from './container.js';
import { buildApp } from './app.js';
import { buildWorkerApp } from './worker-app.js';
import { startTelemetry } from './telemetry.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  // Before the container: the composition root decorates ports with spans only when tracing is on.
  const telemetry = await startTelemetry(config);
  const container = await createContainer(config);
  // A worker runs jobs and answers only the health probes; api and all serve the whole API.
  const app = config.role === 'worker' ? await buildWorkerApp(container) : await buildApp(container);
  await app.listen({ host: config.host, port: config.port });
  const backends = {
    store: config.mongodbUrl ? 'mongodb' : 'sqlite',
    jobs: config.redisUrl ? 'bullmq' : 'embedded',
    events_cache_denylist: config.redisUrl ? 'redis' : 'in-process',
    runs_jobs: config.role !== 'api',
    serves_api: config.role !== 'worker',
  };
  app.log.info({ role: config.role, ...backends, data_dir: config.dataDir, tracing: telemetry.enabled }, `inkframe started (role ${config.role})`);
  if (!config.redisUrl) app.log.info('no REDIS_URL: one process does everything; only ROLE=all is valid without Redis');
  else if (!config.mongodbUrl && config.role !== 'all') app.log.warn('several processes on SQLite must share DATA_DIR on one machine; use MONGODB_URL to spread them');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // Out within 10 s of the signal even if something hangs; the job queue's grace (5 s) and abort (1 s) fit inside.
    const force = setTimeout(() => {
      app.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, 9_000);
    force.unref();
    // Spans of the last requests are exported before the process ends.
    app.close().then(
      () => telemetry.shutdown().finally(() => process.exit(0)),
      (error: unknown) => {
        app.log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`inkframe failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
