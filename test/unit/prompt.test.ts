import { describe, expect, it } from 'vitest';
import { orderApplicable, scopeChain } from '../../src/lib/instructions.js';
import { assembleImagePrompt, type ImagePromptInput } from '../../src/lib/prompt.js';
import { cutText, fitParts } from '../../src/lib/prompt-parts.js';
import { sizeForAspectRatio } from '../../src/lib/prompt-size.js';
import type { StoryContext } from '../../src/lib/prompt-types.js';

const ids = { project: 'p1', chapter: 'c1', scene: 's1', panel: 'x1' };
const instruction = (id: string, type: 'project' | 'chapter' | 'scene' | 'panel', content: string, priority = 0, enabled = true) => ({
  id,
  scope: { type, id: ids[type] },
  content,
  priority,
  enabled,
  created_at: `2026-01-01T00:00:0${id.slice(-1)}.000Z`,
});

// Stored out of order, one disabled, one for another scene: orderApplicable decides what applies and in which order.
const stored = [
  instruction('i1', 'panel', 'Keep the scar on Mara visible'),
  instruction('i2', 'project', 'Never show blood', 1),
  instruction('i3', 'scene', 'Rain in every panel'),
  instruction('i4', 'project', 'Use a 1950s setting'),
  instruction('i5', 'chapter', 'Cold colours in this chapter'),
  { ...instruction('i6', 'scene', 'Sunny weather'), scope: { type: 'scene' as const, id: 'other-scene' } },
  instruction('i7', 'project', 'Disabled rule', 5, false),
];
const applicable = orderApplicable(stored, scopeChain({ type: 'panel', id: 'x1', project_id: 'p1', chapter_id: 'c1', scene_id: 's1' }));

const context: StoryContext = {
  project: { title: 'Harbour Lights', genre: 'noir' },
  style_guide: {
    art_style: 'ink wash',
    color_palette: ['#1d2b3a', '#e8e0cc'],
    line_style: 'bold brush',
    mood: 'tense',
    lighting: 'low-key',
    aspect_ratio: '2:3',
    negative_prompt: 'blurry, text, watermark',
    notes: 'Think Eisner.',
  },
  characters: [
    { id: 'm', name: 'Mara', appearance: 'tall woman, red coat, scar on cheek' },
    { id: 't', name: 'Theo', appearance: 'old man, grey beard' },
    { id: 'z', name: 'Zed', appearance: 'not in this panel' },
  ],
  locations: [{ id: 'docks', name: 'Harbour Docks', description: 'fog, cranes, wet cobblestones' }],
  instructions: applicable,
};

const panelInput = (maxPromptLength = 10_000): ImagePromptInput => ({
  ...context,
  maxPromptLength,
  target: {
    type: 'panel',
    panel: {
      order: 2,
      description: 'Mara confronts Theo at the edge of the pier',
      shot_type: 'close_up',
      camera_angle: 'low angle',
      character_ids: ['m', 't'],
      location_id: null,
      visual_prompt: '',
      dialogue: [{ type: 'speech', character_id: 'm', text: 'Where is the ship?' }],
    },
    scene: { title: 'The Docks', location_id: 'docks' },
  },
});

