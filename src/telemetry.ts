/**
 * OpenTelemetry tracing, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: a NodeTracerProvider
 * with an AsyncLocalStorage context manager, the W3C trace-context propagator and a batching
 * OTLP/HTTP (JSON) exporter, e.g. to Jaeger on :4318. Spans come from our own port decorators
 * and the HTTP plugin in src/adapters/otel/ (the project is ESM, where patching drivers would
 * need loader hooks). Without an endpoint nothing is registered and the API stays a no-op.
 */
import { hostname } from 'node:os';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Config } from './config.js';

export interface Telemetry {
  /** True when spans are recorded and exported. */
  readonly enabled: boolean;
  /** Exports the spans ended so far (tests; before a planned stop). */
  flush(): Promise<void>;
  /** Flushes, stops exporting and unregisters the provider. */
  shutdown(): Promise<void>;
}

let active: NodeTracerProvider | null = null;

/** Whether startTelemetry() registered a provider; the composition root decorates ports only then. */
export function tracingEnabled(): boolean {
  return active !== null;
}

/** OTLP/HTTP: the signal path is appended to the base endpoint (`http://jaeger:4318` -> `.../v1/traces`). */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

const disabled: Telemetry = { enabled: false, flush: async () => undefined, shutdown: async () => undefined };

/** The SDK is loaded only when an endpoint is set, so a server without tracing starts faster. */
export async function startTelemetry(config: Pick<Readonly<Config>, 'otelEndpoint' | 'otelServiceName' | 'role'>): Promise<Telemetry> {
  if (!config.otelEndpoint) return disabled;
  if (active) throw new Error('Telemetry is already started');
  // The API too: a server without tracing never loads any of OpenTelemetry.
  const [{ context, diag, DiagLogLevel, propagation, trace }, { W3CTraceContextPropagator }, { OTLPTraceExporter }, { defaultResource, resourceFromAttributes }, { BatchSpanProcessor, NodeTracerProvider }, { ATTR_SERVICE_NAME }] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/core'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/semantic-conventions'),
    ]);
  if (active) throw new Error('Telemetry is already started');

  // Export failures (collector down, wrong URL) would otherwise be silent.
  diag.setLogger(
    {
      error: (message) => process.stderr.write(`opentelemetry: ${message}\n`),
      warn: (message) => process.stderr.write(`opentelemetry: ${message}\n`),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );

  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: config.otelServiceName,
        'service.instance.id': `${hostname()}:${process.pid}`,
        'inkframe.role': config.role,
      }),
    ),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(config.otelEndpoint) }))],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  active = provider;

  let stopped: Promise<void> | null = null;
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= provider.shutdown().finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
        diag.disable();
        if (active === provider) active = null;
      });
      return stopped;
    },
  };
}
