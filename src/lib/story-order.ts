/**
 * Story order: chapter order, then scene order, then panel order. Scenes and panels only
 * carry their own `order`, so callers pass the orders of the chapters and scenes around them.
 */
export interface ScenePosition {
  id: string;
  chapter_id: string;
  order: number;
}

export interface PanelPosition {
  id: string;
  chapter_id: string;
  scene_id: string;
  order: number;
}

/** Orders of the containers, by id. An unknown container sorts last (it should not happen). */
export interface Positions {
  chapters: ReadonlyMap<string, number>;
  scenes: ReadonlyMap<string, number>;
}

const at = (map: ReadonlyMap<string, number>, id: string) => map.get(id) ?? Number.MAX_SAFE_INTEGER;

export function sortScenesInStoryOrder<T extends ScenePosition>(scenes: readonly T[], positions: Positions): T[] {
  return [...scenes].sort(
    (a, b) => at(positions.chapters, a.chapter_id) - at(positions.chapters, b.chapter_id) || a.order - b.order || compareIds(a.id, b.id),
  );
}

export function sortPanelsInStoryOrder<T extends PanelPosition>(panels: readonly T[], positions: Positions): T[] {
  return [...panels].sort(
    (a, b) =>
      at(positions.chapters, a.chapter_id) - at(positions.chapters, b.chapter_id) ||
      at(positions.scenes, a.scene_id) - at(positions.scenes, b.scene_id) ||
      a.order - b.order ||
      compareIds(a.id, b.id),
  );
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
