/**
 * How a revise run is marked on its job: `params.revision` ({ instructions, feedback }) for
 * the prompt and `params.revision_of` (the revised draft's id) for the new draft. Every job
 * handler that creates drafts reads them here: put jobRevision(job) into the prompt context
 * (`StoryContext.revision`) and pass `revision_of: revisionOf(job)` to drafts.create().
 */
import type { JobDoc } from '../../ports/job-queue.js';
import type { FeedbackInput, RevisionInput } from '../../lib/prompt-types.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The revise request a job carries (`params.revision`), for its prompt; undefined for a first run. */
export function jobRevision(job: Pick<JobDoc, 'params'>): RevisionInput | undefined {
  const raw = job.params.revision;
  if (!isRecord(raw) || typeof raw.instructions !== 'string') return undefined;
  const feedback: FeedbackInput[] = Array.isArray(raw.feedback)
    ? raw.feedback.filter(isRecord).flatMap((entry) =>
        typeof entry.rating === 'number' ? [{ rating: entry.rating, comment: typeof entry.comment === 'string' ? entry.comment : null }] : [],
      )
    : [];
  return { instructions: raw.instructions, feedback };
}

/** The draft a revise run revises (`params.revision_of`), for the new draft's `revision_of`. */
export function revisionOf(job: Pick<JobDoc, 'params'>): string | null {
  return typeof job.params.revision_of === 'string' ? job.params.revision_of : null;
}
