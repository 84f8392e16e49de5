/**
 * The scenes and panels a workflow covers, in reading order (chapter, scene, panel order),
 * with one query per collection. Ownership and project membership of the scope are checked
 * by the service before a job is queued.
 */
import type { DocumentStore, StoredDoc } from '../../ports/document-store.js';
import type { Panel } from '../panels/panels.schemas.js';
import type { Scene } from '../scenes/scenes.schemas.js';

export type WorkScope = { type: 'project' | 'chapter' | 'scene' | 'panel'; id: string };
export type PanelDoc = Panel & StoredDoc;
export type SceneDoc = Scene & StoredDoc;

const byOrder = { sort: [{ field: 'order', direction: 1 as const }] };

/** The scenes in scope, in reading order (a panel scope: its scene). */
export async function scenesInScope(store: Pick<DocumentStore, 'find' | 'get'>, projectId: string, scope: WorkScope): Promise<SceneDoc[]> {
  switch (scope.type) {
    case 'scene': {
      const scene = await store.get<SceneDoc>('scenes', scope.id);
      return scene ? [scene] : [];
    }
    case 'panel': {
      const panel = await store.get<PanelDoc>('panels', scope.id);
      const scene = panel ? await store.get<SceneDoc>('scenes', panel.scene_id) : null;
      return scene ? [scene] : [];
    }
    case 'chapter':
      return store.find<SceneDoc>('scenes', { chapter_id: scope.id }, byOrder);
    case 'project': {
      const chapters = await store.find<StoredDoc & { order: number }>('chapters', { project_id: projectId }, byOrder);
      const rank = new Map(chapters.map((chapter, index) => [chapter.id, index]));
      const scenes = await store.find<SceneDoc>('scenes', { project_id: projectId }, byOrder);
      return scenes.filter((scene) => rank.has(scene.chapter_id)).sort((a, b) => rank.get(a.chapter_id)! - rank.get(b.chapter_id)! || a.order - b.order);
    }
  }
}

/** The panels in scope, in reading order. */
export async function panelsInScope(store: Pick<DocumentStore, 'find' | 'get'>, projectId: string, scope: WorkScope): Promise<PanelDoc[]> {
  if (scope.type === 'panel') {
    const panel = await store.get<PanelDoc>('panels', scope.id);
    return panel ? [panel] : [];
  }
  if (scope.type === 'scene') return store.find<PanelDoc>('panels', { scene_id: scope.id }, byOrder);
  const scenes = await scenesInScope(store, projectId, scope);
  const rank = new Map(scenes.map((scene, index) => [scene.id, index]));
  const panels = await store.find<PanelDoc>('panels', scope.type === 'chapter' ? { chapter_id: scope.id } : { project_id: projectId }, byOrder);
  return panels.filter((panel) => rank.has(panel.scene_id)).sort((a, b) => rank.get(a.scene_id)! - rank.get(b.scene_id)! || a.order - b.order);
}
