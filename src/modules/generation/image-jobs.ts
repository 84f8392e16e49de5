/**
 * Runs image jobs: plans the steps, assembles each prompt (src/lib/prompt.ts), records the
 * provenance on the job, calls the provider with the job's AbortSignal, stores the images as
 * generated image records and, for a target, one draft per step. Progress advances per step.
 */
import type { ImageProvider, ImageRequest } from '../../ports/ai-providers.js';
import type { JobContext, JobHandler, JobOutcome, JobQueue } from '../../ports/job-queue.js';
import { assembleImagePrompt } from '../../lib/prompt.js';
import type { DraftsStore } from '../drafts/drafts.store.js';
import { jobRevision, revisionOf } from '../drafts/revision-params.js';
import type { ImagesService } from '../images/images.service.js';
import { createJobOutputs, type JobOutputs } from './job-outputs.js';
import { generateImages } from './generated-images.js';
import { IMAGE_JOB_TYPES, type ImagePlanner, type ImageStep } from './image-plans.js';

export interface ImageJobsDeps {
  provider: ImageProvider;
  planner: ImagePlanner;
  /** The images module stores the bytes as a `source: 'generated'` record. */
  images: Pick<ImagesService, 'saveImage'>;
  removeImage(ownerId: string, imageId: string): Promise<void>;
  drafts: Pick<DraftsStore, 'create' | 'discard'>;
}

interface PreparedStep {
  step: ImageStep;
  request: ImageRequest;
}

interface StepResult {
  image_ids: string[];
  draft_id: string | null;
  panel_id: string | null;
}

export function registerImageJobs(queue: Pick<JobQueue, 'handle'>, deps: ImageJobsDeps): void {
  const { provider } = deps;

  function prepare(step: ImageStep): PreparedStep {
    const assembled = assembleImagePrompt({
      ...step.story.context,
      target: step.story.target,
      ...(step.request ? { request: step.request } : {}),
      maxPromptLength: provider.maxPromptLength,
    });
    const negative = [assembled.negative_prompt, step.negative_prompt].filter((text) => text?.trim()).join(', ');
    const request: ImageRequest = {
      prompt: assembled.prompt,
      width: step.width ?? assembled.width,
      height: step.height ?? assembled.height,
      seed: step.seed,
      n: step.n,
      sketch: assembled.sketch,
      ...(provider.supportsNegativePrompt && negative ? { negative_prompt: negative } : {}),
      ...(step.init ? { init_image: step.init.data, denoising_strength: step.init.strength } : {}),
    };
    return { step, request };
  }

  async function runStep(context: JobContext, outputs: JobOutputs, prepared: PreparedStep, index: number, total: number): Promise<StepResult> {
    const { step, request } = prepared;
    const { job } = context;
    const label = total > 1 ? `Panel ${index + 1} of ${total}` : 'Image';
    const { generated, image_ids: imageIds } = await generateImages(deps, context, outputs, {
      request,
      project_id: step.story.project_id,
      panel_id: step.panel_id ?? null,
      ...(step.init ? { metadata: { source_image_id: step.init.image_id, strength: step.init.strength } } : {}),
      onProgress: (report) => void context.progress((index + 0.9 * report.progress) / total, report.message ?? `${label}: generating`),
    });

    let draftId: string | null = null;
    if (step.draftTarget) {
      const draft = await deps.drafts.create({
        id: await outputs.reserveDraft(),
        owner_id: job.owner_id,
        project_id: step.story.project_id,
        target: step.draftTarget,
        kind: 'image',
        source: { type: 'generation', id: job.id },
        revision_of: revisionOf(job),
        variants: imageIds.map((imageId, position) => ({
          image_id: imageId,
          metadata: { seed: generated[position]!.seed, provider: provider.name, model: provider.model },
        })),
      });
      draftId = draft.id;
    }
    await context.progress((index + 1) / total, `${label}: done`);
    return { image_ids: imageIds, draft_id: draftId, panel_id: step.panel_id ?? null };
  }

  const handler: JobHandler = async (context): Promise<JobOutcome> => {
    const outputs = createJobOutputs({ removeImage: deps.removeImage, drafts: deps.drafts }, context);
    await outputs.discardEarlier();
    return outputs.guard(async () => {
      // A revise run: the writer's instructions and feedback join each step's prompt.
      const revision = jobRevision(context.job);
      const planned = await deps.planner.plan(context.job);
      const steps = planned.map((step) => prepare(revision ? { ...step, story: { ...step.story, context: { ...step.story.context, revision } } } : step));
      const prompt = steps.length === 1 ? steps[0]!.request.prompt : steps.map((s, i) => `[panel ${i + 1}] ${s.request.prompt}`).join('\n');
      await context.annotate({ prompt, provider: provider.name, model: provider.model, seed: steps[0]!.request.seed });
      await context.progress(0, 'Starting');

      const results: StepResult[] = [];
      for (const [index, step] of steps.entries()) {
        context.signal.throwIfAborted();
        results.push(await runStep(context, outputs, step, index, steps.length));
      }
      const imageIds = results.flatMap((r) => r.image_ids);
      if (context.job.type === 'panel_sequence') {
        const draftIds = results.map((r) => r.draft_id!);
        return {
          result: { image_ids: imageIds, draft_ids: draftIds, panels: results.map((r) => ({ panel_id: r.panel_id, draft_id: r.draft_id, image_ids: r.image_ids })) },
          draft_id: null,
          discard: outputs.discard,
        };
      }
      const draftId = results[0]!.draft_id;
      return { result: { image_ids: imageIds, ...(draftId ? { draft_id: draftId } : {}) }, draft_id: draftId, discard: outputs.discard };
    });
  };

  for (const type of IMAGE_JOB_TYPES) queue.handle(type, handler);
}
