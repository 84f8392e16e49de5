import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { createTemplateTextProvider } from '../../src/adapters/ai/template.js';
import type { StoryContext } from '../../src/lib/prompt-types.js';
import { TEXT_TASKS, type TaskContent, type TextTaskInput } from '../../src/lib/text-tasks.js';
import type { GeneratedText } from '../../src/ports/ai-providers.js';

const context: StoryContext = {
  project: { title: 'Harbour Lights' },
  style_guide: { art_style: 'ink wash', mood: 'tense', lighting: 'low-key', color_palette: ['#112233'] },
  characters: [
    { id: 'm', name: 'Mara Vance', role: 'captain', appearance: 'red coat', personality: 'stern, loyal and proud' },
    { id: 't', name: 'Theo', appearance: 'grey beard' },
    { id: 'z', name: 'Zed' },
  ],
  locations: [
    { id: 'docks', name: 'Harbour Docks', description: 'fog and cranes' },
    { id: 'bar', name: 'The Anchor', description: 'smoky bar' },
  ],
  instructions: [],
};
const panels = [
  { description: 'Fog rolls over the pier.', shot_type: 'establishing', character_ids: [], dialogue: [] },
  { description: 'Mara grabs Theo by the collar.', shot_type: 'close_up', character_ids: ['m', 't'], dialogue: [{ type: 'speech', character_id: 'm', text: 'Where is the ship?' }] },
  { description: 'Theo points at the dark water.', shot_type: 'medium', character_ids: ['t'], dialogue: [{ type: 'whisper', character_id: 't', text: 'Gone.' }] },
];
const scene = {
  title: 'The Docks',
  description: 'Mara waits on the pier. Theo arrives late and she grabs him. "Where is the ship?" Mara shouts. He looks at the letter in his hand. Later they walk to The Anchor.',
  location_id: 'docks',
  character_ids: ['m', 't'],
  panels,
};
const inputs: Record<keyof TaskContent, TextTaskInput> = {
  scene_summary: { ...context, task: 'scene_summary', scene },
  character_profile: { ...context, task: 'character_profile', character: { id: 't', name: 'Theo', appearance: 'grey beard' } },
  panel_description: { ...context, task: 'panel_description', panel: panels[1]!, scene },
  dialogue: { ...context, task: 'dialogue', panel: panels[2]!, scene },
  chapter_outline: { ...context, task: 'chapter_outline', chapter: { title: 'Fog', scenes: [scene, { title: 'The Anchor', summary: 'Theo confesses.', location_id: 'bar', character_ids: ['t'] }] } },
  visual_prompt: { ...context, task: 'visual_prompt', panel: panels[1]!, scene },
  breakdown: { ...context, task: 'breakdown', scene, max_panels: 8 },
  generate_chapter: { ...context, task: 'generate_chapter', chapter: { title: 'Fog', summary: 'The ship never comes.' }, outline: '1. Mara waits at the Harbour Docks\n2. Theo lies to Mara\n- Zed watches from The Anchor' },
};

const provider = createTemplateTextProvider();
const run = (input: TextTaskInput, n = 3, seed?: number): Promise<GeneratedText[]> =>
  provider.generate({ task: input.task, system: 's', prompt: 'p', n, ...(seed !== undefined ? { seed } : {}), context: input }, { signal: new AbortController().signal });
const ajv = new Ajv({ strict: false });

