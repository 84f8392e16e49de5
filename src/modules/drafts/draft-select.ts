/**
 * Selecting a draft variant: in ONE transaction the variant is applied to the draft's target
 * (draft-apply.ts) and the draft becomes `selected` with `applied` recorded; the content events
 * go out after the commit. Workflows that apply their own draft at once (auto-panel with
 * `apply: true`) build a selector with createDraftSelector({ store, events }) and call select().
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { JOBS_COLLECTION, type JobDoc } from '../../ports/job-queue.js';
import { ConflictError, ValidationError } from '../../errors.js';
import { loadOwned } from '../shared/access.js';
import { publishContentChange } from '../shared/events.js';
import { DRAFTS, type DraftStatus, type DraftVariant } from './drafts.store.js';
import type { ReviewedDraft } from './drafts.schemas.js';
import { applyVariant } from './draft-apply.js';

export interface DraftSelectDeps {
  store: Pick<DocumentStore, 'transaction'>;
  events: Pick<EventBus, 'publish'>;
}

export const loadDraft = (reader: Pick<DocumentStore, 'get'>, userId: string, draftId: string) => loadOwned<ReviewedDraft>(reader, DRAFTS, draftId, userId, 'Draft');

/** 409 unless the draft is pending: a selected, rejected or revising draft is history. */
export function assertPending(draft: ReviewedDraft, action: string): void {
  if (draft.status === 'pending') return;
  throw new ConflictError(`The draft is ${draft.status}; only a pending draft can be ${action}`, { status: draft.status });
}

/** The named variant (422 when the draft has no such variant), or the first one. */
export function pickVariant(draft: ReviewedDraft, variantId: string | undefined): DraftVariant {
  const variant = variantId === undefined ? draft.variants[0] : draft.variants.find((candidate) => candidate.id === variantId);
  if (variant) return variant;
  throw ValidationError.field('variant_id', variantId === undefined ? 'The draft has no variants' : 'must be the id of one of the draft variants');
}

/** The draft's own content_update (stats and review lists follow it). */
export function draftChanged(events: Pick<EventBus, 'publish'>, draft: ReviewedDraft, action: 'updated' | 'deleted' = 'updated'): Promise<void> {
  return publishContentChange(events, draft, {
    resource: 'draft',
    id: draft.id,
    action,
    version: action === 'deleted' ? null : draft.version,
    parent: { type: draft.target.type, id: draft.target.id },
  });
}

/** Moves a draft from pending to `status` with `patch`, in the caller's transaction (409 if it is no longer pending). */
export async function settleDraft(tx: Pick<DocumentStore, 'update'>, draft: ReviewedDraft, status: DraftStatus, patch: Partial<ReviewedDraft>): Promise<ReviewedDraft> {
  const updated = await tx.update<ReviewedDraft>(DRAFTS, draft.id, { ...patch, status }, { expectedVersion: draft.version });
  return updated!;
}

export function createDraftSelector({ store, events }: DraftSelectDeps) {
  return {
    /** Applies the variant (default: the first) and marks the draft selected; 409 if not pending, 422 for an unknown variant. */
    async select(userId: string, draftId: string, variantId?: string): Promise<ReviewedDraft> {
      const { draft, pending } = await store.transaction(async (tx) => {
        const current = await loadDraft(tx, userId, draftId);
        assertPending(current, 'selected');
        const variant = pickVariant(current, variantId);
        const job = current.source?.id ? await tx.get<JobDoc>(JOBS_COLLECTION, current.source.id) : null;
        const outcome = await applyVariant(tx, { draft: current, variant, job: job && job.owner_id === current.owner_id ? job : null });
        const draft = await settleDraft(tx, current, 'selected', { selected_variant_id: variant.id, applied: outcome.applied });
        return { draft, pending: outcome.events };
      });
      for (const { doc, change } of pending) await publishContentChange(events, doc, change);
      await draftChanged(events, draft);
      return draft;
    },
  };
}

export type DraftSelector = ReturnType<typeof createDraftSelector>;
