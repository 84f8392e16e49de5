/**
 * The steps workflows are made of, reusing what the task and image jobs use: text prompts
 * from src/lib/prompt-text.ts sent to the TextProvider (with the task input as `context`, so
 * the offline template provider writes from the same data), image prompts from
 * src/lib/prompt.ts sent to the ImageProvider, generated images stored like the image jobs
 * store them (ImagesService.saveImage), and every AI output kept as a draft.
 */
import { ProviderError, type GeneratedText, type ImageProvider, type ImageRequest, type TextProvider } from '../../ports/ai-providers.js';
import type { JobContext } from '../../ports/job-queue.js';
import { assembleImagePrompt, type ImageTarget } from '../../lib/prompt.js';
import { buildTextPrompt } from '../../lib/prompt-text.js';
import type { PanelInput, SceneInput, StoryContext } from '../../lib/prompt-types.js';
import type { TextTaskInput } from '../../lib/text-tasks.js';
import type { DraftsStore } from '../drafts/drafts.store.js';
import type { ImagesService } from '../images/images.service.js';
import type { JobOutputs } from '../generation/job-outputs.js';
import { generateImages } from '../generation/generated-images.js';

export interface StepDeps {
  text: TextProvider;
  image: ImageProvider;
  images: Pick<ImagesService, 'saveImage'>;
  drafts: Pick<DraftsStore, 'create'>;
}

/** Reports progress within [from, to) of the whole job. */
export type Progress = (fraction: number, message?: string) => void;
export const span = (context: JobContext, from: number, to: number): Progress => (fraction, message) => void context.progress(from + (to - from) * Math.min(1, Math.max(0, fraction)), message);

/** The seed of step `index`, derived from the job's so a whole run is reproducible. */
export const stepSeed = (seed: number | null, index: number) => ((seed ?? 0) + index) % 4_294_967_296;

export interface TextAnswer {
  prompt: string;
  answers: GeneratedText[];
}

/** One text task through the provider: the prompt it was sent and its `n` answers. */
export async function askText(deps: Pick<StepDeps, 'text'>, context: JobContext, input: TextTaskInput, n: number, seed: number | null, progress?: Progress): Promise<TextAnswer> {
  const built = buildTextPrompt(input, deps.text.maxPromptLength);
  const answers = await deps.text.generate(
    { task: input.task, system: built.system, prompt: built.prompt, n, ...(built.schema ? { schema: built.schema } : {}), ...(seed !== null ? { seed } : {}), context: input as unknown as Record<string, unknown> },
    { signal: context.signal, ...(progress ? { onProgress: (report) => progress(report.progress, report.message) } : {}) },
  );
  context.signal.throwIfAborted();
  if (answers.length === 0) throw new ProviderError(`The text provider "${deps.text.name}" returned no answer`);
  return { prompt: `${built.system}\n\n${built.prompt}`, answers: answers.slice(0, n) };
}

/** A visual prompt for a panel (stored or proposed), written with the current style guide. */
export async function writeVisualPrompt(deps: Pick<StepDeps, 'text'>, context: JobContext, story: StoryContext, panel: PanelInput, scene: SceneInput | undefined, seed: number | null): Promise<TextAnswer & { text: string }> {
  const answer = await askText(deps, context, { ...story, task: 'visual_prompt', panel, ...(scene ? { scene } : {}) }, 1, seed);
  const text = typeof answer.answers[0]!.content === 'string' ? (answer.answers[0]!.content as string).trim().slice(0, 4000) : '';
  if (!text) throw new ProviderError(`The text provider "${deps.text.name}" wrote an empty visual prompt`);
  return { ...answer, text };
}

/** Stores a text draft for a panel (one variant), e.g. a proposed visual prompt. */
export async function textDraft(deps: Pick<StepDeps, 'drafts' | 'text'>, context: JobContext, outputs: JobOutputs, projectId: string, panelId: string, task: string, content: unknown, revisionOf: string | null = null): Promise<string> {
  const { job } = context;
  const draft = await deps.drafts.create({
    id: await outputs.reserveDraft(),
    owner_id: job.owner_id,
    project_id: projectId,
    target: { type: 'panel', id: panelId },
    kind: 'text',
    source: { type: job.kind, id: job.id },
    variants: [{ content, metadata: { task, workflow: job.type, provider: deps.text.name, model: deps.text.model } }],
    revision_of: revisionOf,
  });
  return draft.id;
}

export interface DrawnPanel {
  prompt: string;
  image_ids: string[];
  draft_id: string;
}

/**
 * Draws a panel with `visualPrompt` in place of its stored one (the rest of the prompt - style
 * guide, characters, setting, instructions - assembled as for any panel image) and keeps the
 * images as an image draft for the panel.
 */
export async function drawPanel(
  deps: StepDeps,
  context: JobContext,
  outputs: JobOutputs,
  loaded: { project_id: string; target: ImageTarget; context: StoryContext },
  visualPrompt: string,
  options: { seed: number; n: number; progress?: Progress },
): Promise<DrawnPanel> {
  const { job } = context;
  const { image } = deps;
  if (loaded.target.type !== 'panel') throw new Error('drawPanel needs a panel target');
  const panel = loaded.target.panel;
  const assembled = assembleImagePrompt({ ...loaded.context, target: { ...loaded.target, panel: { ...panel, visual_prompt: visualPrompt } }, maxPromptLength: image.maxPromptLength });
  const request: ImageRequest = {
    prompt: assembled.prompt,
    width: assembled.width,
    height: assembled.height,
    seed: options.seed,
    n: options.n,
    sketch: assembled.sketch,
    ...(image.supportsNegativePrompt && assembled.negative_prompt ? { negative_prompt: assembled.negative_prompt } : {}),
  };
  const progress = options.progress;
  const { generated, image_ids: imageIds } = await generateImages({ provider: image, images: deps.images }, context, outputs, {
    request,
    project_id: loaded.project_id,
    panel_id: panel.id ?? null,
    ...(progress ? { onProgress: (report) => progress(report.progress, report.message) } : {}),
  });
  const draft = await deps.drafts.create({
    id: await outputs.reserveDraft(),
    owner_id: job.owner_id,
    project_id: loaded.project_id,
    target: { type: 'panel', id: panel.id! },
    kind: 'image',
    source: { type: job.kind, id: job.id },
    variants: imageIds.map((imageId, position) => ({ image_id: imageId, metadata: { seed: generated[position]!.seed, provider: image.name, model: image.model, workflow: job.type } })),
  });
  return { prompt: request.prompt, image_ids: imageIds, draft_id: draft.id };
}
