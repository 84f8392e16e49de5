/**
 * External services for the suites that need them. They run when the URL is set (CI starts
 * the services and exports the URLs) and say loudly that they were skipped otherwise.
 */
export const MONGODB_URL = process.env.MONGODB_URL;
export const REDIS_URL = process.env.REDIS_URL;
export const OTEL_ENDPOINT = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
/** Jaeger's query API (http://host:16686), to read back the traces sent to OTEL_ENDPOINT. */
export const JAEGER_QUERY_URL = process.env.JAEGER_QUERY_URL;

export function announceSkip(suite: string, variable: string): void {
  process.stderr.write(`\n*** SKIPPED: ${suite} — set ${variable} to run it (.ci/run starts the service) ***\n\n`);
}
