/**
 * startTelemetry(): without an endpoint nothing is registered (the OpenTelemetry API stays a
 * no-op and the app keeps generating its own trace ids); with one, a provider, the W3C
 * propagator and a context manager are registered until shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, createContextKey, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { loadConfig } from '../../src/config.js';
import { startTelemetry, tracesUrl, tracingEnabled } from '../../src/telemetry.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const KEY = createContextKey('probe');
/** Whether a context manager carries values into `context.with` callbacks. */
const contextPropagates = () => context.with(ROOT_CONTEXT.setValue(KEY, 'yes'), () => context.active().getValue(KEY)) === 'yes';

describe('tracesUrl', () => {
  it('appends the OTLP traces path to the base endpoint', () => {
    expect(tracesUrl('http://jaeger:4318')).toBe('http://jaeger:4318/v1/traces');
    expect(tracesUrl('http://jaeger:4318/')).toBe('http://jaeger:4318/v1/traces');
    expect(tracesUrl('https://collector.example/otlp')).toBe('https://collector.example/otlp/v1/traces');
  });
});

describe('without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('registers nothing', async () => {
    const telemetry = await startTelemetry(loadConfig({}));
    expect(telemetry.enabled).toBe(false);
    expect(tracingEnabled()).toBe(false);
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    expect(propagation.fields()).toEqual([]);
    expect(contextPropagates()).toBe(false);
    await telemetry.flush();
    await telemetry.shutdown();
  });

  it('builds the app without HTTP spans, and X-Trace-Id / traceparent still work', async () => {
    expect(t.container.httpTracing).toBeUndefined();
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    const traceId = res.headers['x-trace-id'] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    const continued = await t.app.inject({ method: 'GET', url: '/api/v1/health', headers: { traceparent: incoming } });
    expect(continued.headers['x-trace-id']).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(continued.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-00$/);
  });
});

describe('with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('registers a provider, the W3C propagator and a context manager, and unregisters them on shutdown', async () => {
    // Nothing is exported here (no span ends), so the endpoint need not answer.
    const telemetry = await startTelemetry(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SERVICE_NAME: 'probe' }));
    expect(telemetry.enabled).toBe(true);
    expect(tracingEnabled()).toBe(true);
    expect(propagation.fields()).toEqual(['traceparent', 'tracestate']);
    expect(contextPropagates()).toBe(true);
    const span = trace.getTracer('probe').startSpan('probe');
    expect(span.isRecording()).toBe(true);
    await expect(startTelemetry(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }))).rejects.toThrow(/already started/);

    await telemetry.shutdown();
    expect(tracingEnabled()).toBe(false);
    expect(propagation.fields()).toEqual([]);
    expect(contextPropagates()).toBe(false);
    expect(trace.getTracer('probe').startSpan('after').isRecording()).toBe(false);
  });
});
