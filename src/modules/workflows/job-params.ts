/**
 * Reading a workflow job's stored params (plain JSON written by workflows.service.ts), the
 * revise marks the drafts module adds (`params.revision`, `params.revision_of`), and the
 * re-run rule of jobs that apply a draft: a run after a crash must not apply twice.
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { JobDoc } from '../../ports/job-queue.js';
import { DRAFTS, type DraftDoc } from '../drafts/drafts.store.js';
import { jobRevision } from '../drafts/revision-params.js';
import type { LoadedStory } from '../generation/story-context.js';

export { revisionOf } from '../drafts/revision-params.js';

type Params = Record<string, unknown>;

export const str = (params: Params, key: string): string | undefined => (typeof params[key] === 'string' ? (params[key] as string) : undefined);
export const num = (params: Params, key: string, fallback: number): number => (typeof params[key] === 'number' ? (params[key] as number) : fallback);
export const flag = (params: Params, key: string): boolean => params[key] === true;
export const scopeOf = (params: Params): { type: 'project' | 'chapter' | 'scene' | 'panel'; id: string } | undefined => {
  const scope = params.scope as { type?: unknown; id?: unknown } | undefined;
  return scope && typeof scope.type === 'string' && typeof scope.id === 'string' ? (scope as { type: 'project' | 'chapter' | 'scene' | 'panel'; id: string }) : undefined;
};

const idsIn = (value: unknown): string[] => (Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : []);

/**
 * The draft an interrupted earlier attempt of this job already selected (its panels exist):
 * the re-run reports it instead of discarding it and proposing again.
 */
export async function appliedEarlier(store: Pick<DocumentStore, 'find'>, job: JobDoc): Promise<DraftDoc | null> {
  const ids = idsIn(job.result?.draft_ids);
  if (ids.length === 0) return null;
  const drafts = await store.find<DraftDoc>(DRAFTS, { id: { $in: ids }, status: { $ne: 'pending' } });
  return drafts.find((draft) => draft.status === 'selected') ?? null;
}

/** The loaded story with the job's revise request (instructions + feedback) in its prompt context. */
export function withRevision(loaded: LoadedStory, job: Pick<JobDoc, 'params'>): LoadedStory {
  const revision = jobRevision(job);
  return revision ? { ...loaded, context: { ...loaded.context, revision } } : loaded;
}
