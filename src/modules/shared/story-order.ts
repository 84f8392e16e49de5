/**
 * The scene and panel fields that other modules read (appearances, usage, cascades), and a
 * loader for the chapter/scene orders that put them in story order with few queries.
 */
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import { sortPanelsInStoryOrder, sortScenesInStoryOrder, type PanelPosition, type Positions, type ScenePosition } from '../../lib/story-order.js';
import type { Owned } from './access.js';

export interface SceneDoc extends Owned {
  project_id: string;
  chapter_id: string;
  order: number;
  title: string;
  description: string;
  location_id: string | null;
  character_ids: string[];
}

export interface BubbleDoc {
  id: string;
  type: string;
  character_id: string | null;
  text: string;
  order: number;
}

export interface PanelDoc extends Owned {
  project_id: string;
  chapter_id: string;
  scene_id: string;
  order: number;
  description: string;
  location_id: string | null;
  character_ids: string[];
  dialogue: BubbleDoc[];
}

/** Two queries whatever the number of items (the project's chapters and the panels' scenes), reading only their orders. */
export async function storyPositions(store: Pick<DocumentStore, 'find'>, projectId: string, knownScenes: ScenePosition[], panels: PanelPosition[]): Promise<Positions> {
  const chapters = await store.find<StoredDoc & { order: number }>('chapters', { project_id: projectId }, { fields: ['order'] });
  const scenes = new Map(knownScenes.map((scene) => [scene.id, scene.order]));
  const missing = [...new Set(panels.map((panel) => panel.scene_id))].filter((id) => !scenes.has(id));
  if (missing.length > 0) {
    for (const scene of await store.find<StoredDoc & { order: number }>('scenes', { id: { $in: missing } }, { fields: ['order'] })) scenes.set(scene.id, scene.order);
  }
  return { chapters: new Map(chapters.map((chapter) => [chapter.id, chapter.order])), scenes };
}

/** Sorts scenes and panels in story order (chapter, scene, panel order). */
export async function inStoryOrder<S extends ScenePosition, P extends PanelPosition>(
  store: Pick<DocumentStore, 'find'>,
  projectId: string,
  scenes: S[],
  panels: P[],
): Promise<{ scenes: S[]; panels: P[] }> {
  if (scenes.length === 0 && panels.length === 0) return { scenes, panels };
  const positions = await storyPositions(store, projectId, scenes, panels);
  return { scenes: sortScenesInStoryOrder(scenes, positions), panels: sortPanelsInStoryOrder(panels, positions) };
}
