/**
 * Deleting a draft. Its variants' images stay in the library while anything uses them (a
 * panel, cover, design, sheet, reference, the style guide, another draft) and the selected
 * variant's image always stays; the others are deleted with the draft, in the same
 * transaction as the reference checks, and their files are freed by the images sweep.
 */
import type { DocumentStore, Filter, StoredDoc } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { publishContentChange } from '../shared/events.js';
import { DRAFTS, type DraftVariant } from './drafts.store.js';
import type { ReviewedDraft } from './drafts.schemas.js';
import { draftChanged, loadDraft } from './draft-select.js';

type Tx = Pick<DocumentStore, 'get' | 'find' | 'count'>;

export interface DraftCleanupDeps {
  store: Pick<DocumentStore, 'get' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
  /** The images service sweep: removes files no image record uses. */
  sweepImages(): Promise<unknown>;
}

interface ImageDoc extends StoredDoc {
  owner_id: string;
  project_id: string;
}

/** Where an image id may be referenced, by single-valued field or list. */
const USES: { collection: string; field: string; list: boolean }[] = [
  { collection: 'panels', field: 'image_id', list: false },
  { collection: 'chapters', field: 'cover_image_id', list: false },
  { collection: 'characters', field: 'sheet_image_id', list: false },
  { collection: 'characters', field: 'design_image_ids', list: true },
  { collection: 'characters', field: 'reference_image_ids', list: true },
  { collection: 'locations', field: 'reference_image_ids', list: true },
];

async function inUse(tx: Tx, draft: ReviewedDraft, imageId: string): Promise<boolean> {
  for (const use of USES) {
    const filter: Filter = { project_id: draft.project_id, [use.field]: use.list ? { $contains: imageId } : imageId };
    if ((await tx.count(use.collection, filter)) > 0) return true;
  }
  const project = await tx.get<StoredDoc & { style_guide?: { reference_image_ids?: string[] } }>('projects', draft.project_id);
  if (project?.style_guide?.reference_image_ids?.includes(imageId)) return true;
  const others = await tx.find<ReviewedDraft>(DRAFTS, { project_id: draft.project_id, kind: 'image', id: { $ne: draft.id } });
  return others.some((other) => other.variants.some((variant: DraftVariant) => variant.image_id === imageId));
}

export function createDraftCleanup({ store, events, sweepImages }: DraftCleanupDeps) {
  return {
    async remove(userId: string, draftId: string): Promise<void> {
      const { draft, images } = await store.transaction(async (tx) => {
        const draft = await loadDraft(tx, userId, draftId);
        const images: ImageDoc[] = [];
        for (const variant of draft.variants) {
          if (!variant.image_id || variant.id === draft.selected_variant_id) continue;
          const image = await tx.get<ImageDoc>('images', variant.image_id);
          if (!image || image.owner_id !== userId || (await inUse(tx, draft, image.id))) continue;
          await tx.delete('images', image.id);
          images.push(image);
        }
        await tx.delete(DRAFTS, draft.id);
        return { draft, images };
      });
      await draftChanged(events, draft, 'deleted');
      for (const image of images) {
        await publishContentChange(events, image, { resource: 'image', id: image.id, action: 'deleted', version: null, parent: { type: 'project', id: image.project_id } });
      }
      if (images.length > 0) await sweepImages();
    },
  };
}
