import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import { NotFoundError } from '../../errors.js';

export interface Owned extends StoredDoc {
  owner_id: string;
}

/**
 * Loads a document the user owns; anything missing or someone else's is the same 404,
 * so existence is never disclosed.
 */
export async function loadOwned<T extends Owned>(
  store: Pick<DocumentStore, 'get'>,
  collection: string,
  id: string,
  userId: string,
  label: string,
): Promise<T> {
  const doc = await store.get<T>(collection, id);
  if (!doc || doc.owner_id !== userId) throw new NotFoundError(label);
  return doc;
}
