/**
 * Checks image ids that a write puts on a document (panel `image_id`, chapter
 * `cover_image_id`, character `design_image_ids` / `sheet_image_id` / `reference_image_ids`,
 * location and style-guide `reference_image_ids`): each must name an image of the same owner
 * and project. An id that names nothing the user owns is a 404 (existence is never
 * disclosed); the user's image in another project is a 422 on the field.
 */
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import { NotFoundError, ValidationError } from '../../errors.js';

interface ImageOwnership extends StoredDoc {
  owner_id: string;
  project_id: string;
}

export interface ImageScope {
  owner_id: string;
  project_id: string;
}

export async function assertImagesInProject(
  store: Pick<DocumentStore, 'find'>,
  scope: ImageScope,
  ids: readonly (string | null | undefined)[],
  field: string,
): Promise<void> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
  if (wanted.length === 0) return;
  const found = new Map((await store.find<ImageOwnership>('images', { id: { $in: wanted } })).map((image) => [image.id, image]));
  for (const id of wanted) {
    const image = found.get(id);
    if (!image || image.owner_id !== scope.owner_id) throw new NotFoundError('Image');
  }
  for (const id of wanted) {
    if (found.get(id)!.project_id !== scope.project_id) throw ValidationError.field(field, 'must refer to an image of the same project');
  }
}

/** The image-reference fields a PUT may carry, checked together; absent and null fields are skipped. */
export const IMAGE_REFERENCE_FIELDS = ['image_id', 'cover_image_id', 'sheet_image_id', 'design_image_ids', 'reference_image_ids'] as const;

/**
 * Checks every image-reference field present in `input` (a PUT body) against `scope` (the
 * document being changed). Call before the write.
 */
export async function assertImageFields(store: Pick<DocumentStore, 'find'>, scope: ImageScope, input: object): Promise<void> {
  const fields = input as Record<string, unknown>;
  for (const field of IMAGE_REFERENCE_FIELDS) {
    const value = fields[field];
    if (value === undefined || value === null) continue;
    const ids = Array.isArray(value) ? (value as unknown[]) : [value];
    await assertImagesInProject(store, scope, ids.filter((id): id is string => typeof id === 'string'), field);
  }
}
