import { describe, expect, it } from 'vitest';
import { checkProject, countBySeverity, styleWords } from '../../src/modules/workflows/consistency-rules.js';
import { ISSUE_SEVERITY, type CheckPanel, type CheckProject, type IssueType } from '../../src/modules/workflows/consistency-types.js';

const id = (n: number) => n.toString(16).padStart(24, '0');
const [PROJECT, MARA, TOM, PIER, ANCHOR, C1, C2, S1, S2, S3, P1, P2, P3, P4] = Array.from({ length: 14 }, (_, i) => id(i + 1));

/** A small project with nothing wrong in it, written the way writers write (names, places, quotes, captions, sfx). */
function clean(): CheckProject {
  return {
    id: PROJECT!,
    title: 'Harbour Lights',
    style_guide: { art_style: 'ink wash, noir' },
    characters: [
      { id: MARA!, name: 'Mara Quinn', appearance: 'red coat, silver hair', design_image_ids: ['a'] },
      { id: TOM!, name: 'Captain Tom Reyes', description: 'The harbour master', design_image_ids: ['b'] },
    ],
    locations: [
      { id: PIER!, name: 'Pier 9' },
      { id: ANCHOR!, name: 'The Rusty Anchor' },
    ],
    chapters: [
      {
        id: C1!,
        order: 0,
        title: 'Arrival',
        summary: 'Mara comes back to the harbour.',
        scenes: [
          {
            id: S1!,
            order: 0,
            title: 'The pier',
            description: 'Mara walks the pier at night. Later, Reyes finds her near the Rusty Anchor. "Where is it?" Mara asks.',
            location_id: PIER!,
            character_ids: [MARA!, TOM!],
            panels: [
              {
                id: P1!,
                order: 0,
                description: "Mara's coat glows under a lamp. The rain falls on Pier 9.",
                visual_prompt: 'Medium shot, Mara in a red coat under a lamp, ink wash, noir',
                character_ids: [MARA!],
                location_id: PIER!,
                image_id: 'i1',
                dialogue: [{ type: 'caption', character_id: null, text: 'Meanwhile... Later That Night' }],
              },
              {
                id: P2!,
                order: 1,
                description: 'Captain Reyes steps out of the fog. Suddenly the lamp dies. Mara turns to the Harbour Master.',
                visual_prompt: '',
                character_ids: [MARA!, TOM!],
                location_id: null,
                image_id: 'i2',
                dialogue: [
                  { type: 'speech', character_id: TOM!, text: 'Hello, Mara. It is late, Miss Quinn.' },
                  { type: 'speech', character_id: MARA!, text: 'Dr. Reyes said you would come. OK? I waited since Monday.' },
                  { type: 'sfx', character_id: null, text: 'KRAK' },
                  { type: 'shout', character_id: MARA!, text: 'STOP! Tom!' },
                  { type: 'thought', character_id: MARA!, text: 'He speaks English like a sailor. Tom knows.' },
                ],
              },
            ],
          },
        ],
      },
      {
        id: C2!,
        order: 1,
        title: 'The Rusty Anchor',
        summary: 'Tom buys the drinks.',
        scenes: [
          {
            id: S2!,
            order: 0,
            title: 'Last orders',
            description: 'Inside the Rusty Anchor, Tom Reyes pours two glasses. "To the sea," he says.',
            location_id: ANCHOR!,
            character_ids: [TOM!, MARA!],
            panels: [
              { id: P3!, order: 0, description: 'Tom pours. Mara watches him.', visual_prompt: 'Close-up of inked hands pouring rum, noir, ink wash', character_ids: [TOM!, MARA!], location_id: ANCHOR!, image_id: 'i3', dialogue: [{ type: 'whisper', character_id: TOM!, text: 'To the sea.' }] },
            ],
          },
        ],
      },
    ],
  };
}

const types = (project: CheckProject, scope?: Parameters<typeof checkProject>[1]) => checkProject(project, scope).map((i) => i.type);
const panel = (project: CheckProject, chapter: number, scene: number, index: number): CheckPanel => project.chapters[chapter]!.scenes[scene]!.panels[index]!;

describe('checkProject on a clean project', () => {
  it('finds nothing', () => {
    expect(checkProject(clean())).toEqual([]);
  });
});

