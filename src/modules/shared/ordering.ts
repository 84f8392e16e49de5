/**
 * Dense ordering of siblings (chapters in a project, scenes in a chapter, panels in a scene):
 * `order` is always 0..n-1. Call these inside one store transaction together with the insert,
 * delete or move they accompany. Each returns the siblings it renumbered (for change events).
 */
import type { DocumentStore, Filter, StoredDoc } from '../../ports/document-store.js';
import { ValidationError } from '../../errors.js';

export interface Ordered extends StoredDoc {
  order: number;
}

type Tx = Pick<DocumentStore, 'find' | 'update' | 'count'>;

const byOrder = { sort: [{ field: 'order', direction: 1 as const }] };
/** The helpers below only need each sibling's id and order: the rest of the document is not read. */
const orderOnly = { ...byOrder, fields: ['order'] };

/** The siblings in order. */
export function siblings<T extends Ordered>(tx: Tx, collection: string, parent: Filter): Promise<T[]> {
  return tx.find<T>(collection, parent, byOrder);
}

/**
 * Makes room for a new sibling at `requested` (default: the end) and returns the order to give
 * it. Out-of-range positions are a 422 on `field`.
 */
export async function makeRoom(tx: Tx, collection: string, parent: Filter, requested: number | undefined, field = 'order'): Promise<{ order: number; shifted: Ordered[] }> {
  const count = await tx.count(collection, parent);
  if (requested === undefined || requested === count) return { order: count, shifted: [] };
  if (requested < 0 || requested > count) throw ValidationError.field(field, `must be between 0 and ${count}`);
  const after = await tx.find<Ordered>(collection, { ...parent, order: { $gte: requested } }, orderOnly);
  const shifted: Ordered[] = [];
  for (const doc of after) shifted.push((await tx.update<Ordered>(collection, doc.id, { order: doc.order + 1 }))!);
  return { order: requested, shifted };
}

/** Closes the gap a removed sibling left at `removedOrder`. */
export async function closeGap(tx: Tx, collection: string, parent: Filter, removedOrder: number): Promise<Ordered[]> {
  const after = await tx.find<Ordered>(collection, { ...parent, order: { $gt: removedOrder } }, orderOnly);
  const shifted: Ordered[] = [];
  for (const doc of after) shifted.push((await tx.update<Ordered>(collection, doc.id, { order: doc.order - 1 }))!);
  return shifted;
}

/**
 * Gives the siblings the orders of `orderedIds` (which must list every sibling exactly once,
 * else a 422 on `field`); only documents whose order changes are written.
 */
export async function applyOrder(tx: Tx, collection: string, parent: Filter, orderedIds: string[], field: string): Promise<Ordered[]> {
  const current = await tx.find<Ordered>(collection, parent, orderOnly);
  const known = new Set(current.map((doc) => doc.id));
  const unique = new Set(orderedIds);
  if (unique.size !== orderedIds.length || orderedIds.length !== current.length || !orderedIds.every((id) => known.has(id))) {
    throw ValidationError.field(field, 'must list every item exactly once');
  }
  const changed: Ordered[] = [];
  for (const [index, id] of orderedIds.entries()) {
    const doc = current.find((candidate) => candidate.id === id)!;
    if (doc.order !== index) changed.push((await tx.update<Ordered>(collection, id, { order: index }))!);
  }
  return changed;
}

/** Moves one sibling to position `target` (0 <= target < n, else a 422 on `field`). */
export async function moveTo(tx: Tx, collection: string, parent: Filter, id: string, target: number, field = 'order'): Promise<Ordered[]> {
  const current = await tx.find<Ordered>(collection, parent, orderOnly);
  if (!Number.isInteger(target) || target < 0 || target >= current.length) {
    throw ValidationError.field(field, `must be between 0 and ${current.length - 1}`);
  }
  const ids = current.map((doc) => doc.id).filter((candidate) => candidate !== id);
  ids.splice(target, 0, id);
  return applyOrder(tx, collection, parent, ids, field);
}

/**
 * Shifts the siblings between positions `from` and `to` so the document at `from` can take
 * `to` (0 <= to < n, else a 422 on `field`). The caller writes the moved document's own
 * `order` together with its other changes (e.g. a PUT), so its version moves only once.
 */
export async function shiftForMove(tx: Tx, collection: string, parent: Filter, from: number, to: number, field = 'order'): Promise<Ordered[]> {
  const count = await tx.count(collection, parent);
  if (!Number.isInteger(to) || to < 0 || to >= count) throw ValidationError.field(field, `must be between 0 and ${count - 1}`);
  if (to === from) return [];
  const down = to > from;
  const between = await tx.find<Ordered>(collection, { ...parent, order: down ? { $gt: from, $lte: to } : { $gte: to, $lt: from } }, orderOnly);
  const shifted: Ordered[] = [];
  for (const doc of between) shifted.push((await tx.update<Ordered>(collection, doc.id, { order: doc.order + (down ? -1 : 1) }))!);
  return shifted;
}
