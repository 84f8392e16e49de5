/**
 * Tracing suites: telemetry started against a fake OTLP receiver (needs nothing external, so
 * these suites always run), an app built after it (the container decorates its ports then),
 * and helpers to find exported spans and check how they nest.
 */
import { loadConfig } from '../../src/config.js';
import { startTelemetry, type Telemetry } from '../../src/telemetry.js';
import { buildTestApp, type TestApp, type TestAppOptions } from '../helpers/app.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../fakes/otlp-receiver.js';

export const SERVICE_NAME = 'inkframe-tracing-test';

export interface TracedTestApp extends TestApp {
  receiver: OtlpReceiver;
  telemetry: Telemetry;
  /** Flushes until spans matching `predicate` were exported; returns them. */
  exported(predicate: (span: ReceivedSpan) => boolean, what: string, ms?: number): Promise<ReceivedSpan[]>;
  /** Every span exported so far for one trace. */
  traceOf(traceId: string): ReceivedSpan[];
}

export async function buildTracedApp(options: TestAppOptions = {}): Promise<TracedTestApp> {
  const receiver = await startOtlpReceiver();
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: SERVICE_NAME };
  const telemetry = await startTelemetry(loadConfig(env));
  const t = await buildTestApp({ ...options, env: { ...env, ...options.env } });

  return {
    ...t,
    receiver,
    telemetry,
    async exported(predicate, what, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        await telemetry.flush();
        const found = receiver.spans.filter(predicate);
        if (found.length > 0) return found;
        if (Date.now() > deadline) throw new Error(`no exported span for ${what}; got: ${[...new Set(receiver.spans.map((span) => span.name))].join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    traceOf: (traceId) => receiver.spans.filter((span) => span.traceId === traceId),
    async close(closeOptions) {
      await t.close(closeOptions);
      await telemetry.shutdown();
      await receiver.close();
    },
  };
}

/** True when `span` is `ancestor` or nested (at any depth) under it within `spans`. */
export function descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan, spans: ReceivedSpan[]): boolean {
  const byId = new Map(spans.map((candidate) => [candidate.spanId, candidate]));
  for (let current: ReceivedSpan | undefined = span; current; current = current.parentSpanId ? byId.get(current.parentSpanId) : undefined) {
    if (current.spanId === ancestor.spanId && current.traceId === ancestor.traceId) return true;
  }
  return false;
}

const OBJECT_ID = /[0-9a-f]{24}/;

/** Span names and attribute values that carry an id break low cardinality (and may leak data). */
export function spansCarryingIds(spans: ReceivedSpan[]): string[] {
  return spans
    .filter((span) => OBJECT_ID.test(span.name) || Object.values(span.attributes).some((value) => typeof value === 'string' && OBJECT_ID.test(value)))
    .map((span) => `${span.name} ${JSON.stringify(span.attributes)}`);
}
