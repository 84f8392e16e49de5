/**
 * Entry point: parse configuration, build the container and the app, listen, and shut down
 * gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close storage).
 */
import { ConfigError, loadConfig } from './config.js';
import { createContainer } from './container.js';
import { buildApp } from './app.js';
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
  const app = await buildApp(container);
  await app.listen({ host: config.host, port: config.port });
  app.log.info({ role: config.role, data_dir: config.dataDir, tracing: telemetry.enabled }, 'inkframe started');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, 15_000);
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
