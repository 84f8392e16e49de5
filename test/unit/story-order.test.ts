import { describe, expect, it } from 'vitest';
import { sortPanelsInStoryOrder, sortScenesInStoryOrder, type Positions } from '../../src/lib/story-order.js';

// Chapter "late" was created first but sits second; scene ids likewise do not follow story order.
const positions: Positions = {
  chapters: new Map([
    ['late', 1],
    ['early', 0],
  ]),
  scenes: new Map([
    ['e2', 1],
    ['e1', 0],
    ['l1', 0],
  ]),
};

describe('story order', () => {
  it('sorts scenes by chapter order, then scene order', () => {
    const scenes = [
      { id: 'l1', chapter_id: 'late', order: 0 },
      { id: 'e2', chapter_id: 'early', order: 1 },
      { id: 'e1', chapter_id: 'early', order: 0 },
    ];
    expect(sortScenesInStoryOrder(scenes, positions).map((s) => s.id)).toEqual(['e1', 'e2', 'l1']);
  });

  it('sorts panels by chapter, scene, then panel order, and unknown containers last', () => {
    const panels = [
      { id: 'a', chapter_id: 'late', scene_id: 'l1', order: 0 },
      { id: 'b', chapter_id: 'early', scene_id: 'e2', order: 0 },
      { id: 'c', chapter_id: 'early', scene_id: 'e1', order: 2 },
      { id: 'd', chapter_id: 'early', scene_id: 'e1', order: 1 },
      { id: 'e', chapter_id: 'gone', scene_id: 'g1', order: 0 },
    ];
    const sorted = sortPanelsInStoryOrder(panels, positions);
    expect(sorted.map((p) => p.id)).toEqual(['d', 'c', 'b', 'a', 'e']);
    expect(panels[0]!.id).toBe('a');
  });
});
