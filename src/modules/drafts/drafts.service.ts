/**
 * Draft review: the writer's own drafts (lists, one draft), selecting a variant (applies it,
 * draft-select.ts), rejecting, rating, revising (draft-revise.ts), bulk actions
 * (draft-bulk.ts) and deleting (draft-cleanup.ts). Jobs create drafts (drafts.store.ts).
 */
import type { DocumentStore, Filter } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import type { JobDoc, JobQueue } from '../../ports/job-queue.js';
import { ValidationError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { parseSort, toPage, type PageRequest, type PageResult } from '../../lib/pagination.js';
import { DRAFTS } from './drafts.store.js';
import { MAX_FEEDBACK, present, type Draft, type DraftFeedback, type FeedbackBody, type ReviewedDraft } from './drafts.schemas.js';
import { assertPending, createDraftSelector, draftChanged, loadDraft, settleDraft } from './draft-select.js';
import { createDraftRevisions } from './draft-revise.js';
import { createDraftCleanup } from './draft-cleanup.js';
import { runBulk, type BulkInput } from './draft-bulk.js';

export interface DraftsDeps {
  store: Pick<DocumentStore, 'get' | 'find' | 'findOne' | 'findPage' | 'update' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
  queue: Pick<JobQueue, 'enqueue'>;
  /** The images service sweep (frees files of images deleted with a draft). */
  sweepImages(): Promise<unknown>;
}

export interface DraftFilter {
  project_id?: string | undefined;
  status?: string | undefined;
  kind?: string | undefined;
  target_type?: string | undefined;
  target_id?: string | undefined;
}

export function createDraftsService(deps: DraftsDeps) {
  const { store, events } = deps;
  const selector = createDraftSelector(deps);
  const revisions = createDraftRevisions(deps);
  const cleanup = createDraftCleanup(deps);

  /** The user's draft, with a finished revise run settled first. */
  const load = async (userId: string, draftId: string) => revisions.settle(await loadDraft(store, userId, draftId));

  async function list(userId: string, query: PageRequest & DraftFilter): Promise<PageResult<Draft>> {
    await revisions.settleOpen(userId);
    const filter: Filter = { owner_id: userId };
    for (const field of ['project_id', 'status', 'kind', 'target_type', 'target_id'] as const) {
      if (query[field] !== undefined) filter[field] = query[field];
    }
    // Drafts made in the same millisecond keep the requested direction too (ids grow with time).
    const sort = parseSort(query.sort);
    sort.push({ field: 'id', direction: sort[0]!.direction });
    const { items, total } = await store.findPage<ReviewedDraft>(DRAFTS, filter, { skip: query.skip, limit: query.limit, sort });
    return toPage(items.map(present), total, query);
  }

  async function select(userId: string, draftId: string, variantId?: string): Promise<Draft> {
    await load(userId, draftId);
    return present(await selector.select(userId, draftId, variantId));
  }

  async function reject(userId: string, draftId: string, reason?: string): Promise<Draft> {
    await load(userId, draftId);
    const draft = await store.transaction(async (tx) => {
      const current = await loadDraft(tx, userId, draftId);
      assertPending(current, 'rejected');
      return settleDraft(tx, current, 'rejected', { rejection_reason: reason ?? null });
    });
    await draftChanged(events, draft);
    return present(draft);
  }

  return {
    list,
    pending: (userId: string, query: PageRequest & Omit<DraftFilter, 'status'>) => list(userId, { ...query, status: 'pending' }),
    get: async (userId: string, draftId: string): Promise<Draft> => present(await load(userId, draftId)),
    select,
    reject,

    /** Appends a rating (any status: history can be rated too); 422 for a variant the draft does not have. */
    async feedback(userId: string, draftId: string, input: FeedbackBody): Promise<DraftFeedback> {
      const entry: DraftFeedback = { id: newId(), rating: input.rating, comment: input.comment ?? null, variant_id: input.variant_id ?? null, created_at: nowIso() };
      const draft = await store.transaction(async (tx) => {
        const current = await loadDraft(tx, userId, draftId);
        if (entry.variant_id !== null && !current.variants.some((variant) => variant.id === entry.variant_id)) {
          throw ValidationError.field('variant_id', 'must be the id of one of the draft variants');
        }
        if ((current.feedback ?? []).length >= MAX_FEEDBACK) throw ValidationError.field('rating', `A draft keeps at most ${MAX_FEEDBACK} feedback entries`);
        return (await tx.update<ReviewedDraft>(DRAFTS, draftId, { feedback: [...(current.feedback ?? []), entry] }))!;
      });
      await draftChanged(events, draft);
      return entry;
    },

    /** 202: the revise job (see draft-revise.ts). */
    async revise(userId: string, draftId: string, instructions: string): Promise<JobDoc> {
      return revisions.revise(userId, draftId, instructions);
    },

    bulk: (userId: string, input: BulkInput) => runBulk(input, (draftId, variantId) => (input.action === 'select' ? select(userId, draftId, variantId) : reject(userId, draftId, input.reason))),

    remove: (userId: string, draftId: string) => cleanup.remove(userId, draftId),
  };
}

export type DraftsService = ReturnType<typeof createDraftsService>;
