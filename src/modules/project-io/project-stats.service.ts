import type { DocumentStore } from '../../ports/document-store.js';
import { loadOwned } from '../shared/access.js';
import type { Project } from '../projects/projects.schemas.js';

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
  store: Pick<DocumentStore, 'get' | 'count' | 'totals'>;
}

export function createProjectStatsService(deps: ProjectStatsDeps) {
  const { store } = deps;

  return {
    /**
     * Counts and sums computed by the store, never by reading documents: bubbles and words come
     * from each panel's derived bubble_count / word_count (panel-derived.ts), and on SQLite the
     * panel figures are answered by one index alone (ports/collections.ts).
     */
    async get(userId: string, projectId: string): Promise<ProjectStats> {
      await loadOwned<Project>(store, 'projects', projectId, userId, 'Project');
      const byProject = { project_id: projectId };
      const count = (collection: string, extra: Record<string, string | null> = {}) => store.count(collection, { ...byProject, ...extra });
      // 'images' and 'drafts' may not be declared yet: the store answers 0 for an empty collection.
      const [chapters, scenes, characters, locations, instructions, images, pendingDrafts, panels, withoutImage] = await Promise.all([
        count('chapters'),
        count('scenes'),
        count('characters'),
        count('locations'),
        count('instructions'),
        count('images'),
        count('drafts', { status: 'pending' }),
        store.totals('panels', byProject, ['bubble_count', 'word_count']),
        // null matches a missing image_id too.
        count('panels', { image_id: null }),
      ]);
      return {
        chapters,
        scenes,
        panels: panels.count,
        characters,
        locations,
        instructions,
        images,
        dialogue_bubbles: panels.sums.bubble_count ?? 0,
        dialogue_words: panels.sums.word_count ?? 0,
        panels_without_image: withoutImage,
        pending_drafts: pendingDrafts,
      };
    },
  };
}

export type ProjectStatsService = ReturnType<typeof createProjectStatsService>;