describe('assembleImagePrompt', () => {
  it('builds the panel prompt from content, characters, location, style and instructions in order', () => {
    const out = assembleImagePrompt(panelInput());
    expect(out.prompt).toBe(
      'Close-up, low angle. Mara confronts Theo at the edge of the pier. ' +
        'Mara: tall woman, red coat, scar on cheek. Theo: old man, grey beard. ' +
        'Setting: Harbour Docks, fog, cranes, wet cobblestones. ' +
        'Art style: ink wash. Line style: bold brush. Colour palette: #1d2b3a, #e8e0cc. Mood: tense. Lighting: low-key. Genre: noir. ' +
        'Instruction: Never show blood. Instruction: Use a 1950s setting. Instruction: Cold colours in this chapter. Instruction: Rain in every panel. Instruction: Keep the scar on Mara visible. ' +
        'Style notes: Think Eisner.',
    );
    expect(out.prompt).not.toMatch(/Zed|Sunny|Disabled/);
    expect(out.negative_prompt).toBe('blurry, text, watermark');
    expect([out.width, out.height]).toEqual([832, 1248]);
    expect(out.dropped).toEqual([]);
    expect(out.sketch).toMatchObject({
      shot_type: 'close_up',
      camera_angle: 'low angle',
      characters: [{ name: 'Mara' }, { name: 'Theo' }],
      location: { name: 'Harbour Docks' },
      dialogue: [{ type: 'speech', speaker: 'Mara', text: 'Where is the ship?' }],
      palette: ['#1d2b3a', '#e8e0cc'],
      caption: 'The Docks · panel 3',
    });
  });

  it('prefers the visual prompt, keeping the description as a droppable extra', () => {
    const input = panelInput();
    if (input.target.type === 'panel') input.target.panel.visual_prompt = 'two figures on a foggy pier';
    const out = assembleImagePrompt(input);
    expect(out.prompt.startsWith('Close-up, low angle. two figures on a foggy pier. Mara confronts Theo at the edge of the pier.')).toBe(true);
  });

  it('truncates the least specific parts first, in the documented order', () => {
    const full = assembleImagePrompt(panelInput()).prompt.length;
    const order: string[] = [];
    for (let max = full; max > 50; max -= 5) {
      for (const label of assembleImagePrompt(panelInput(max)).dropped) if (!order.includes(label)) order.push(label);
    }
    expect(order).toEqual([
      'style notes',
      'genre',
      // Same rank: the later (lower-priority) instruction goes first.
      'project instruction 2',
      'project instruction 1',
      'chapter instruction 3',
      // (the location's description was shortened to its name before this)
      'location Harbour Docks',
      'lighting',
      'mood',
      'palette',
      'line style',
      'scene instruction 4',
      'character Theo',
      'character Mara',
      'panel instruction 5',
    ]);
    const tight = assembleImagePrompt(panelInput(120));
    expect(tight.prompt.length).toBeLessThanOrEqual(120);
    expect(tight.prompt).toContain('Close-up, low angle. Mara confronts Theo');
    expect(tight.prompt).toContain('Art style: ink wash');
  });

  it('shortens before dropping: a location keeps its name, a character its name', () => {
    let max = assembleImagePrompt(panelInput()).prompt.length;
    while (assembleImagePrompt(panelInput(max)).prompt.includes('wet cobblestones')) max -= 1;
    const out = assembleImagePrompt(panelInput(max));
    expect(out.dropped).toEqual(['style notes', 'genre', 'project instruction 2', 'project instruction 1', 'chapter instruction 3']);
    expect(out.prompt).toContain('Setting: Harbour Docks.');
    expect(out.prompt).not.toContain('wet cobblestones');
    expect(out.prompt).toContain('Mara: tall woman');
  });

  it('cuts the core as a last resort, within the limit', () => {
    const out = assembleImagePrompt(panelInput(30));
    expect(out.prompt.length).toBeLessThanOrEqual(30);
    expect(out.prompt.endsWith('…')).toBe(true);
  });

  it('carries a revise request and its feedback', () => {
    const out = assembleImagePrompt({ ...panelInput(), revision: { instructions: 'Make it darker', feedback: [{ rating: 2, comment: 'too bright' }, { rating: 3 }] } });
    expect(out.prompt).toContain('Revision: Make it darker.');
    expect(out.prompt).toContain('Earlier feedback: 2/5 "too bright"; 3/5.');
  });

  it('builds prompts for the other targets', () => {
    const character = assembleImagePrompt({ ...context, maxPromptLength: 4000, target: { type: 'character', character: context.characters[0]!, purpose: 'sheet' } });
    expect(character.prompt).toMatch(/^Character reference sheet of Mara: front, side and back views.*Mara: tall woman, red coat, scar on cheek\./);
    expect([character.width, character.height]).toEqual([1280, 856]);
    expect(character.sketch.characters?.map((c) => c.name)).toEqual(['Mara (front)', 'Mara (side)', 'Mara (back)']);

    const background = assembleImagePrompt({ ...context, maxPromptLength: 4000, target: { type: 'location', location: context.locations[0]! } });
    expect(background.prompt).toMatch(/^Background art, no characters\. Setting: Harbour Docks, fog, cranes/);
    // The location is the subject here: its description is never dropped for length.
    expect(assembleImagePrompt({ ...context, maxPromptLength: 90, target: { type: 'location', location: context.locations[0]! } }).dropped).not.toContain('location Harbour Docks');

    const cover = assembleImagePrompt({
      ...context,
      maxPromptLength: 4000,
      target: { type: 'chapter', chapter: { title: 'Fog', summary: 'The ship never comes.', scenes: [{ character_ids: ['t'] }, { character_ids: ['t', 'm'] }] } },
    });
    expect(cover.prompt).toMatch(/^Cover illustration for the chapter "Fog" of "Harbour Lights"\. The ship never comes\. Theo: .* Mara: /);

    const free = assembleImagePrompt({ ...context, instructions: [], maxPromptLength: 4000, request: 'A lighthouse in a storm', target: { type: 'project' } });
    expect(free.prompt.startsWith('A lighthouse in a storm. Art style: ink wash.')).toBe(true);
  });
});

describe('sizeForAspectRatio', () => {
  it('lands near one megapixel with the width a multiple of 64 and the height of 8', () => {
    expect(sizeForAspectRatio('2:3')).toEqual({ width: 832, height: 1248 });
    expect(sizeForAspectRatio('1:1')).toEqual({ width: 1024, height: 1024 });
    expect(sizeForAspectRatio('16:9')).toEqual({ width: 1344, height: 760 });
    expect(sizeForAspectRatio('3:2')).toEqual({ width: 1280, height: 856 });
    expect(sizeForAspectRatio('nonsense')).toEqual({ width: 832, height: 1248 });
    const extreme = sizeForAspectRatio('1:20');
    expect(extreme.height).toBe(2048);
    expect(extreme.width % 8).toBe(0);
  });
});

describe('fitParts', () => {
  it('drops the lowest rank first and the later of equals first, never a core part', () => {
    const parts = [
      { label: 'core', text: 'Core text', rank: Infinity },
      { label: 'a1', text: 'aaaa', rank: 1 },
      { label: 'a2', text: 'bbbb', rank: 1 },
      { label: 'z', text: 'zzzz', rank: 0 },
    ];
    expect(fitParts(parts, 100).dropped).toEqual([]);
    expect(fitParts(parts, 'Core text. aaaa. bbbb.'.length).dropped).toEqual(['z']);
    expect(fitParts(parts, 'Core text. aaaa.'.length).dropped).toEqual(['z', 'a2']);
    expect(fitParts(parts, 5)).toMatchObject({ dropped: ['z', 'a2', 'a1'], cut: true, text: 'Core…' });
    expect(cutText('one two three', 9)).toBe('one two…');
  });
});
