/**
 * What the panel service parts share: their dependencies, loaders (404 for other users),
 * reference checks (422 for anything outside the project) and change events.
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import { ValidationError } from '../../errors.js';
import { loadOwned, type Owned } from '../shared/access.js';
import { publishContentChange } from '../shared/events.js';
import { assertInProject } from '../shared/references.js';
import type { Ordered } from '../shared/ordering.js';
import { deleteScopedTo } from '../scenes/scene-cascade.js';
import { speakerIds } from './panels.logic.js';
import type { DialogueBubble, Panel } from './panels.schemas.js';

export const PANELS = 'panels';
export const SCENES = 'scenes';
export const INSTRUCTIONS = 'instructions';

export interface PanelsDeps {
  store: Pick<DocumentStore, 'get' | 'findPage' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
}

/** The scene fields a panel needs (the scenes module owns the rest). */
export interface SceneRef extends Owned {
  project_id: string;
  chapter_id: string;
}

export const loadPanel = (store: Pick<DocumentStore, 'get'>, userId: string, panelId: string) =>
  loadOwned<Panel>(store, PANELS, panelId, userId, 'Panel');

export const loadScene = (store: Pick<DocumentStore, 'get'>, userId: string, sceneId: string) =>
  loadOwned<SceneRef>(store, SCENES, sceneId, userId, 'Scene');

/** The sibling filter of a scene's panels (served by the (scene_id, order) index). */
export const inScene = (sceneId: string) => ({ scene_id: sceneId });

/** Characters, location and bubble speakers must belong to the panel's project (422 otherwise). */
export async function assertPanelReferences(
  tx: Pick<DocumentStore, 'count' | 'find'>,
  projectId: string,
  refs: { character_ids?: string[] | undefined; location_id?: string | null | undefined; dialogue?: DialogueBubble[] | undefined },
): Promise<void> {
  await assertInProject(tx, 'characters', projectId, refs.character_ids ?? [], 'character_ids');
  await assertInProject(tx, 'locations', projectId, [refs.location_id], 'location_id');
  const bubbles = refs.dialogue ?? [];
  const wanted = speakerIds(bubbles);
  if (wanted.length === 0) return;
  const found = await tx.find<Owned & { project_id: string }>('characters', { project_id: projectId, id: { $in: wanted } }, { fields: [] });
  const known = new Set(found.map((doc) => doc.id));
  const bad = bubbles.findIndex((bubble) => bubble.character_id !== null && !known.has(bubble.character_id));
  if (bad >= 0) throw ValidationError.field(`dialogue.${bad}.character_id`, 'must refer to a character of the same project');
}

/** Change events for one scene's panels, published after the transaction committed. */
export function panelEvents(events: PanelsDeps['events'], scene: { scene_id: string; project_id: string; owner_id: string }) {
  const parent = { type: 'scene', id: scene.scene_id };
  const publish = (action: 'created' | 'updated' | 'deleted', id: string, version: number | null) =>
    publishContentChange(events, scene, { resource: 'panel', id, action, version, parent });
  return {
    created: (panel: Panel) => publish('created', panel.id, panel.version),
    updated: (panel: { id: string; version: number }) => publish('updated', panel.id, panel.version),
    deleted: (panelId: string) => publish('deleted', panelId, null),
    /** Siblings whose order changed; `skip` ids already got their own event. */
    async reordered(shifted: Ordered[], ...skip: string[]) {
      for (const doc of shifted) if (!skip.includes(doc.id)) await publish('updated', doc.id, doc.version);
    },
    /** The dialogue stream of a panel (for subscribers of resource 'dialogue'). */
    dialogue: (panel: Panel) =>
      publishContentChange(events, scene, {
        resource: 'dialogue',
        id: panel.id,
        action: 'updated',
        version: panel.version,
        parent: { type: 'panel', id: panel.id },
      }),
    instructionsDeleted: async (ids: string[], panelId: string) => {
      for (const id of ids) {
        await publishContentChange(events, scene, { resource: 'instruction', id, action: 'deleted', version: null, parent: { type: 'panel', id: panelId } });
      }
    },
  };
}

/** Deletes a panel and what is scoped to it (instructions, drafts); returns the instruction ids removed. Call inside a transaction. */
export async function deletePanelDocs(tx: Pick<DocumentStore, 'find' | 'delete' | 'deleteMany'>, panelId: string): Promise<string[]> {
  const instructions = await tx.find<Owned>(INSTRUCTIONS, { scope_id: panelId }, { fields: [] });
  await deleteScopedTo(tx, [panelId]);
  await tx.delete(PANELS, panelId);
  return instructions.map((doc) => doc.id);
}
