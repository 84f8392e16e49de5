import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import {
  buildDialogue,
  defaultSplitIndex,
  joinDescriptions,
  mergeDialogue,
  renumber,
  speakerIds,
  splitDialogue,
  unionIds,
} from '../../src/modules/panels/panels.logic.js';
import type { DialogueBubble } from '../../src/modules/panels/panels.schemas.js';

const bubble = (id: string, order: number, text = id): DialogueBubble => ({ id, type: 'speech', character_id: null, text, order });
const ids = (list: DialogueBubble[]) => list.map((b) => b.id);
const sequence = () => {
  let n = 0;
  return () => `new${++n}`;
};

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return (error.details as { field: string }[])[0]?.field;
    throw error;
  }
  return undefined;
}

describe('buildDialogue', () => {
  const existing = [bubble('aaa', 0), bubble('bbb', 1)];

  it('keeps ids of existing bubbles, mints the rest, numbers by position and defaults speakers to null', () => {
    const built = buildDialogue(
      [
        { type: 'speech', text: 'x', id: 'bbb', character_id: 'hero' },
        { type: 'caption', text: 'y' },
        { type: 'sfx', text: 'z', id: 'zzz', character_id: null },
        { type: 'shout', text: 'w', id: 'bbb' },
      ],
      existing,
      'dialogue',
      sequence(),
    );
    expect(built).toEqual([
      { id: 'bbb', type: 'speech', character_id: 'hero', text: 'x', order: 0 },
      { id: 'new1', type: 'caption', character_id: null, text: 'y', order: 1 },
      { id: 'new2', type: 'sfx', character_id: null, text: 'z', order: 2 },
      { id: 'new3', type: 'shout', character_id: null, text: 'w', order: 3 },
    ]);
  });

  it('accepts an order equal to the position and rejects any other', () => {
    expect(buildDialogue([{ type: 'speech', text: 'a', order: 0 }], [], 'dialogue', sequence())[0]!.order).toBe(0);
    expect(fieldOf(() => buildDialogue([{ type: 'speech', text: 'a' }, { type: 'speech', text: 'b', order: 0 }]))).toBe('dialogue.1.order');
  });

  it.each(['caption', 'sfx'] as const)('rejects a speaker on a %s', (type) => {
    expect(fieldOf(() => buildDialogue([{ type, text: 'a', character_id: 'hero' }]))).toBe('dialogue.0.character_id');
  });

  it.each(['speech', 'thought', 'whisper', 'shout'] as const)('allows a speaker or none on a %s', (type) => {
    expect(buildDialogue([{ type, text: 'a', character_id: 'hero' }, { type, text: 'b' }]).map((b) => b.character_id)).toEqual(['hero', null]);
  });
});

describe('splitDialogue', () => {
  const five = ['a', 'b', 'c', 'd', 'e'].map((id, i) => bubble(id, i));

  it('defaults to half, rounded up', () => {
    expect([0, 1, 2, 3, 4, 5].map(defaultSplitIndex)).toEqual([0, 1, 1, 2, 2, 3]);
    const { kept, moved } = splitDialogue(five);
    expect([ids(kept), ids(moved)]).toEqual([['a', 'b', 'c'], ['d', 'e']]);
    expect(moved.map((b) => b.order)).toEqual([0, 1]);
  });

  it('accepts 0..n and rejects anything else on dialogue_index', () => {
    expect(ids(splitDialogue(five, 0).moved)).toEqual(ids(five));
    expect(ids(splitDialogue(five, 5).kept)).toEqual(ids(five));
    for (const k of [-1, 6, 1.5]) expect(fieldOf(() => splitDialogue(five, k))).toBe('dialogue_index');
  });
});

describe('merge helpers', () => {
  it('concatenates bubbles and renumbers them', () => {
    const merged = mergeDialogue([bubble('a', 0), bubble('b', 1)], [bubble('c', 0)]);
    expect(merged.map((b) => [b.id, b.order])).toEqual([['a', 0], ['b', 1], ['c', 2]]);
    expect(renumber([bubble('x', 7)])[0]!.order).toBe(0);
  });

  it('joins descriptions with a blank line, skipping empty ones', () => {
    expect(joinDescriptions('One.', 'Two.')).toBe('One.\n\nTwo.');
    expect(joinDescriptions('', 'Two.')).toBe('Two.');
    expect(joinDescriptions('One.', '  \n')).toBe('One.');
    expect(joinDescriptions('', '')).toBe('');
  });

  it('unites ids in first-seen order without duplicates', () => {
    expect(unionIds(['b', 'a'], ['a', 'c', 'b', 'd'])).toEqual(['b', 'a', 'c', 'd']);
    expect(speakerIds([{ character_id: 'x' }, { character_id: null }, { character_id: 'x' }, {}])).toEqual(['x']);
  });
});
