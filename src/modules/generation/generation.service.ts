/**
 * Image generation requests: check that the user owns what is asked for, then queue a job
 * (202). The job itself (image-jobs.ts) assembles prompts and calls the provider.
 */
import type { ImageProvider } from '../../ports/ai-providers.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { JobDoc, JobQueue } from '../../ports/job-queue.js';
import { ValidationError } from '../../errors.js';
import { loadOwned } from '../shared/access.js';
import type { ImageDoc } from '../images/images.schemas.js';
import { createJobRecords, pickSeed } from './job-records.js';
import type { ImageJobType } from './image-plans.js';
import type { StoryLoader } from './story-context.js';
import type {
  BackgroundBody,
  CharacterDesignBody,
  GenerateImageBody,
  GenerateOptions,
  PanelSequenceBody,
  StyleTransferBody,
  VariationsBody,
} from './generation.schemas.js';

export interface GenerationDeps {
  store: Pick<DocumentStore, 'get' | 'findPage' | 'count'>;
  queue: Pick<JobQueue, 'enqueue' | 'cancel'>;
  story: Pick<StoryLoader, 'resolve' | 'resolveIn'>;
  provider: Pick<ImageProvider, 'name' | 'model' | 'supportsImageToImage'>;
}

export function createGenerationService(deps: GenerationDeps) {
  const { store, queue, story, provider } = deps;
  const records = createJobRecords('generation', deps);

  function enqueue(userId: string, projectId: string, type: ImageJobType, params: Record<string, unknown> & { seed?: number | undefined }): Promise<JobDoc> {
    const seed = pickSeed(params.seed);
    return queue.enqueue({
      kind: 'generation',
      type,
      owner_id: userId,
      project_id: projectId,
      params: { ...params, seed },
      provider: provider.name,
      model: provider.model,
      prompt: null,
      seed,
    });
  }

  /** The user's image, usable as an img2img source by the configured provider. */
  async function sourceImage(userId: string, imageId: string, action: string): Promise<ImageDoc> {
    const image = await loadOwned<ImageDoc>(store, 'images', imageId, userId, 'Image');
    if (!provider.supportsImageToImage) throw ValidationError.field('image_id', `The image provider "${provider.name}" cannot ${action}`);
    return image;
  }

  const count = (n: number | undefined) => n ?? 1;

  return {
    status: records.load,
    cancel: records.cancel,
    history: records.list,

    async image(userId: string, body: GenerateImageBody): Promise<JobDoc> {
      const { project_id } = await story.resolve(userId, { type: 'project', id: body.project_id });
      if (body.target) await story.resolveIn(userId, body.target, project_id, 'target.id');
      return enqueue(userId, project_id, 'image', { ...body, n: count(body.n) });
    },

    async panelSequence(userId: string, body: PanelSequenceBody): Promise<JobDoc> {
      const { project_id } = await story.resolve(userId, { type: 'scene', id: body.scene_id });
      if ((await store.count('panels', { scene_id: body.scene_id })) === 0) throw ValidationError.field('scene_id', 'The scene has no panels to draw');
      return enqueue(userId, project_id, 'panel_sequence', { ...body, n: count(body.n) });
    },

    async characterDesign(userId: string, body: CharacterDesignBody): Promise<JobDoc> {
      const { project_id } = await story.resolve(userId, { type: 'character', id: body.character_id });
      return enqueue(userId, project_id, 'character_design', { ...body, n: count(body.n) });
    },

    async background(userId: string, body: BackgroundBody): Promise<JobDoc> {
      if (body.location_id) {
        const { project_id } = await story.resolve(userId, { type: 'location', id: body.location_id });
        if (body.project_id !== undefined && body.project_id !== project_id) throw ValidationError.field('location_id', 'must be a location of project_id');
        return enqueue(userId, project_id, 'background', { ...body, n: count(body.n) });
      }
      if (!body.project_id) throw ValidationError.field('location_id', 'Give a location_id, or a project_id with a prompt');
      if (!body.prompt) throw ValidationError.field('prompt', 'is required when no location_id is given');
      const { project_id } = await story.resolve(userId, { type: 'project', id: body.project_id });
      return enqueue(userId, project_id, 'background', { ...body, n: count(body.n) });
    },

    async chapterCover(userId: string, chapterId: string, body: GenerateOptions): Promise<JobDoc> {
      const { project_id } = await story.resolve(userId, { type: 'chapter', id: chapterId });
      return enqueue(userId, project_id, 'chapter_cover', { chapter_id: chapterId, ...body, n: count(body.n) });
    },

    async characterSheet(userId: string, characterId: string, body: GenerateOptions): Promise<JobDoc> {
      const { project_id } = await story.resolve(userId, { type: 'character', id: characterId });
      return enqueue(userId, project_id, 'character_sheet', { character_id: characterId, ...body, n: count(body.n) });
    },

    async panelImage(userId: string, panelId: string, body: GenerateOptions): Promise<JobDoc> {
      const { project_id } = await story.resolve(userId, { type: 'panel', id: panelId });
      return enqueue(userId, project_id, 'panel_image', { panel_id: panelId, ...body, n: count(body.n) });
    },

    async variations(userId: string, imageId: string, body: VariationsBody): Promise<JobDoc> {
      const image = await sourceImage(userId, imageId, 'make variations of an image');
      return enqueue(userId, image.project_id, 'variations', { image_id: imageId, ...body, n: count(body.n) });
    },

    async styleTransfer(userId: string, imageId: string, body: StyleTransferBody): Promise<JobDoc> {
      const image = await sourceImage(userId, imageId, 'transfer a style onto an image');
      const useStyleGuide = body.use_style_guide ?? true;
      if (!body.style && !useStyleGuide) throw ValidationError.field('style', 'Give a style, or use the style guide');
      return enqueue(userId, image.project_id, 'style_transfer', { image_id: imageId, ...body, use_style_guide: useStyleGuide, n: 1 });
    },
  };
}

export type GenerationService = ReturnType<typeof createGenerationService>;
