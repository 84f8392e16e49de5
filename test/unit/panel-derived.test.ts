import { describe, expect, it } from 'vitest';
import { countWords, DERIVED_PANEL_FIELDS, panelDerived, withDialogue, withoutDerived } from '../../src/modules/panels/panel-derived.js';

const bubble = (text: string, characterId: string | null = null) => ({ id: 'b', type: 'speech', character_id: characterId, text, order: 0 });

describe('word counting', () => {
  it.each([
    ['', 0],
    ['   ', 0],
    ['one', 1],
    ['  two\twords\n', 2],
    ['Hello, world... again!', 3],
    ['«Ça va ?»', 3],
  ])('countWords(%j) = %i', (text, words) => {
    expect(countWords(text)).toBe(words);
  });
});

describe('panelDerived', () => {
  it('counts bubbles and words and lists the distinct speakers in first-seen order', () => {
    const dialogue = [bubble('a b', 'c2'), bubble('  c  ', null), bubble('d e f', 'c1'), bubble('g', 'c2')];
    expect(panelDerived(dialogue)).toEqual({ bubble_count: 4, word_count: 7, speaker_ids: ['c2', 'c1'] });
  });

  it('answers zeros for no dialogue, and tolerates malformed stored data', () => {
    expect(panelDerived([])).toEqual({ bubble_count: 0, word_count: 0, speaker_ids: [] });
    expect(panelDerived(undefined)).toEqual({ bubble_count: 0, word_count: 0, speaker_ids: [] });
    expect(panelDerived('not a list')).toEqual({ bubble_count: 0, word_count: 0, speaker_ids: [] });
    // Every element is a bubble for the count; only string texts and speakers count further.
    expect(panelDerived([null, { text: 7, character_id: 3 }, { text: 'x y' }])).toEqual({ bubble_count: 3, word_count: 2, speaker_ids: [] });
  });

  it('withDialogue stores the bubbles together with their derived fields', () => {
    const dialogue = [bubble('Three little words', 'hero'), bubble('Later')];
    expect(withDialogue(dialogue)).toEqual({ dialogue, bubble_count: 2, word_count: 4, speaker_ids: ['hero'] });
  });

  it('withoutDerived drops exactly the derived fields, leaving the input alone', () => {
    const panel = { id: 'p', description: 'd', ...withDialogue([bubble('hi', 'c')]) };
    const stripped = withoutDerived(panel);
    expect(stripped).toEqual({ id: 'p', description: 'd', dialogue: panel.dialogue });
    expect(Object.keys(panel)).toEqual(expect.arrayContaining([...DERIVED_PANEL_FIELDS]));
  });
});