describe('each rule on a planted problem', () => {
  const only = (project: CheckProject, type: IssueType) => {
    const issues = checkProject(project);
    expect(issues.map((i) => i.type)).toEqual([type]);
    expect(issues[0]!.severity).toBe(ISSUE_SEVERITY[type]);
    return issues[0]!;
  };

  it('speaker_not_present: a bubble by a character who is not in the panel', () => {
    const p = clean();
    panel(p, 1, 0, 0).dialogue!.push({ type: 'speech', character_id: MARA!, text: 'Thanks.' });
    panel(p, 1, 0, 0).character_ids = [TOM!];
    const found = only(p, 'speaker_not_present');
    expect(found).toMatchObject({ target: { type: 'panel', id: P3 }, details: { character_id: MARA, scene_id: S2 } });
    expect(found.message).toContain('"Mara Quinn"');
  });

  it('speaker_not_present ignores captions and sfx, and reports a speaker once per panel', () => {
    const p = clean();
    const target = panel(p, 0, 0, 1);
    target.character_ids = [TOM!];
    expect(checkProject(p).filter((i) => i.type === 'speaker_not_present')).toHaveLength(1);
    target.dialogue = [{ type: 'caption', character_id: null, text: 'Night.' }, { type: 'sfx', character_id: null, text: 'BANG' }];
    expect(types(p)).not.toContain('speaker_not_present');
  });

  it('character_not_in_scene: a panel character the scene does not list', () => {
    const p = clean();
    p.chapters[1]!.scenes[0]!.character_ids = [TOM!];
    expect(only(p, 'character_not_in_scene')).toMatchObject({ target: { type: 'panel', id: P3 }, details: { character_id: MARA, scene_id: S2 } });
  });

  it('location_mismatch: a panel set elsewhere than its scene (a panel without a location inherits)', () => {
    const p = clean();
    panel(p, 0, 0, 0).location_id = ANCHOR!;
    const found = only(p, 'location_mismatch');
    expect(found.details).toMatchObject({ panel_location_id: ANCHOR, scene_location_id: PIER });
    expect(found.message).toContain('"The Rusty Anchor"');
    panel(p, 0, 0, 0).location_id = null;
    p.chapters[0]!.scenes[0]!.location_id = null;
    panel(p, 0, 0, 1).location_id = PIER!;
    expect(checkProject(p)).toEqual([]);
  });

  it('missing_description on panels, scenes and characters (blank counts as missing)', () => {
    const p = clean();
    panel(p, 1, 0, 0).description = '   ';
    expect(only(p, 'missing_description').target).toEqual({ type: 'panel', id: P3 });
    const q = clean();
    Object.assign(q.chapters[1]!.scenes[0]!, { description: '', summary: '' });
    expect(only(q, 'missing_description').target).toEqual({ type: 'scene', id: S2 });
    const r = clean();
    Object.assign(r.characters[1]!, { description: '', appearance: '' });
    expect(only(r, 'missing_description').target).toEqual({ type: 'character', id: TOM });
  });

  it('missing_image', () => {
    const p = clean();
    panel(p, 0, 0, 1).image_id = null;
    expect(only(p, 'missing_image').target).toEqual({ type: 'panel', id: P2 });
  });

  it('empty_scene and empty_chapter', () => {
    const p = clean();
    p.chapters[0]!.scenes.push({ id: S3!, order: 1, title: 'Fog', description: 'Fog rolls in.', panels: [] });
    expect(only(p, 'empty_scene').target).toEqual({ type: 'scene', id: S3 });
    const q = clean();
    q.chapters.push({ id: id(99), order: 2, title: 'Epilogue', scenes: [] });
    expect(only(q, 'empty_chapter').target).toEqual({ type: 'chapter', id: id(99) });
  });

  it('unknown_character_mention: a name in a description that matches no character', () => {
    const p = clean();
    panel(p, 0, 0, 0).description = 'Mara meets Zed at the lamp.';
    const found = only(p, 'unknown_character_mention');
    expect(found).toMatchObject({ target: { type: 'panel', id: P1 }, details: { name: 'Zed', mentions: 1 } });
  });

  it('style_drift: a visual prompt without the art style (word starts count: "inked" has "ink")', () => {
    const p = clean();
    panel(p, 0, 0, 0).visual_prompt = 'Photorealistic medium shot of Mara, cinematic';
    const found = only(p, 'style_drift');
    expect(found.details).toMatchObject({ art_style: 'ink wash, noir', missing_words: ['ink', 'wash', 'noir'] });
    // Half the style words is enough; no style guide or no prompt means nothing to drift from.
    panel(p, 0, 0, 0).visual_prompt = 'Mara, inked, noir';
    expect(checkProject(p)).toEqual([]);
    panel(p, 0, 0, 0).visual_prompt = 'watercolour';
    p.style_guide.art_style = '';
    expect(checkProject(p)).toEqual([]);
  });

  it('styleWords keeps the words that carry a style', () => {
    expect(styleWords('An ink wash style, inspired by 1940s noir')).toEqual(['ink', 'wash', '1940s', 'noir']);
    expect(styleWords(undefined)).toEqual([]);
  });
});

describe('scope', () => {
  it('checks only the chapter, scene or panel asked for', () => {
    const p = clean();
    panel(p, 0, 0, 0).image_id = null;
    panel(p, 1, 0, 0).image_id = null;
    p.chapters[1]!.scenes[0]!.panels[0]!.description = 'Tom pours for Zed.';
    Object.assign(p.characters[0]!, { description: '', appearance: '' });
    expect(types(p).sort()).toEqual(['missing_description', 'missing_image', 'missing_image', 'unknown_character_mention']);
    expect(checkProject(p, { type: 'chapter', id: C1! }).map((i) => [i.type, i.target.id])).toEqual([['missing_image', P1]]);
    expect(checkProject(p, { type: 'scene', id: S2! }).map((i) => [i.type, i.target.id])).toEqual([
      ['missing_image', P3],
      ['unknown_character_mention', P3],
    ]);
    expect(checkProject(p, { type: 'panel', id: P1! }).map((i) => i.type)).toEqual(['missing_image']);
    expect(checkProject(p, { type: 'panel', id: P4! })).toEqual([]);
  });

  it('counts issues per severity', () => {
    const p = clean();
    panel(p, 0, 0, 0).image_id = null;
    panel(p, 0, 0, 0).location_id = ANCHOR!;
    p.chapters[1]!.scenes[0]!.character_ids = [TOM!];
    expect(countBySeverity(checkProject(p))).toEqual({ error: 1, warning: 1, info: 1 });
  });
});
