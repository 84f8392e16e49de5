/**
 * Where a character is referenced: scene and panel `character_ids`, and bubble speakers
 * (`dialogue[].character_id`). Used to list appearances and to detach a deleted character.
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { PanelDoc, SceneDoc } from '../shared/story-order.js';

type Reader = Pick<DocumentStore, 'find'>;

export const speaksIn = (panel: PanelDoc, characterId: string) => (panel.dialogue ?? []).some((bubble) => bubble.character_id === characterId);
const shownIn = (doc: { character_ids?: string[] }, characterId: string) => (doc.character_ids ?? []).includes(characterId);

export function scenesWithCharacter(store: Reader, projectId: string, characterId: string): Promise<SceneDoc[]> {
  return store.find<SceneDoc>('scenes', { project_id: projectId, character_ids: { $contains: characterId } });
}

/**
 * One query over the project's panels: the store filters top-level fields only, so speakers
 * nested in `dialogue` cannot be matched in the query itself.
 */
export async function panelsWithCharacter(store: Reader, projectId: string, characterId: string): Promise<PanelDoc[]> {
  const panels = await store.find<PanelDoc>('panels', { project_id: projectId });
  return panels.filter((panel) => shownIn(panel, characterId) || speaksIn(panel, characterId));
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
  for (const panel of await panelsWithCharacter(tx, projectId, characterId)) {
    const patch: Partial<PanelDoc> = {};
    if (shownIn(panel, characterId)) patch.character_ids = panel.character_ids.filter((id) => id !== characterId);
    if (speaksIn(panel, characterId)) {
      patch.dialogue = panel.dialogue.map((bubble) => (bubble.character_id === characterId ? { ...bubble, character_id: null } : bubble));
    }
    panels.push((await tx.update<PanelDoc>('panels', panel.id, patch))!);
  }
  return { scenes, panels };
}
