import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { applierFor, DRAFT_APPLIERS, draftTask, inferTask } from '../../src/modules/drafts/draft-apply.js';
import { chapterCover, characterDesign, characterSheet, panelDialogue, panelImage, recordOnly, visualPrompt } from '../../src/modules/drafts/draft-apply-fields.js';
import { generatedChapter, sceneBreakdown } from '../../src/modules/drafts/draft-apply-structure.js';
import { BreakdownContent, checkContent, normaliseBubbles, normalisePanel, sceneTitle } from '../../src/modules/drafts/draft-content.js';
import { checkBulk, describeError } from '../../src/modules/drafts/draft-bulk.js';
import { ConflictError } from '../../src/errors.js';

/** The field message of the ValidationError `fn` throws. */
function detail(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError && Array.isArray(error.details)) return error.details.map((d) => `${d.field}: ${d.message}`).join('; ');
    throw error;
  }
  throw new Error('did not throw');
}

const variant = (content: unknown, metadata: Record<string, unknown> = {}) => ({ id: 'v', content, metadata });
const text = (type: string) => ({ kind: 'text' as const, target: { type, id: 't' } });
const image = (type: string) => ({ kind: 'image' as const, target: { type, id: 't' } });

describe('which task a draft answers', () => {
  it("takes the variant's metadata.task first, then the job type, then the content shape", () => {
    expect(draftTask(text('panel'), variant('x', { task: 'visual_prompt' }), 'panel_description')).toBe('visual_prompt');
    expect(draftTask(text('panel'), variant('x'), 'panel_description')).toBe('panel_description');
    expect(draftTask(text('scene'), variant({ panels: [] }), 'auto_panel')).toBe('breakdown');
    expect(draftTask(text('scene'), variant({ panels: [] }), null)).toBe('breakdown');
    expect(draftTask(text('panel'), variant('x', { task: 'mystery' }), 'storyboard')).toBeUndefined();
  });

  it('infers only where one task fits the target', () => {
    expect(inferTask('scene', 'A summary')).toBe('scene_summary');
    expect(inferTask('chapter', 'An outline')).toBe('chapter_outline');
    expect(inferTask('chapter', { scenes: [] })).toBe('generate_chapter');
    expect(inferTask('character', { role: 'x' })).toBe('character_profile');
    expect(inferTask('panel', [])).toBe('dialogue');
    expect(inferTask('panel', 'text')).toBeUndefined();
    expect(inferTask('scene', 42)).toBeUndefined();
  });
});

describe('the applier table', () => {
  it('maps every (kind, target, task) of the issue to its applier', () => {
    expect(applierFor(image('panel'), variant(undefined), 'panel_sequence')).toBe(panelImage);
    expect(applierFor(image('chapter'), variant(undefined), 'chapter_cover')).toBe(chapterCover);
    expect(applierFor(image('character'), variant(undefined), 'character_design')).toBe(characterDesign);
    expect(applierFor(image('character'), variant(undefined), 'image')).toBe(characterDesign);
    expect(applierFor(image('character'), variant(undefined), 'character_sheet')).toBe(characterSheet);
    expect(applierFor(image('image'), variant(undefined), 'variations')).toBe(recordOnly);
    expect(applierFor(text('panel'), variant([]), 'dialogue')).toBe(panelDialogue);
    expect(applierFor(text('panel'), variant('p', { task: 'visual_prompt' }), null)).toBe(visualPrompt);
    expect(applierFor(text('scene'), variant({ panels: [] }), null)).toBe(sceneBreakdown);
    expect(applierFor(text('chapter'), variant({ scenes: [] }), 'generate_chapter')).toBe(generatedChapter);
  });

  it('422 when nothing fits, naming what it could not place', () => {
    expect(() => applierFor(text('panel'), variant('x'), null)).toThrow(ValidationError);
    expect(detail(() => applierFor(text('location'), variant('x'), null))).toMatch(/^variant_id: .*to a location/);
    expect(detail(() => applierFor(text('scene'), variant('x', { task: 'dialogue' }), null))).toMatch(/dialogue text draft/);
  });

  it('has one entry per mapping, catch-alls after the task-specific ones of the same target', () => {
    const seen = new Set<string>();
    for (const entry of DRAFT_APPLIERS) {
      const key = `${entry.kind}/${entry.target}/${entry.task ?? '*'}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
      if (entry.task) expect(seen.has(`${entry.kind}/${entry.target}/*`), key).toBe(false);
    }
  });
});

describe('variant content checks', () => {
  const known = { characters: new Set(['c1']), locations: new Set(['l1']) };

  it('reports the first misfit with its path under variant.content', () => {
    expect(() => checkContent(BreakdownContent, { panels: [{ description: 'ok' }, { dialogue: [{ type: 'speech', text: 7 }] }] }, 'breakdown')).toThrow(
      expect.objectContaining({ details: [{ field: 'variant.content.panels.1.dialogue.0.text', message: expect.stringMatching(/not a valid breakdown/) }] }),
    );
    expect(checkContent(BreakdownContent, { panels: [] }, 'breakdown')).toEqual({ panels: [] });
  });

  it('drops stale references and unknown shot types from proposals', () => {
    expect(normalisePanel({ shot_type: 'dutch', character_ids: ['c1', 'gone', 'c1'], location_id: 'gone' }, known)).toEqual({
      description: '',
      shot_type: null,
      camera_angle: '',
      character_ids: ['c1'],
      location_id: null,
      visual_prompt: '',
      notes: '',
    });
    expect(normalisePanel({ shot_type: 'pov', location_id: 'l1' }, known)).toMatchObject({ shot_type: 'pov', location_id: 'l1' });
    expect(
      normaliseBubbles(
        [
          { type: 'speech', character_id: 'c1', text: 'a' },
          { type: 'speech', character_id: 'gone', text: 'b' },
          { type: 'sfx', character_id: 'c1', text: 'c' },
        ],
        known,
      ).map((bubble) => bubble.character_id),
    ).toEqual(['c1', null, null]);
  });

  it('names untitled scenes by position and keeps titles within 200 characters', () => {
    expect(sceneTitle('  ', 2)).toBe('Scene 3');
    expect(sceneTitle(undefined, 0)).toBe('Scene 1');
    expect(sceneTitle('x'.repeat(250), 0)).toHaveLength(200);
  });
});

describe('bulk helpers', () => {
  it('checkBulk refuses parts that do not fit together', () => {
    expect(detail(() => checkBulk({ action: 'reject', draft_ids: ['a'], variant_ids: { a: 'v' } }))).toBe('variant_ids: only goes with action select');
    expect(detail(() => checkBulk({ action: 'select', draft_ids: ['a'], reason: 'r' }))).toBe('reason: only goes with action reject');
    expect(detail(() => checkBulk({ action: 'select', draft_ids: ['a'], variant_ids: { b: 'v' } }))).toMatch(/^variant_ids\.b: /);
    expect(() => checkBulk({ action: 'select', draft_ids: ['a'], variant_ids: { a: 'v' } })).not.toThrow();
  });

  it('describeError keeps the code and field details, and hides unexpected errors', () => {
    expect(describeError(ValidationError.field('variant_id', 'bad'))).toEqual({ error: 'Validation failed (variant_id: bad)', code: 'validation_failed' });
    expect(describeError(new ConflictError('busy'))).toEqual({ error: 'busy', code: 'conflict' });
    expect(describeError(new Error('SQLITE_BUSY at /var/x'))).toEqual({ error: 'Internal server error', code: 'internal_error' });
  });
});
