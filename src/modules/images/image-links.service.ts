/**
 * Images seen through the documents that use them: a chapter's cover, a panel's art, a
 * character's designs and a location's references.
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { NotFoundError, ValidationError, VersionConflictError } from '../../errors.js';
import { loadOwned, type Owned } from '../shared/access.js';
import { publishContentChange } from '../shared/events.js';
import { assertImagesInProject } from '../shared/image-refs.js';
import type { AddImage } from './images.schemas.js';
import type { ImageBytes } from './image-bytes.js';
import type { ImagesService } from './images.service.js';

/** Same bound as the characters/locations schemas (maxItems of their image id lists). */
export const MAX_LINKED_IMAGES = 100;

interface ProjectDocument extends Owned {
  project_id: string;
}

export interface ImageLinksDeps {
  store: Pick<DocumentStore, 'get' | 'find' | 'update' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
  images: Pick<ImagesService, 'ownBytes'>;
}

export function createImageLinksService({ store, events, images }: ImageLinksDeps) {
  async function linkedBytes(userId: string, collection: string, id: string, label: string, field: string, missing: string): Promise<ImageBytes> {
    const doc = await loadOwned<ProjectDocument>(store, collection, id, userId, label);
    const imageId = (doc as unknown as Record<string, unknown>)[field];
    if (typeof imageId !== 'string') throw new NotFoundError(missing);
    return images.ownBytes(userId, imageId);
  }

  /** Appends an image of the same project to a list field; adding one already there changes nothing. */
  async function append<T extends ProjectDocument>(userId: string, collection: string, label: string, resource: string, id: string, field: string, input: AddImage): Promise<T> {
    // Read-modify-write in one transaction, so two concurrent additions both land.
    const { doc, changed } = await store.transaction(async (tx) => {
      const doc = await loadOwned<T>(tx, collection, id, userId, label);
      await assertImagesInProject(tx, doc, [input.image_id], 'image_id');
      if (input.version !== undefined && input.version !== doc.version) throw new VersionConflictError(doc.version);
      const current = (doc as unknown as Record<string, unknown>)[field];
      const ids = Array.isArray(current) ? (current as string[]) : [];
      if (ids.includes(input.image_id)) return { doc, changed: false };
      if (ids.length >= MAX_LINKED_IMAGES) throw ValidationError.field('image_id', `at most ${MAX_LINKED_IMAGES} images can be linked`);
      const updated = await tx.update<T>(collection, id, { [field]: [...ids, input.image_id] } as Partial<T>);
      if (!updated) throw new NotFoundError(label);
      return { doc: updated, changed: true };
    });
    if (changed) await publishContentChange(events, doc, { resource, id, action: 'updated', version: doc.version, parent: { type: 'project', id: doc.project_id } });
    return doc;
  }

  return {
    chapterCover: (userId: string, chapterId: string) => linkedBytes(userId, 'chapters', chapterId, 'Chapter', 'cover_image_id', 'Cover image'),
    panelImage: (userId: string, panelId: string) => linkedBytes(userId, 'panels', panelId, 'Panel', 'image_id', 'Panel image'),
    addCharacterDesign: <T extends ProjectDocument>(userId: string, characterId: string, input: AddImage) =>
      append<T>(userId, 'characters', 'Character', 'character', characterId, 'design_image_ids', input),
    addLocationReference: <T extends ProjectDocument>(userId: string, locationId: string, input: AddImage) =>
      append<T>(userId, 'locations', 'Location', 'location', locationId, 'reference_image_ids', input),
  };
}

export type ImageLinksService = ReturnType<typeof createImageLinksService>;
