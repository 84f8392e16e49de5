/**
 * Revising a draft: the job that produced it runs again with its original request plus
 * `params.revision` (the writer's instructions and the feedback recorded on the draft, and on
 * the drafts it revised) and `params.revision_of`. Job handlers read both with jobRevision()
 * and revisionOf(): the revision goes into the prompt (so the new job's `prompt` shows it) and
 * the new draft gets `revision_of`.
 *
 * Status: the draft becomes `revising` at once and stays `revising` as history once the run
 * produced its successor (`revised_by` then names it). If the run fails or is canceled, the
 * draft goes back to `pending`, so it can still be selected, rejected or revised again. That
 * settling happens when the draft is next read (get, list, any action on it).
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { JOBS_COLLECTION, type JobDoc, type JobKind, type JobQueue } from '../../ports/job-queue.js';
import type { FeedbackInput, RevisionInput } from '../../lib/prompt-types.js';
import { ConflictError } from '../../errors.js';
import { jobRevision } from './revision-params.js';
import { DRAFTS } from './drafts.store.js';
import type { ReviewedDraft } from './drafts.schemas.js';
import { assertPending, draftChanged, loadDraft, settleDraft } from './draft-select.js';

/** The revise text kept across revisions of revisions (the prompt limit trims further). */
const MAX_INSTRUCTIONS = 4000;
const MAX_FEEDBACK_ENTRIES = 50;
/** Image jobs that draw one panel; other jobs with per-panel drafts (sequences, storyboards) are revised panel by panel. */
const SINGLE_PANEL_JOBS = new Set(['panel_image', 'image']);
const FINISHED = new Set(['succeeded', 'failed', 'canceled']);

export { jobRevision, revisionOf } from './revision-params.js';

export interface ReviseRequest {
  kind: JobKind;
  type: string;
  params: Record<string, unknown>;
}

/** The job to run for revising `draft` made by `job` (pure; see the header). */
export function reviseRequest(job: Pick<JobDoc, 'kind' | 'type' | 'params' | 'seed'>, draft: Pick<ReviewedDraft, 'id' | 'kind' | 'target' | 'variants' | 'feedback'>, instructions: string): ReviseRequest {
  const previous = jobRevision(job);
  const combined = previous ? `${previous.instructions}\nThen: ${instructions}` : instructions;
  const feedback: FeedbackInput[] = [
    ...(previous?.feedback ?? []),
    ...(draft.feedback as { rating: number; comment?: string | null }[]).map((entry) => ({ rating: entry.rating, comment: entry.comment ?? null })),
  ];
  const revision: RevisionInput = { instructions: combined.slice(-MAX_INSTRUCTIONS), feedback: feedback.slice(-MAX_FEEDBACK_ENTRIES) };
  // A revision always arrives as a draft to review, even when the original run applied itself.
  const { revision: _revision, revision_of: _revisionOf, apply: _apply, ...original } = job.params;
  const extra = { revision, revision_of: draft.id };
  if (draft.kind === 'image' && draft.target.type === 'panel' && !SINGLE_PANEL_JOBS.has(job.type)) {
    const n = Math.min(4, Math.max(1, draft.variants.length));
    return { kind: 'generation', type: 'panel_image', params: { panel_id: draft.target.id, n, seed: job.seed ?? original.seed, ...extra } };
  }
  return { kind: job.kind, type: job.type, params: { ...original, ...extra } };
}

export interface DraftRevisionsDeps {
  store: Pick<DocumentStore, 'get' | 'find' | 'findOne' | 'update' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
  queue: Pick<JobQueue, 'enqueue'>;
}

export function createDraftRevisions({ store, events, queue }: DraftRevisionsDeps) {
  /** Writes `patch` unless the draft changed since it was read; announces the change. */
  async function write(draft: ReviewedDraft, patch: Partial<ReviewedDraft>): Promise<ReviewedDraft> {
    const updated = await store.transaction(async (tx) => {
      const current = await tx.get<ReviewedDraft>(DRAFTS, draft.id);
      if (!current || current.version !== draft.version) return null;
      return tx.update<ReviewedDraft>(DRAFTS, draft.id, patch);
    });
    if (!updated) return (await store.get<ReviewedDraft>(DRAFTS, draft.id)) ?? draft;
    await draftChanged(events, updated);
    return updated;
  }

  /** A revising draft whose run ended: history if it produced the successor, pending again otherwise. */
  async function settle(draft: ReviewedDraft): Promise<ReviewedDraft> {
    if (draft.status !== 'revising' || !draft.revision_open || !draft.revision_job_id) return draft;
    const job = await store.get<JobDoc>(JOBS_COLLECTION, draft.revision_job_id);
    if (job && !FINISHED.has(job.status)) return draft;
    const successor = job?.status === 'succeeded' ? await store.findOne<ReviewedDraft>(DRAFTS, { project_id: draft.project_id, revision_of: draft.id }) : null;
    return write(draft, successor ? { revision_open: false, revised_by: successor.id } : { status: 'pending', revision_open: false });
  }

  return {
    settle,

    /** Settles the user's revisions whose runs ended, so lists filtered by status are right. */
    async settleOpen(userId: string): Promise<void> {
      const open = await store.find<ReviewedDraft>(DRAFTS, { owner_id: userId, status: 'revising', revision_open: true });
      for (const draft of open) await settle(draft);
    },

    /** Starts the revise run (202 job); the draft is `revising` from now on. */
    async revise(userId: string, draftId: string, instructions: string): Promise<JobDoc> {
      const draft = await settle(await loadDraft(store, userId, draftId));
      assertPending(draft, 'revised');
      const source = draft.source?.id ? await store.get<JobDoc>(JOBS_COLLECTION, draft.source.id) : null;
      if (!source || source.owner_id !== userId) {
        throw new ConflictError('The request that produced this draft is no longer known, so it cannot be revised; run the generation again', { source: draft.source });
      }
      const request = reviseRequest(source, draft, instructions);
      const claimed = await store.transaction(async (tx) => {
        const current = await loadDraft(tx, userId, draftId);
        assertPending(current, 'revised');
        return settleDraft(tx, current, 'revising', { revision_open: true, revision_job_id: null, revised_by: null });
      });
      let job: JobDoc;
      try {
        job = await queue.enqueue({
          kind: request.kind,
          type: request.type,
          owner_id: userId,
          project_id: source.project_id ?? draft.project_id,
          params: request.params,
          provider: source.provider,
          model: source.model,
          prompt: null,
          seed: source.seed,
        });
      } catch (error) {
        await write(claimed, { status: 'pending', revision_open: false });
        throw error;
      }
      const recorded = await store.update<ReviewedDraft>(DRAFTS, draft.id, { revision_job_id: job.id });
      if (recorded) await draftChanged(events, recorded);
      return job;
    },
  };
}

export type DraftRevisions = ReturnType<typeof createDraftRevisions>;
