/**
 * StoryQueries: the read-only questions about where a character or a location is used in a
 * project's story. Each adapter answers them in the database with its own query language
 * (SQLite: one indexed SQL query per collection; MongoDB: aggregation pipelines), reading
 * only the listed fields (never a panel's dialogue or prompts). Adapters must pass
 * test/contracts/story-queries.contract.ts.
 *
 * Story order: chapter order, then scene order, then panel order, then id (src/lib/story-order.ts).
 * Documents of other projects are never included, even when they name the same id.
 */

export interface SceneEntry {
  id: string;
  chapter_id: string;
  order: number;
  /** '' when the scene has none. */
  title: string;
  description: string;
}

export interface PanelEntry {
  id: string;
  chapter_id: string;
  scene_id: string;
  order: number;
  description: string;
}

export interface PanelAppearance extends PanelEntry {
  /** The character speaks at least one bubble of the panel (it is in the panel's `speaker_ids`). */
  speaks: boolean;
}

export interface StoryQueries {
  /** Scenes whose `character_ids` hold the character, and panels whose `character_ids` or `speaker_ids` do (once each), in story order. */
  appearances(projectId: string, characterId: string): Promise<{ scenes: SceneEntry[]; panels: PanelAppearance[] }>;
  /** Scenes and panels whose `location_id` is the location, in story order. */
  usage(projectId: string, locationId: string): Promise<{ scenes: SceneEntry[]; panels: PanelEntry[] }>;
}
