/**
 * HTTP server spans: one SERVER span per request named `<METHOD> <route template>`
 * (e.g. `GET /api/v1/projects/:project_id`, never the raw URL), continuing an incoming
 * `traceparent`. The hooks after it (authentication) and the route handler run inside the
 * span's context, so storage, Redis and job spans nest under it. Register the plugin before
 * the trace-id plugin and give that plugin `activeTrace`: the span's ids become X-Trace-Id.
 */
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_SCHEME } from '@opentelemetry/semantic-conventions';
import { inkframeTracer } from './spans.js';

export interface HttpTracing {
  plugin: FastifyPluginAsync;
  /** The request span's ids, for the trace-id plugin (X-Trace-Id, traceparent). */
  activeTrace(request: FastifyRequest): { traceId: string; spanId: string; sampled: boolean } | undefined;
}

export function createHttpTracing(tracer: Tracer = inkframeTracer()): HttpTracing {
  /** The context holding each in-flight request's span. */
  const contexts = new WeakMap<FastifyRequest, Context>();
  const errors = new WeakMap<FastifyRequest, unknown>();

  /** Runs a route handler in its request's span context (the request is its first argument). */
  function inSpanContext(handler: unknown) {
    return function (this: unknown, request: FastifyRequest, ...rest: unknown[]) {
      const spanContext = contexts.get(request);
      const call = () => (handler as (...args: unknown[]) => unknown).call(this, request, ...rest);
      return spanContext ? context.with(spanContext, call) : call();
    };
  }

  function end(request: FastifyRequest, statusCode: number): void {
    const spanContext = contexts.get(request);
    const error = errors.get(request);
    contexts.delete(request);
    errors.delete(request);
    const span = spanContext && trace.getSpan(spanContext);
    if (!span) return;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
    // Server spans fail on 5xx only; a 4xx is the client's mistake (semantic conventions).
    if (statusCode >= 500) {
      if (error instanceof Error) span.recordException(error);
      span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : String(statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }

  const plugin = fp(
    async (app) => {
      // Callback style on purpose: the hooks after this one are called from inside `done`,
      // so they (and the promises they create) run in the span's context.
      app.addHook('onRequest', (request, _reply, done) => {
        const route = request.routeOptions.url;
        const parent = propagation.extract(ROOT_CONTEXT, request.headers);
        const span = tracer.startSpan(
          route === undefined ? request.method : `${request.method} ${route}`,
          {
            kind: SpanKind.SERVER,
            attributes: {
              [ATTR_HTTP_REQUEST_METHOD]: request.method,
              [ATTR_URL_SCHEME]: request.protocol,
              ...(route === undefined ? {} : { [ATTR_HTTP_ROUTE]: route }),
            },
          },
          parent,
        );
        const spanContext = trace.setSpan(parent, span);
        contexts.set(request, spanContext);
        context.with(spanContext, done);
      });

      // Fastify keeps the context across body parsing; re-entering it here makes the handler's
      // spans nest whatever a plugin's hook or parser did to the async context before it.
      app.addHook('onRoute', (route) => {
        route.handler = inSpanContext(route.handler) as RouteHandlerMethod;
        // A WebSocket upgrade is hijacked and never reaches onResponse: its span ends with the
        // handshake (101), not with the connection. Our hook runs before @fastify/websocket's.
        const wsHandler = (route as { wsHandler?: (socket: unknown, request: FastifyRequest) => unknown }).wsHandler;
        if (wsHandler) {
          (route as { wsHandler?: unknown }).wsHandler = function (this: unknown, socket: unknown, request: FastifyRequest) {
            const spanContext = contexts.get(request);
            end(request, 101);
            return spanContext ? context.with(spanContext, wsHandler, this, socket, request) : wsHandler.call(this, socket, request);
          };
        }
      });

      app.addHook('onError', (request, _reply, error, done) => {
        errors.set(request, error);
        done();
      });

      app.addHook('onResponse', (request, reply, done) => {
        end(request, reply.statusCode);
        done();
      });
    },
    { name: 'inkframe-otel-http' },
  );

  return {
    plugin,
    activeTrace(request) {
      const spanContext = contexts.get(request);
      const ids = spanContext && trace.getSpan(spanContext)?.spanContext();
      if (!ids || !isSpanContextValid(ids)) return undefined;
      return { traceId: ids.traceId, spanId: ids.spanId, sampled: (ids.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED };
    },
  };
}
