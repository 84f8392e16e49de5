/**
 * StoryQueries decorator: one CLIENT span per question, e.g. `mongodb story appearances`,
 * with the same db attributes as the DocumentStore spans (no ids).
 */
import type { Tracer } from '@opentelemetry/api';
import type { StoryQueries } from '../../ports/story-queries.js';
import type { DocumentStoreSystem } from './traced-document-store.js';
import { dbCalls, inkframeTracer } from './spans.js';

export function tracedStoryQueries(queries: StoryQueries, system: DocumentStoreSystem, tracer: Tracer = inkframeTracer()): StoryQueries {
  const db = dbCalls(tracer, system);
  const run = <T>(operation: string, call: () => Promise<T>): Promise<T> => db(`story ${operation}`, call);
  return {
    appearances: (projectId, characterId) => run('appearances', () => queries.appearances(projectId, characterId)),
    usage: (projectId, locationId) => run('usage', () => queries.usage(projectId, locationId)),
  };
}
