import { describe, expect, it } from 'vitest';
import { unknownMentions, type MentionText } from '../../src/modules/workflows/consistency-mentions.js';

const NAMES = { characters: ['Mara Quinn', 'Captain Tom Reyes', "Jean-Luc O'Hara"], other: ['Pier 9', 'The Rusty Anchor', 'Harbour Lights', 'Last Orders'] };
const at = (text: string, n = 1, inScope = true): MentionText => ({ text, target: { type: 'panel', id: n.toString(16).padStart(24, '0') }, where: `panel ${n}`, inScope });
const names = (...texts: string[]) => unknownMentions(texts.map((text, i) => at(text, i + 1)), NAMES).map((issue) => issue.details.name);

describe('unknownMentions: no false positives', () => {
  const quiet: [string, string[]][] = [
    ['sentence-initial words', ['Suddenly the lights go out. Rain falls. Night comes. Then nothing.']],
    ['known characters by any part of the name, possessive or not', ["Mara's coat is wet. Quinn nods. Reyes and Tom wait. O'Hara laughs. Jean-Luc leaves."]],
    ['titles alone or after an article', ['The old man calls for the Captain. Sir, please. She salutes the Inspector and the Harbour Master.']],
    ['quoted speech starts a sentence', ['He says "Wait here." Then he leaves. She whispers, "Never again."']],
    ['a closing quote does not make the next name sentence-initial', ['"Go," Mara says.']],
    ['location words and titles', ['She drinks at the Rusty Anchor. Anchor lights flicker on Pier 9 near Harbour Lights.']],
    ['ALL CAPS sound effects and shouting', ['BOOM! KRAK. STOP THAT NOW']],
    ['title-cased captions', ['Later That Night', 'The Morning After', 'Meanwhile, Back At The Pier']],
    ['days, months, languages, interjections, I', ['On Monday in June she speaks French. Oh, OK, I see. Hey, Mom!']],
    ['a word also seen in lower case elsewhere', ['She clings to Hope.', 'There is no hope left.']],
    ['an abbreviation does not end a sentence, but knows the name', ['Mara calls Dr. Reyes.']],
    ['numbers and mixed tokens', ['Room 9B on the 3rd floor. Gate 12.']],
  ];
  for (const [what, texts] of quiet) {
    it(what, () => {
      expect(names(...texts)).toEqual([]);
    });
  }
});

describe('unknownMentions: real unknown names', () => {
  it('finds a capitalised name mid-sentence', () => {
    expect(names('Mara meets Zed at the lamp.')).toEqual(['Zed']);
  });

  it('counts a sentence-initial name once the project uses it mid-sentence, and counts every mention', () => {
    const issues = unknownMentions([at('Zed waits.', 1), at('Later, Mara calls Zed.', 2)], NAMES);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ type: 'unknown_character_mention', severity: 'warning', details: { name: 'Zed', mentions: 2 }, target: { id: (1).toString(16).padStart(24, '0') } });
    expect(issues[0]!.message).toContain('and 1 more time');
  });

  it('leaves a sentence-initial word alone when nothing else suggests a name', () => {
    expect(names('Zed waits.')).toEqual([]);
  });

  it('keeps a multi-word name together and strips titles, possessives and abbreviations', () => {
    expect(names('She meets Inspector Ada Holt. The coat is Holt\'s.', 'Mara calls Dr. Vance.')).toEqual(['Ada Holt', 'Holt', 'Vance']);
  });

  it('does not take the period of a lower-case abbreviation for the end of a sentence', () => {
    expect(names('Tonight it is Mara vs. Holt.')).toEqual(['Holt']);
  });

  it('reports only texts in scope, judging names with the whole project', () => {
    const issues = unknownMentions([at('Zed waits.', 1, true), at('Mara calls Zed.', 2, false)], NAMES);
    expect(issues.map((i) => [i.details.name, i.target.id])).toEqual([['Zed', (1).toString(16).padStart(24, '0')]]);
  });
});
