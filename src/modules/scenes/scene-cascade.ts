/**
 * What hangs below a scene: its panels and the instructions scoped to the scene or to one of
 * its panels. Chapter and scene deletes both go through here, so a new kind of dependant
 * (e.g. drafts targeting a chapter, scene or panel) is added in one place: deleteScopedTo.
 */
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';

export type CascadeTx = Pick<DocumentStore, 'find' | 'deleteMany'>;

export interface RemovedSceneTrees {
  sceneIds: string[];
  panelIds: string[];
}

/** Keeps `$in` lists well under the SQL bound-parameter limit. */
const CHUNK = 500;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += CHUNK) out.push(items.slice(start, start + CHUNK));
  return out;
}

/** Deletes every document of `collection` whose `field` is one of `values`. */
export async function deleteWhereIn(tx: CascadeTx, collection: string, field: string, values: string[]): Promise<number> {
  let deleted = 0;
  for (const part of chunks(values)) deleted += await tx.deleteMany(collection, { [field]: { $in: part } });
  return deleted;
}

/**
 * Deletes what is scoped to any of `ids` (a chapter, scene, panel, character or location being
 * removed): the instructions (`scope_id`) and the AI drafts targeting it (`target_id`).
 */
export async function deleteScopedTo(tx: CascadeTx, ids: string[]): Promise<void> {
  await deleteWhereIn(tx, 'instructions', 'scope_id', ids);
  await deleteWhereIn(tx, 'drafts', 'target_id', ids);
}

/**
 * Deletes the given scenes, their panels and what is scoped to any of them, inside the
 * caller's transaction. The caller closes the ordering gap(s) it leaves.
 */
export async function deleteSceneTrees(tx: CascadeTx, sceneIds: string[]): Promise<RemovedSceneTrees> {
  if (sceneIds.length === 0) return { sceneIds, panelIds: [] };
  const panelIds: string[] = [];
  for (const part of chunks(sceneIds)) {
    const panels = await tx.find<StoredDoc>('panels', { scene_id: { $in: part } }, { fields: [] });
    panelIds.push(...panels.map((panel) => panel.id));
  }
  await deleteScopedTo(tx, [...sceneIds, ...panelIds]);
  await deleteWhereIn(tx, 'panels', 'scene_id', sceneIds);
  await deleteWhereIn(tx, 'scenes', 'id', sceneIds);
  return { sceneIds, panelIds };
}
