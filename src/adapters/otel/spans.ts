/**
 * Helpers shared by the tracing decorators: run an async call inside a span that records the
 * outcome. Errors are marked by their class name only (messages may carry user data).
 */
import { context, SpanStatusCode, trace, type Attributes, type Span, type SpanKind, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

export const TRACER_NAME = 'inkframe';

export function inkframeTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

export interface SpanSpec {
  name: string;
  kind: SpanKind;
  attributes: Attributes;
  /** Only trace the call inside an existing trace (no root spans for background chatter). */
  requireParent?: boolean;
  /** The status message for a failure; none by default. */
  describe?: (error: unknown) => string | undefined;
}

export function markFailed(span: Span, error: unknown, message?: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : 'unknown');
  span.setStatus(message === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message });
}

/** Runs fn in a new active span (fn gets no span when `requireParent` finds no trace to join). */
export function inSpan<T>(tracer: Tracer, spec: SpanSpec, fn: (span?: Span) => Promise<T>): Promise<T> {
  const parent = context.active();
  if (spec.requireParent && trace.getSpan(parent) === undefined) return fn();
  return tracer.startActiveSpan(spec.name, { kind: spec.kind, attributes: spec.attributes }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markFailed(span, error, spec.describe?.(error));
      throw error;
    } finally {
      span.end();
    }
  });
}
