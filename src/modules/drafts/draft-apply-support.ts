/**
 * What the appliers share: the transaction they write in, the target loader (a target deleted
 * since the draft was made is a 409 with a clear message, never a 500), and the content events
 * they hand back for publishing after the commit, shaped exactly like a manual edit's.
 */
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import type { JobDoc } from '../../ports/job-queue.js';
import { ConflictError } from '../../errors.js';
import type { ContentChange } from '../shared/events.js';
import type { DraftVariant } from './drafts.store.js';
import type { AppliedChange, ReviewedDraft } from './drafts.schemas.js';

export type ApplyTx = Pick<DocumentStore, 'get' | 'find' | 'count' | 'insert' | 'update'>;

export interface ApplyInput {
  draft: ReviewedDraft;
  variant: DraftVariant;
  /** The job that produced the draft, when it still exists. */
  job: JobDoc | null;
}

/** A change to announce once the transaction committed. */
export interface PendingEvent {
  doc: { project_id: string; owner_id: string };
  change: ContentChange;
}

export interface ApplyOutcome {
  /** What changed (recorded on the draft); null when selecting changes nothing in the story. */
  applied: AppliedChange | null;
  events: PendingEvent[];
}

export type Applier = (tx: ApplyTx, input: ApplyInput) => Promise<ApplyOutcome>;

export interface ScopedDoc extends StoredDoc {
  owner_id: string;
  project_id: string;
}

/** The draft's target, still there and still the draft owner's; 409 otherwise. */
export async function loadTarget<T extends ScopedDoc>(tx: Pick<DocumentStore, 'get'>, collection: string, draft: ReviewedDraft, label: string): Promise<T> {
  const doc = await tx.get<T>(collection, draft.target.id);
  if (!doc || doc.owner_id !== draft.owner_id || doc.project_id !== draft.project_id) {
    throw new ConflictError(`The ${label.toLowerCase()} this draft was made for no longer exists, so the draft cannot be applied; reject or delete it`, {
      target: draft.target,
    });
  }
  return doc;
}

/** Writes `patch` on a target loaded in the same transaction (it cannot have vanished in between). */
export async function updateTarget<T extends StoredDoc>(tx: ApplyTx, collection: string, id: string, patch: Partial<T>): Promise<T> {
  return (await tx.update<T>(collection, id, patch as never))!;
}

/** The content_update a manual edit of the same resource publishes. */
export function changed(resource: 'panel' | 'chapter' | 'scene' | 'character' | 'location', doc: ScopedDoc & { scene_id?: string; chapter_id?: string }, action: 'created' | 'updated' = 'updated'): PendingEvent {
  const parent =
    resource === 'panel' ? { type: 'scene', id: doc.scene_id! } : resource === 'scene' ? { type: 'chapter', id: doc.chapter_id! } : { type: 'project', id: doc.project_id };
  return { doc, change: { resource, id: doc.id, action, version: doc.version, parent } };
}

/** The dialogue stream event PUT /panels/{panel_id}/dialogue publishes next to the panel's. */
export function dialogueChanged(panel: ScopedDoc): PendingEvent {
  return { doc: panel, change: { resource: 'dialogue', id: panel.id, action: 'updated', version: panel.version, parent: { type: 'panel', id: panel.id } } };
}

export const appliedTo = (type: string, doc: StoredDoc, created?: { type: string; id: string }[]): AppliedChange => ({
  type,
  id: doc.id,
  version: doc.version,
  ...(created ? { created } : {}),
});
