import { describe, expect, it } from 'vitest';
import { buildTextPrompt } from '../../src/lib/prompt-text.js';
import type { StoryContext } from '../../src/lib/prompt-types.js';
import { TASK_TYPES, TEXT_TASKS, type TextTaskInput } from '../../src/lib/text-tasks.js';
import type { TextRequest } from '../../src/ports/ai-providers.js';

const context: StoryContext = {
  project: { title: 'Harbour Lights', genre: 'noir', description: 'A smuggling story in a port town.' },
  style_guide: { art_style: 'ink wash', mood: 'tense', notes: 'Think Eisner.' },
  characters: [
    { id: 'm', name: 'Mara', role: 'captain', appearance: 'red coat', personality: 'stern' },
    { id: 't', name: 'Theo', appearance: 'grey beard' },
    { id: 'z', name: 'Zed' },
  ],
  locations: [
    { id: 'docks', name: 'Harbour Docks', description: 'fog and cranes' },
    { id: 'bar', name: 'The Anchor', description: 'smoky bar' },
  ],
  instructions: [
    { content: 'Never show blood', scope: { type: 'project' } },
    { content: 'Keep it under 40 words', scope: { type: 'scene' } },
  ],
};

const panel = { description: 'Mara grabs Theo by the collar', shot_type: 'close_up', character_ids: ['m', 't'], dialogue: [{ type: 'speech', character_id: 'm', text: 'Talk.' }] };
const scene = { title: 'The Docks', description: 'Mara waits. Theo arrives late.', location_id: 'docks', character_ids: ['m', 't'], panels: [panel] };
const inputs: Record<string, TextTaskInput> = {
  scene_summary: { ...context, task: 'scene_summary', scene },
  character_profile: { ...context, task: 'character_profile', character: context.characters[0]! },
  panel_description: { ...context, task: 'panel_description', panel, scene },
  dialogue: { ...context, task: 'dialogue', panel, scene },
  chapter_outline: { ...context, task: 'chapter_outline', chapter: { title: 'Fog', summary: 'The ship never comes.', scenes: [scene] } },
  visual_prompt: { ...context, task: 'visual_prompt', panel, scene },
  breakdown: { ...context, task: 'breakdown', scene, max_panels: 5 },
  generate_chapter: { ...context, task: 'generate_chapter', chapter: { title: 'Fog', summary: 'The ship never comes.' }, outline: '1. Mara waits\n2. Theo lies' },
};

describe('buildTextPrompt', () => {
  it.each(Object.keys(inputs))('%s: system + user prompt with the target, the instructions in order and the task', (task) => {
    const out = buildTextPrompt(inputs[task]!, 24_000);
    expect(out.system).toContain('refer to them by the ids in square brackets');
    expect(out.prompt).toContain('Project: Harbour Lights (noir): A smuggling story in a port town.');
    const blood = out.prompt.indexOf('Instruction: Never show blood');
    const words = out.prompt.indexOf('Instruction: Keep it under 40 words');
    expect(blood).toBeGreaterThan(0);
    expect(words).toBeGreaterThan(blood);
    expect(out.prompt.trimEnd().split('\n\n').pop()).toMatch(/^Task: /);
    expect(out.dropped).toEqual([]);
    if (TEXT_TASKS[task as keyof typeof TEXT_TASKS].schema) expect(out.schema).toBe(TEXT_TASKS[task as keyof typeof TEXT_TASKS].schema);
    else expect(out.schema).toBeUndefined();
  });

  it('shows each task the data it is about', () => {
    expect(buildTextPrompt(inputs.scene_summary!, 24_000).prompt).toContain('Scene: The Docks\nDescription: Mara waits. Theo arrives late.');
    expect(buildTextPrompt(inputs.scene_summary!, 24_000).prompt).toContain('1. [Close-up] Mara grabs Theo by the collar\n  Mara: "Talk."');
    expect(buildTextPrompt(inputs.character_profile!, 24_000).prompt).toContain('Character:\nname: Mara\nrole: captain\ndescription: (missing)\nappearance: red coat');
    expect(buildTextPrompt(inputs.dialogue!, 24_000).prompt).toContain('Panel:\nframing: Close-up\ncharacters: Mara, Theo\ndescription: Mara grabs Theo by the collar');
    expect(buildTextPrompt(inputs.visual_prompt!, 24_000).prompt).toContain('Style guide: art style ink wash; mood tense');
    expect(buildTextPrompt(inputs.generate_chapter!, 24_000).prompt).toContain('Outline:\n1. Mara waits\n2. Theo lies');
    expect(buildTextPrompt(inputs.breakdown!, 24_000).system).toContain('at most 5 panels');
  });

  it('lists the characters and locations a task may use, with their ids', () => {
    const panelPrompt = buildTextPrompt(inputs.dialogue!, 24_000).prompt;
    expect(panelPrompt).toContain('Characters:\n- Mara [m]: captain; red coat; stern\n- Theo [t]: grey beard');
    expect(panelPrompt).not.toContain('Zed');
    expect(panelPrompt).toContain('Locations:\n- Harbour Docks [docks]: fog and cranes');
    // A breakdown may cast anyone in the project.
    const breakdown = buildTextPrompt(inputs.breakdown!, 24_000).prompt;
    expect(breakdown).toContain('- Zed [z]');
    expect(breakdown).toContain('- The Anchor [bar]: smoky bar');
  });

  it('carries the revise instructions and the recorded feedback', () => {
    const out = buildTextPrompt({ ...inputs.scene_summary!, revision: { instructions: 'Shorter, and mention the fog', feedback: [{ rating: 2, comment: 'too long' }] } }, 24_000);
    expect(out.prompt).toContain('Revise your previous answer: Shorter, and mention the fog');
    expect(out.prompt).toContain('Feedback on earlier answers: 2/5 "too long"');
  });

  it('drops general context before the target when the prompt is too long', () => {
    const full = buildTextPrompt(inputs.scene_summary!, 24_000);
    const limit = full.system.length + full.prompt.length - 40;
    const out = buildTextPrompt(inputs.scene_summary!, limit);
    expect(out.dropped[0]).toBe('style notes');
    expect(out.prompt).toContain('Scene: The Docks');
    expect(out.system.length + out.prompt.length).toBeLessThanOrEqual(limit);
  });

  it('a task input fits TextRequest.context as is', () => {
    const request: TextRequest = { task: 'dialogue', system: 's', prompt: 'p', n: 2, context: inputs.dialogue };
    expect(request.context).toBe(inputs.dialogue);
    expect(TASK_TYPES).toEqual(['scene_summary', 'character_profile', 'panel_description', 'dialogue', 'chapter_outline', 'visual_prompt']);
  });
});
