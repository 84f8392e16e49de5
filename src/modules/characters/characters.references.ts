/**
 * Where a character is referenced: scene and panel `character_ids`, and bubble speakers
 * (`dialogue[].character_id`, mirrored in the panel's derived `speaker_ids`). Used to detach
 * a deleted character (appearances are a StoryQueries question, ports/story-queries.ts). Every
 * lookup is an array-index query (`$contains` on character_ids / speaker_ids), never a scan of
 * the project's panels.
 */
import type { DocumentStore, Filter, StoredDoc } from '../../ports/document-store.js';
import { withDialogue } from '../panels/panel-derived.js';
import type { PanelDoc, SceneDoc } from '../shared/story-order.js';

type Reader = Pick<DocumentStore, 'find'>;

/** What detaching reads of a scene (its update returns the whole document). */
const SCENE_FIELDS = ['project_id', 'character_ids'];
/** Keeps `$in` lists well under the SQL bound-parameter limit. */
const ID_CHUNK = 500;

const speaksInDialogue = (panel: PanelDoc, characterId: string) => (panel.dialogue ?? []).some((bubble) => bubble.character_id === characterId);
const shownIn = (doc: { character_ids?: string[] }, characterId: string) => (doc.character_ids ?? []).includes(characterId);

/**
 * The documents of `collection` whose array fields (any of `arrays`) hold the character, once
 * each. The project check is made here rather than in the queries, so each query stays a pure
 * array-index lookup (a project_id condition can lead SQLite to scan the whole project instead).
 */
async function withCharacter<T extends { id: string; project_id: string }>(
  store: Reader,
  collection: string,
  arrays: string[],
  projectId: string,
  characterId: string,
  fields?: string[],
): Promise<T[]> {
  const found = new Map<string, T>();
  // The first array's documents are read whole (or projected); the later arrays are asked for
  // ids only and just the documents not found yet are read: usually the same panels both show
  // and hear a character, and each document is then read once.
  const [first, ...rest] = arrays;
  const read = async (filter: Filter) => {
    for (const doc of await store.find<StoredDoc & T>(collection, filter, fields ? { fields } : {})) {
      if (doc.project_id === projectId) found.set(doc.id, doc);
    }
  };
  if (first !== undefined) await read({ [first]: { $contains: characterId } });
  for (const array of rest) {
    const ids = (await store.find(collection, { [array]: { $contains: characterId } }, { fields: [] })).map((doc) => doc.id).filter((id) => !found.has(id));
    for (let start = 0; start < ids.length; start += ID_CHUNK) await read({ id: { $in: ids.slice(start, start + ID_CHUNK) } });
  }
  return [...found.values()];
}

function scenesWithCharacter(store: Reader, projectId: string, characterId: string): Promise<SceneDoc[]> {
  return withCharacter<SceneDoc>(store, 'scenes', ['character_ids'], projectId, characterId, SCENE_FIELDS);
}

/**
 * Removes the character from scenes and panels and clears it as a speaker (the bubble text
 * stays). Call inside the transaction that deletes the character; returns the changed documents.
 */
export async function detachCharacter(
  tx: Pick<DocumentStore, 'find' | 'update'>,
  projectId: string,
  characterId: string,
): Promise<{ scenes: SceneDoc[]; panels: PanelDoc[] }> {
  const scenes: SceneDoc[] = [];
  for (const scene of await scenesWithCharacter(tx, projectId, characterId)) {
    const character_ids = scene.character_ids.filter((id) => id !== characterId);
    scenes.push((await tx.update<SceneDoc>('scenes', scene.id, { character_ids }))!);
  }
  const panels: PanelDoc[] = [];
  for (const panel of await withCharacter<PanelDoc>(tx, 'panels', ['character_ids', 'speaker_ids'], projectId, characterId)) {
    const patch: Partial<PanelDoc> = {};
    if (shownIn(panel, characterId)) patch.character_ids = panel.character_ids.filter((id) => id !== characterId);
    if (speaksInDialogue(panel, characterId)) {
      Object.assign(patch, withDialogue(panel.dialogue.map((bubble) => (bubble.character_id === characterId ? { ...bubble, character_id: null } : bubble))));
    }
    panels.push((await tx.update<PanelDoc>('panels', panel.id, patch))!);
  }
  return { scenes, panels };
}
