/**
 * JobQueue decorator that carries the trace from the request that enqueued a job into the
 * worker that runs it, in this process or another one. enqueue() runs in a PRODUCER span and
 * stores its W3C traceparent on the job document (`trace_parent`, a field the queue adapters
 * keep like any other and the API never shows); each handler runs in a CONSUMER span whose
 * parent is extracted from it, so provider and storage spans of the job join that trace.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, type Context, type Tracer } from '@opentelemetry/api';
import { AppError } from '../../errors.js';
import { ProviderError } from '../../ports/ai-providers.js';
import type { JobDoc, JobHandler, JobQueue } from '../../ports/job-queue.js';
import { inkframeTracer, markFailed } from './spans.js';

/** The job document field holding the enqueuing context's `traceparent`. */
export const TRACE_PARENT_FIELD = 'trace_parent';

type TracedJob = JobDoc & { [TRACE_PARENT_FIELD]?: string | null };

function jobAttributes(job: Pick<JobDoc, 'kind' | 'type'>, operation: 'send' | 'process') {
  return {
    'messaging.system': 'inkframe.jobs',
    'messaging.operation.type': operation,
    'messaging.destination.name': job.type,
    'inkframe.job.kind': job.kind,
  };
}

/** The context a job was enqueued in, or a fresh root when it carries none. */
export function jobParentContext(job: JobDoc): Context {
  const traceparent = (job as TracedJob)[TRACE_PARENT_FIELD];
  return typeof traceparent === 'string' ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

function traceHandler(type: string, handler: JobHandler, tracer: Tracer): JobHandler {
  return (jobContext) => {
    const { job } = jobContext;
    const parent = jobParentContext(job);
    const attributes = { ...jobAttributes(job, 'process'), 'inkframe.job.attempt': job.attempts };
    return tracer.startActiveSpan(`job process ${type}`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
      try {
        return await handler(jobContext);
      } catch (error) {
        if (jobContext.signal.aborted) {
          // Canceled or shut down: not a failure of the job itself.
          span.setAttribute('inkframe.job.aborted', true);
        } else {
          const readable = error instanceof ProviderError || error instanceof AppError;
          markFailed(span, error, readable ? error.message : undefined);
        }
        throw error;
      } finally {
        span.end();
      }
    });
  };
}

export function tracedJobQueue(queue: JobQueue, tracer: Tracer = inkframeTracer()): JobQueue {
  return {
    handle: (type, handler) => queue.handle(type, traceHandler(type, handler, tracer)),

    enqueue(input) {
      const attributes = jobAttributes(input, 'send');
      return tracer.startActiveSpan(`job enqueue ${input.type}`, { kind: SpanKind.PRODUCER, attributes }, async (span) => {
        try {
          const carrier: Record<string, string> = {};
          propagation.inject(context.active(), carrier);
          const traced = { ...input, [TRACE_PARENT_FIELD]: carrier.traceparent ?? null };
          return await queue.enqueue(traced);
        } catch (error) {
          markFailed(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },

    cancel: (jobId) => queue.cancel(jobId),
    start: () => queue.start(),
    stop: () => queue.stop(),
  };
}
