import { describe, expect, it } from 'vitest';
import { exportJsonChunks, slugify } from '../../src/modules/project-io/export-format.js';
import type { ChapterNode, ProjectTree } from '../../src/modules/project-io/project-tree.js';
import type { Project } from '../../src/modules/projects/projects.schemas.js';
import { DEFAULT_STYLE_GUIDE } from '../../src/modules/projects/projects.schemas.js';

const stamp = { created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', version: 1 };
const owner = { owner_id: 'o'.repeat(24), project_id: 'p'.repeat(24) };
const project: Project = { id: 'p'.repeat(24), ...stamp, owner_id: owner.owner_id, title: 'T', description: '', genre: '', tags: [], style_guide: DEFAULT_STYLE_GUIDE };

function tree(chapters: ChapterNode[]): ProjectTree {
  return { project, chapters, characters: [], locations: [], instructions: [], images: [] };
}

function bigTree(chapterCount: number, scenesPer: number, panelsPer: number): ProjectTree {
  const chapters: ChapterNode[] = [];
  for (let c = 0; c < chapterCount; c++) {
    const chapterId = `c${c}`;
    chapters.push({
      chapter: { id: chapterId, ...stamp, ...owner, order: c, title: `Chapter "${c}" \u2028 ✓` },
      scenes: Array.from({ length: scenesPer }, (_, s) => ({
        scene: { id: `${chapterId}s${s}`, ...stamp, ...owner, chapter_id: chapterId, order: s },
        panels: Array.from({ length: panelsPer }, (_, p) => ({
          id: `${chapterId}s${s}p${p}`,
          ...stamp,
          ...owner,
          chapter_id: chapterId,
          scene_id: `${chapterId}s${s}`,
          order: p,
          description: 'x'.repeat(200),
          dialogue: [{ id: 'b', type: 'speech', character_id: null, text: 'He said "hi"\n', order: 0 }],
        })),
      })),
    });
  }
  return tree(chapters);
}

describe('exportJsonChunks', () => {
  it('writes one valid document equal to the nested tree', () => {
    const t = bigTree(2, 2, 2);
    const doc = JSON.parse([...exportJsonChunks(t, '2026-02-02T00:00:00.000Z')].join(''));
    expect(doc).toEqual({
      format_version: 1,
      exported_at: '2026-02-02T00:00:00.000Z',
      project,
      chapters: t.chapters.map(({ chapter, scenes }) => ({ ...chapter, scenes: scenes.map(({ scene, panels }) => ({ ...scene, panels })) })),
      characters: [],
      locations: [],
      instructions: [],
      images: [],
    });
  });

  it('handles empty lists and chapters or scenes with nothing below', () => {
    const empty = JSON.parse([...exportJsonChunks(tree([]), 'now')].join(''));
    expect(empty.chapters).toEqual([]);
    const hollow = JSON.parse([...exportJsonChunks(bigTree(2, 0, 0), 'now')].join(''));
    expect(hollow.chapters.map((c: { scenes: unknown[] }) => c.scenes)).toEqual([[], []]);
  });

  it('never lets a stored field shadow the nested list', () => {
    const t = bigTree(1, 1, 1);
    (t.chapters[0]!.chapter as Record<string, unknown>).scenes = 'stale';
    const doc = JSON.parse([...exportJsonChunks(t, 'now')].join(''));
    expect(doc.chapters[0].scenes).toHaveLength(1);
  });

  it('streams a big project as many bounded chunks rather than one string', () => {
    const chunks = [...exportJsonChunks(bigTree(10, 10, 20), 'now')];
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(64 * 1024 + 4096);
    expect(JSON.parse(chunks.join('')).chapters).toHaveLength(10);
  });
});

describe('slugify', () => {
  it.each([
    ['Café Noir: Part 2', 'cafe-noir-part-2'],
    ['  --Hello   World--  ', 'hello-world'],
    ['ÅNGSTRÖM', 'angstrom'],
    ['日本語', 'project'],
    ['', 'project'],
    ['a"b\\c/d\r\ne', 'a-b-c-d-e'],
  ])('%j -> %j', (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });

  it('keeps file names short and without a trailing dash', () => {
    const slug = slugify(`${'word '.repeat(40)}end`);
    expect(slug.length).toBeLessThanOrEqual(80);
    expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});
