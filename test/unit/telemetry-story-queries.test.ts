/** The StoryQueries span decorator: one low-cardinality CLIENT span per question, none outside a trace. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { tracedStoryQueries } from '../../src/adapters/otel/traced-story-queries.js';
import type { StoryQueries } from '../../src/ports/story-queries.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => provider.register());
afterEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

const empty = { scenes: [], panels: [] };
const inner: StoryQueries = {
  appearances: async () => empty,
  usage: async () => {
    throw new TypeError('boom with project p1');
  },
};

describe('tracedStoryQueries', () => {
  const queries = tracedStoryQueries(inner, 'mongodb');
  const inParent = (fn: () => Promise<unknown>) => trace.getTracer('test').startActiveSpan('parent', async (parent) => {
    await fn().catch(() => undefined);
    parent.end();
  });

  it('makes no spans outside a trace', async () => {
    expect(await queries.appearances('p1', 'c1')).toEqual(empty);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('names the system and the question, never the ids, and marks failures by class', async () => {
    await inParent(() => queries.appearances('p1', 'c1'));
    await inParent(() => queries.usage('p1', 'l1'));
    const spans = exporter.getFinishedSpans().filter((span) => span.name !== 'parent');
    expect(spans.map((span) => [span.name, span.kind])).toEqual([
      ['mongodb story appearances', SpanKind.CLIENT],
      ['mongodb story usage', SpanKind.CLIENT],
    ]);
    expect(spans[0]!.attributes).toMatchObject({ 'db.system': 'mongodb', 'db.operation.name': 'story appearances' });
    expect(spans[1]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[1]!.attributes['error.type']).toBe('TypeError');
    expect(JSON.stringify(spans.map((span) => [span.attributes, span.status]))).not.toMatch(/p1|c1|l1|boom/);
  });
});
