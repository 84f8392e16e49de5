/**
 * Draft creation for the job runtime: AI output waiting for the writer's review. The review
 * endpoints (select, reject, revise, ...) belong to the drafts module proper; jobs only create
 * drafts here (announcing them with `draft_ready`) and remove the ones a canceled or failed
 * run left behind. `target_type`/`target_id` and `source_id` repeat the nested refs as
 * top-level fields so they can be indexed and filtered.
 */
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { publishContentChange } from '../shared/events.js';

export const DRAFTS = 'drafts';

export type DraftKind = 'image' | 'text';
export type DraftStatus = 'pending' | 'selected' | 'rejected' | 'revising';

export interface DraftRef {
  type: string;
  id: string;
}

export interface DraftVariant {
  id: string;
  /** Text drafts: the generated text (or structured content). */
  content?: unknown;
  /** Image drafts: the generated image. */
  image_id?: string;
  metadata: Record<string, unknown>;
}

export interface DraftDoc extends StoredDoc {
  owner_id: string;
  project_id: string;
  target: DraftRef;
  target_type: string;
  target_id: string;
  kind: DraftKind;
  /** What produced it, e.g. { type: 'generation', id: <job id> }. */
  source: DraftRef;
  source_type: string;
  source_id: string;
  variants: DraftVariant[];
  status: DraftStatus;
  selected_variant_id: string | null;
  feedback: unknown[];
  revision_of: string | null;
}

export interface NewDraft {
  /** A job's reserved id (see generation/job-outputs.ts), else a fresh one. */
  id?: string;
  owner_id: string;
  project_id: string;
  target: DraftRef;
  kind: DraftKind;
  source: DraftRef;
  variants: Omit<DraftVariant, 'id'>[];
  revision_of?: string | null;
}

export interface DraftsStoreDeps {
  store: Pick<DocumentStore, 'insert' | 'find' | 'deleteMany'>;
  events: Pick<EventBus, 'publish'>;
}

export function createDraftsStore({ store, events }: DraftsStoreDeps) {
  return {
    /** Stores a pending draft and announces it (`draft_ready`). */
    async create(input: NewDraft): Promise<DraftDoc> {
      const draft = await store.insert<DraftDoc>(DRAFTS, {
        id: input.id ?? newId(),
        owner_id: input.owner_id,
        project_id: input.project_id,
        target: { type: input.target.type, id: input.target.id },
        target_type: input.target.type,
        target_id: input.target.id,
        kind: input.kind,
        source: { type: input.source.type, id: input.source.id },
        source_type: input.source.type,
        source_id: input.source.id,
        variants: input.variants.map((variant) => ({ id: newId(), ...variant })),
        status: 'pending',
        selected_variant_id: null,
        feedback: [],
        revision_of: input.revision_of ?? null,
      });
      await events.publish({
        type: 'draft_ready',
        project_id: draft.project_id,
        owner_id: draft.owner_id,
        data: { draft_id: draft.id, target: draft.target, kind: draft.kind },
        timestamp: nowIso(),
      });
      return draft;
    },

    /** Removes drafts a job produced before it was canceled or failed. */
    async discard(ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      const drafts = await store.find<DraftDoc>(DRAFTS, { id: { $in: ids } });
      await store.deleteMany(DRAFTS, { id: { $in: ids } });
      for (const draft of drafts) await publishContentChange(events, draft, { resource: 'draft', id: draft.id, action: 'deleted', version: null });
    },
  };
}

export type DraftsStore = ReturnType<typeof createDraftsStore>;