describe('template text provider', () => {
  it.each(Object.keys(inputs) as (keyof TaskContent)[])('%s: n deterministic variants that differ, matching the task schema', async (task) => {
    const first = await run(inputs[task]);
    const again = await run(inputs[task]);
    expect(first).toEqual(again);
    expect(first).toHaveLength(3);
    expect(new Set(first.map((v) => JSON.stringify(v.content))).size).toBe(3);
    for (const variant of first) {
      expect(variant.metadata).toMatchObject({ offline: true, generator: 'template' });
      const schema = TEXT_TASKS[task].schema;
      if (schema) expect(ajv.validate(schema, variant.content), ajv.errorsText()).toBe(true);
      else {
        expect(typeof variant.content).toBe('string');
        expect((variant.content as string).length).toBeGreaterThan(10);
      }
    }
  });

  it('summarises a scene from its panels and dialogue', async () => {
    const [summary] = await run(inputs.scene_summary, 1);
    expect(summary!.content).toBe(
      '"The Docks" takes place at Harbour Docks with Mara Vance and Theo. Fog rolls over the pier. Mara grabs Theo by the collar. Theo points at the dark water. Key line - Mara Vance: "Where is the ship?"',
    );
  });

  it('writes a character profile from its fields, keeping what is there', async () => {
    const [profile] = await run({ ...context, task: 'character_profile', character: context.characters[0]! }, 1);
    expect(profile!.content).toEqual({
      role: 'captain',
      description: 'Mara Vance is a captain, stern, loyal and proud.',
      appearance: 'red coat',
      personality: 'stern, loyal and proud',
      backstory: "Mara Vance's past is not written yet.",
      traits: ['stern', 'loyal', 'proud'],
    });
  });

  it('breaks a scene down sentence by sentence: characters by name, quotes as bubbles, shots by cue', async () => {
    const [variant] = await run(inputs.breakdown, 1);
    const { panels: proposed } = variant!.content as TaskContent['breakdown'];
    expect(proposed.map((p) => p.description)).toEqual([
      'Mara waits on the pier.',
      'Theo arrives late and she grabs him.',
      '"Where is the ship?" Mara shouts.',
      'He looks at the letter in his hand.',
      'Later they walk to The Anchor.',
    ]);
    expect(proposed.map((p) => p.shot_type)).toEqual(['establishing', 'medium', 'close_up', 'insert', 'wide']);
    expect(proposed.map((p) => p.character_ids)).toEqual([['m'], ['t'], ['m'], [], []]);
    expect(proposed.map((p) => p.location_id)).toEqual(['docks', 'docks', 'docks', 'docks', 'bar']);
    expect(proposed[2]!.dialogue).toEqual([{ type: 'shout', character_id: 'm', text: 'Where is the ship?' }]);
  });

  it('respects max_panels and starts one variant with an establishing shot', async () => {
    const [, withOpener] = await run({ ...inputs.breakdown, max_panels: 3 } as TextTaskInput, 2);
    const { panels: proposed } = withOpener!.content as TaskContent['breakdown'];
    expect(proposed).toHaveLength(3);
    expect(proposed[0]).toMatchObject({ shot_type: 'establishing', description: 'Establishing shot of Harbour Docks as "The Docks" begins.', character_ids: ['m', 't'] });
  });

  it('generates a chapter from its outline: scenes with locations, characters and panels', async () => {
    const [variant] = await run(inputs.generate_chapter, 1);
    const { scenes } = variant!.content as TaskContent['generate_chapter'];
    expect(scenes.map((s) => [s.title, s.location_id, s.character_ids])).toEqual([
      ['Mara waits at the Harbour Docks', 'docks', ['m']],
      ['Theo lies to Mara', null, ['t', 'm']],
      ['Zed watches from The Anchor', 'bar', ['z']],
    ]);
    expect(scenes.every((s) => s.panels.length > 0)).toBe(true);
  });

  it('proposes dialogue for the panel characters', async () => {
    const [bubbles] = await run(inputs.dialogue, 1);
    expect(bubbles!.content).toEqual([
      { type: 'caption', character_id: null, text: 'Harbour Docks.' },
      { type: 'speech', character_id: 't', text: "We don't have much time." },
    ]);
  });

  it('rotates templates by seed and moves a revision one template on', async () => {
    const [seeded] = await run(inputs.panel_description, 1, 1);
    const [, second] = await run(inputs.panel_description, 2);
    expect(seeded!.content).toBe(second!.content);
    const [revised] = await run({ ...inputs.panel_description, revision: { instructions: 'shorter' } } as TextTaskInput, 1);
    expect(revised!.content).toBe(seeded!.content);
  });

  it('says what is missing instead of guessing', async () => {
    await expect(provider.generate({ task: 'scene_summary', system: 's', prompt: 'p', n: 1, context: { project: { title: 'x' } } }, { signal: new AbortController().signal })).rejects.toThrow(
      'template: the scene_summary task needs context.scene',
    );
    await expect(provider.generate({ task: 'poem', system: 's', prompt: 'p', n: 1, context: {} }, { signal: new AbortController().signal })).rejects.toThrow('unknown task type "poem"');
  });
});
