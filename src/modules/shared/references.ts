import type { DocumentStore } from '../../ports/document-store.js';
import { ValidationError } from '../../errors.js';

/**
 * Checks that every id names a document of `collection` in the same project; references
 * across projects (or to nothing) are a 422 on `field`.
 */
export async function assertInProject(
  store: Pick<DocumentStore, 'count'>,
  collection: string,
  projectId: string,
  ids: (string | null | undefined)[],
  field: string,
): Promise<void> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
  if (wanted.length === 0) return;
  const found = await store.count(collection, { project_id: projectId, id: { $in: wanted } });
  if (found !== wanted.length) throw ValidationError.field(field, `must refer to ${collection} of the same project`);
}
