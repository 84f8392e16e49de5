/**
 * What each image job type draws: a list of steps (one provider call each), built at run time
 * from the job's params and the current story data. Most jobs have one step; a panel sequence
 * has one per panel of the scene, in reading order.
 */
import type { DocumentStore } from '../../ports/document-store.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { JobDoc } from '../../ports/job-queue.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { loadOwned, type Owned } from '../shared/access.js';
import type { ImageDoc } from '../images/images.schemas.js';
import type { LoadedStory, StoryLoader, TargetRef } from './story-context.js';

export const IMAGE_JOB_TYPES = [
  'image',
  'panel_image',
  'panel_sequence',
  'chapter_cover',
  'character_design',
  'character_sheet',
  'background',
  'variations',
  'style_transfer',
] as const;
export type ImageJobType = (typeof IMAGE_JOB_TYPES)[number];

export interface DraftTarget {
  type: string;
  id: string;
}

export interface ImageStep {
  story: LoadedStory;
  /** What the draft is for; null = images only (no draft). */
  draftTarget: DraftTarget | null;
  /** Free text of the request, the most specific part of the prompt. */
  request?: string;
  negative_prompt?: string;
  n: number;
  seed: number;
  width?: number;
  height?: number;
  /** img2img source. */
  init?: { image_id: string; data: Buffer; width: number; height: number; strength: number };
  /** The panel the images are for (image record `panel_id`). */
  panel_id?: string | null;
}

export interface ImagePlanDeps {
  story: StoryLoader;
  store: Pick<DocumentStore, 'get'>;
  blobs: Pick<BlobStore, 'read'>;
}

type Params = Record<string, unknown>;
const str = (params: Params, key: string): string | undefined => (typeof params[key] === 'string' ? (params[key] as string) : undefined);
const num = (params: Params, key: string, fallback: number): number => (typeof params[key] === 'number' ? (params[key] as number) : fallback);

/** Sides the providers accept: multiples of 8 within 64..2048. */
const side = (value: number) => Math.min(2048, Math.max(64, Math.round(value / 8) * 8));

export function createImagePlanner({ story, store, blobs }: ImagePlanDeps) {
  async function single(job: JobDoc, ref: TargetRef, draft: boolean, extra: Partial<ImageStep> = {}, purpose?: 'design' | 'sheet'): Promise<ImageStep[]> {
    const loaded = await story.load(job.owner_id, ref, purpose ? { purpose } : {});
    return [{ story: loaded, draftTarget: draft ? { type: ref.type, id: ref.id } : null, n: num(job.params, 'n', 1), seed: job.seed ?? 0, ...extra }];
  }

  /** The source of variations / style transfer, drawn in the context of its panel when it has one. */
  async function source(job: JobDoc, strength: number): Promise<{ image: ImageDoc; ref: TargetRef; init: NonNullable<ImageStep['init']> }> {
    const image = await loadOwned<ImageDoc>(store, 'images', str(job.params, 'image_id')!, job.owner_id, 'Image');
    const data = await blobs.read(image.sha256);
    if (!data) throw new NotFoundError('Image file');
    const panel = image.panel_id ? await store.get<Owned>('panels', image.panel_id) : null;
    const ref: TargetRef = panel && panel.owner_id === job.owner_id ? { type: 'panel', id: panel.id } : { type: 'project', id: image.project_id };
    return { image, ref, init: { image_id: image.id, data, width: side(image.width), height: side(image.height), strength } };
  }

  const plans: Record<ImageJobType, (job: JobDoc) => Promise<ImageStep[]>> = {
    async image(job) {
      const target = job.params.target as TargetRef | undefined;
      const ref = target ?? { type: 'project', id: str(job.params, 'project_id')! };
      const extra: Partial<ImageStep> = { request: str(job.params, 'prompt') };
      if (str(job.params, 'negative_prompt')) extra.negative_prompt = str(job.params, 'negative_prompt');
      if (typeof job.params.width === 'number') extra.width = job.params.width;
      if (typeof job.params.height === 'number') extra.height = job.params.height;
      if (target?.type === 'panel') extra.panel_id = target.id;
      return single(job, ref, target !== undefined, extra);
    },
    panel_image: (job) => single(job, { type: 'panel', id: str(job.params, 'panel_id')! }, true, { panel_id: str(job.params, 'panel_id')! }),
    chapter_cover: (job) => single(job, { type: 'chapter', id: str(job.params, 'chapter_id')! }, true),
    character_design: (job) => single(job, { type: 'character', id: str(job.params, 'character_id')! }, true, {}, 'design'),
    character_sheet: (job) => single(job, { type: 'character', id: str(job.params, 'character_id')! }, true, {}, 'sheet'),
    async background(job) {
      const locationId = str(job.params, 'location_id');
      const request = str(job.params, 'prompt');
      if (locationId) return single(job, { type: 'location', id: locationId }, true, request ? { request } : {});
      return single(job, { type: 'project', id: str(job.params, 'project_id')! }, false, { request: `Background art, no characters: ${request ?? ''}` });
    },
    async panel_sequence(job) {
      const panels = await story.scenePanels(job.owner_id, str(job.params, 'scene_id')!);
      if (panels.length === 0) throw ValidationError.field('scene_id', 'The scene has no panels to draw');
      const steps: ImageStep[] = [];
      for (const [index, panel] of panels.entries()) {
        const [step] = await single(job, { type: 'panel', id: panel.id }, true, { panel_id: panel.id });
        // One seed per panel, derived from the job's, so the whole sequence is reproducible.
        steps.push({ ...step!, seed: ((job.seed ?? 0) + index) % 4_294_967_296 });
      }
      return steps;
    },
    async variations(job) {
      const { image, ref, init } = await source(job, num(job.params, 'strength', 0.55));
      const prompt = typeof image.metadata.prompt === 'string' ? image.metadata.prompt : 'A variation of the source image';
      return single(job, ref, false, { request: prompt, init, width: init.width, height: init.height, draftTarget: { type: 'image', id: image.id }, panel_id: image.panel_id });
    },
    async style_transfer(job) {
      const { image, ref, init } = await source(job, num(job.params, 'strength', 0.6));
      const style = str(job.params, 'style');
      const [step] = await single(job, ref, false, {
        request: style ? `The same picture re-drawn in this style: ${style}` : 'The same picture re-drawn in the project style',
        init,
        width: init.width,
        height: init.height,
        draftTarget: { type: 'image', id: image.id },
        panel_id: image.panel_id,
      });
      // Without the style guide, only the requested style shapes the result.
      if (job.params.use_style_guide === false) step!.story = { ...step!.story, context: { ...step!.story.context, style_guide: {} } };
      return [step!];
    },
  };

  return {
    plan(job: JobDoc): Promise<ImageStep[]> {
      return plans[job.type as ImageJobType](job);
    },
  };
}

export type ImagePlanner = ReturnType<typeof createImagePlanner>;
