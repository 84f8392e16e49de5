/**
 * StoryQueries decorator: one CLIENT span per question, e.g. `mongodb story appearances`,
 * with the same db attributes as the DocumentStore spans (no ids).
 */
import { SpanKind, type Tracer } from '@opentelemetry/api';
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME } from '@opentelemetry/semantic-conventions';
import type { StoryQueries } from '../../ports/story-queries.js';
import type { DocumentStoreSystem } from './traced-document-store.js';
import { inkframeTracer, inSpan } from './spans.js';

export function tracedStoryQueries(queries: StoryQueries, system: DocumentStoreSystem, tracer: Tracer = inkframeTracer()): StoryQueries {
  const run = <T>(operation: string, call: () => Promise<T>): Promise<T> =>
    inSpan(
      tracer,
      {
        name: `${system} story ${operation}`,
        kind: SpanKind.CLIENT,
        requireParent: true,
        attributes: { 'db.system': system, [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_OPERATION_NAME]: `story ${operation}` },
      },
      call,
    );
  return {
    appearances: (projectId, characterId) => run('appearances', () => queries.appearances(projectId, characterId)),
    usage: (projectId, locationId) => run('usage', () => queries.usage(projectId, locationId)),
  };
}
