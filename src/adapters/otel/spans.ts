/**
 * Helpers shared by the tracing decorators: run an async call inside a span that records the
 * outcome. Errors are marked by their class name only (messages may carry user data).
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR_DB_COLLECTION_NAME, ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME, ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

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

export type DbCall = <T>(operation: string, call: () => Promise<T>, options?: { collection?: string | undefined }) => Promise<T>;

/**
 * A CLIENT span per database call, inside an existing trace only, named `<system> <operation>`
 * (plus the collection when given), with db.system, db.operation.name and db.collection.name.
 * Never ids, keys or values: they are high-cardinality and may be personal data.
 */
export function dbCalls(tracer: Tracer, system: string): DbCall {
  return (operation, call, { collection } = {}) =>
    inSpan(
      tracer,
      {
        name: collection === undefined ? `${system} ${operation}` : `${system} ${operation} ${collection}`,
        kind: SpanKind.CLIENT,
        requireParent: true,
        attributes: {
          'db.system': system,
          [ATTR_DB_SYSTEM_NAME]: system,
          [ATTR_DB_OPERATION_NAME]: operation,
          ...(collection === undefined ? {} : { [ATTR_DB_COLLECTION_NAME]: collection }),
        },
      },
      call,
    );
}
