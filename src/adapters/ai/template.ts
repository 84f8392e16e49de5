/**
 * The offline text provider: deterministic text for every task, written from the project data
 * in `TextRequest.context` (a TextTaskInput from src/lib/text-tasks.ts). Variant i of a request
 * uses template (seed + i), so n variants differ and the same request repeats exactly; a revise
 * request starts one template further on so its answer differs from the original.
 */
import { ProviderError, type CallOptions, type GeneratedText, type TextProvider, type TextRequest } from '../../ports/ai-providers.js';
import { isTextTaskType, type TextTaskInput } from '../../lib/text-tasks.js';
import { breakdownScene, generateChapter } from './template-breakdown.js';
import { chapterOutline, characterProfile, dialogue, panelDescription, sceneSummary, visualPrompt } from './template-story.js';

const NEEDS: Record<TextTaskInput['task'], string> = {
  scene_summary: 'scene',
  breakdown: 'scene',
  character_profile: 'character',
  panel_description: 'panel',
  dialogue: 'panel',
  visual_prompt: 'panel',
  chapter_outline: 'chapter',
  generate_chapter: 'chapter',
};

function contextOf(request: TextRequest): TextTaskInput {
  const context = request.context;
  if (!isTextTaskType(request.task)) throw new ProviderError(`template: unknown task type "${request.task}"`);
  if (!context || typeof context !== 'object') throw new ProviderError(`template: the ${request.task} task needs its project data in context`);
  const needed = NEEDS[request.task];
  const target = context[needed];
  if (!target || typeof target !== 'object') throw new ProviderError(`template: the ${request.task} task needs context.${needed}`);
  return {
    project: { title: '' },
    style_guide: {},
    characters: [],
    locations: [],
    instructions: [],
    ...context,
    task: request.task,
  } as unknown as TextTaskInput;
}

export function templateContent(input: TextTaskInput, variant: number): unknown {
  const data = { characters: input.characters ?? [], locations: input.locations ?? [] };
  switch (input.task) {
    case 'scene_summary':
      return sceneSummary(input.scene, data, variant);
    case 'character_profile':
      return characterProfile(input.character, variant);
    case 'panel_description':
      return panelDescription(input.panel, input.scene, data, variant);
    case 'dialogue':
      return dialogue(input.panel, input.scene, data, variant);
    case 'chapter_outline':
      return chapterOutline(input.chapter, data, variant);
    case 'visual_prompt':
      return visualPrompt(input.panel, input.scene, input.style_guide ?? {}, data, variant);
    case 'breakdown':
      return breakdownScene({ scene: input.scene, ...data, max_panels: input.max_panels }, variant);
    case 'generate_chapter':
      return generateChapter({ title: input.chapter.title, summary: input.chapter.summary, outline: input.outline, ...data, max_scenes: input.max_scenes }, variant);
  }
}

export function createTemplateTextProvider(): TextProvider {
  return {
    name: 'template',
    model: 'template-1',
    maxPromptLength: 100_000,
    async generate(request: TextRequest, { signal, onProgress }: CallOptions): Promise<GeneratedText[]> {
      if (signal.aborted) throw new ProviderError('template: generation canceled');
      if (!Number.isInteger(request.n) || request.n < 1 || request.n > 16) throw new ProviderError(`template: n must be from 1 to 16, got ${request.n}`);
      const input = contextOf(request);
      const start = Math.abs(Math.trunc(request.seed ?? 0)) % 3 + (input.revision ? 1 : 0);
      const out: GeneratedText[] = [];
      for (let index = 0; index < request.n; index++) {
        const variant = start + index;
        out.push({ content: templateContent(input, variant), metadata: { offline: true, generator: 'template', template: variant % 3, variant } });
        onProgress?.({ progress: (index + 1) / request.n });
      }
      return out;
    },
  };
}
