import type { DocumentStore } from '../../ports/document-store.js';
import { loadOwned } from '../shared/access.js';
import type { Project } from '../projects/projects.schemas.js';
import type { PanelDoc } from './project-tree.js';

export interface ProjectStats {
  chapters: number;
  scenes: number;
  panels: number;
  characters: number;
  locations: number;
  instructions: number;
  images: number;
  dialogue_bubbles: number;
  dialogue_words: number;
  panels_without_image: number;
  pending_drafts: number;
}

export interface ProjectStatsDeps {
  store: Pick<DocumentStore, 'get' | 'count' | 'find'>;
}

/** Words are runs of non-space characters, the way a letterer counts them. */
export function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

export interface PanelTotals {
  panels: number;
  without_image: number;
  bubbles: number;
  words: number;
}

/** Panel count, panels with no image, bubbles and words, in one pass over the panels. */
export function panelTotals(panels: Iterable<Pick<PanelDoc, 'dialogue' | 'image_id'>>): PanelTotals {
  const totals: PanelTotals = { panels: 0, without_image: 0, bubbles: 0, words: 0 };
  for (const panel of panels) {
    totals.panels += 1;
    if (panel.image_id === null || panel.image_id === undefined) totals.without_image += 1;
    if (!Array.isArray(panel.dialogue)) continue;
    totals.bubbles += panel.dialogue.length;
    for (const bubble of panel.dialogue) if (typeof bubble.text === 'string') totals.words += countWords(bubble.text);
  }
  return totals;
}

export function createProjectStatsService(deps: ProjectStatsDeps) {
  const { store } = deps;

  return {
    async get(userId: string, projectId: string): Promise<ProjectStats> {
      await loadOwned<Project>(store, 'projects', projectId, userId, 'Project');
      const byProject = { project_id: projectId };
      const count = (collection: string, extra: Record<string, string> = {}) => store.count(collection, { ...byProject, ...extra });
      // 'images' and 'drafts' may not be declared yet: the store answers 0 for an empty collection.
      const [chapters, scenes, characters, locations, instructions, images, pendingDrafts] = await Promise.all([
        count('chapters'),
        count('scenes'),
        count('characters'),
        count('locations'),
        count('instructions'),
        count('images'),
        count('drafts', { status: 'pending' }),
      ]);
      // Dialogue lives inside the panels, so they are read anyway (one query); the panel counts
      // come from the same pass instead of two more scans. The port has no projection yet.
      const panels = panelTotals(await store.find<PanelDoc>('panels', byProject));
      return {
        chapters,
        scenes,
        panels: panels.panels,
        characters,
        locations,
        instructions,
        images,
        dialogue_bubbles: panels.bubbles,
        dialogue_words: panels.words,
        panels_without_image: panels.without_image,
        pending_drafts: pendingDrafts,
      };
    },
  };
}

export type ProjectStatsService = ReturnType<typeof createProjectStatsService>;
