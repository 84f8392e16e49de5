/**
 * The scene and panel fields that other modules read (cascades, detaching). Appearances and
 * usage in story order are a StoryQueries question (ports/story-queries.ts).
 */
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
