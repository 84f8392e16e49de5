/**
 * W3C trace context for every request: continue an incoming `traceparent` or start a new
 * trace, and answer with `X-Trace-Id` and `traceparent` (success and error alike).
 * When OpenTelemetry is active the request span's ids win (src/adapters/otel/http-spans.ts).
 */
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomHex } from '../lib/random-hex.js';

export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    trace: TraceContext;
  }
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);

/** Lets the tracing adapter supply the request span's ids instead of generated ones. */
export type ActiveTraceLookup = (request: FastifyRequest) => TraceContext | undefined;

export function parseTraceparent(header: unknown): TraceContext | undefined {
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match || match[1] === ZERO_TRACE || match[2] === '0'.repeat(16)) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, sampled: (parseInt(match[3]!, 16) & 1) === 1 };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

function contextFor(request: FastifyRequest, activeTrace?: ActiveTraceLookup): TraceContext {
  const active = activeTrace?.(request);
  if (active) return active;
  const incoming = parseTraceparent(request.headers.traceparent);
  return {
    traceId: incoming?.traceId ?? randomHex(16),
    spanId: randomHex(8),
    sampled: incoming?.sampled ?? true,
  };
}

/** Sets request.trace and the trace headers; also used for answers given before any hook runs (error-handler.ts). */
export function startTrace(request: FastifyRequest, reply: FastifyReply, activeTrace?: ActiveTraceLookup): void {
  request.trace = contextFor(request, activeTrace);
  // request.log is already this request's own child logger: adding the binding to it
  // costs a fraction of creating a second child per request (bench/PROFILE.md).
  const log = request.log as typeof request.log & { setBindings?: (bindings: Record<string, unknown>) => void };
  if (typeof log.setBindings === 'function') log.setBindings({ trace_id: request.trace.traceId });
  else request.log = request.log.child({ trace_id: request.trace.traceId });
  reply.header('X-Trace-Id', request.trace.traceId);
  reply.header('traceparent', formatTraceparent(request.trace));
}

export const tracePlugin = fp<{ activeTrace?: ActiveTraceLookup }>(
  async (app, options) => {
    app.decorateRequest('trace', undefined as unknown as TraceContext);
    app.addHook('onRequest', async (request, reply) => startTrace(request, reply, options.activeTrace));
  },
  { name: 'inkframe-trace' },
);
