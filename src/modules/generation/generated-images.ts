/**
 * The one way a job turns a provider call into stored images: generate with the job's
 * AbortSignal, refuse an empty answer, and store each variant (up to `n`) as a `generated`
 * image record under an id the job reserved first (job-outputs.ts), with its provenance.
 * Image jobs and the workflows' panel drawing both go through here.
 */
import { ProviderError, type GeneratedImage, type ImageProvider, type ImageRequest, type ProgressReport } from '../../ports/ai-providers.js';
import type { JobContext } from '../../ports/job-queue.js';
import type { ImagesService } from '../images/images.service.js';
import type { JobOutputs } from './job-outputs.js';

export interface GeneratedImagesDeps {
  provider: ImageProvider;
  images: Pick<ImagesService, 'saveImage'>;
}

export interface ImagesToGenerate {
  request: ImageRequest;
  project_id: string;
  panel_id: string | null;
  /** Provenance beyond the request's own (e.g. the source image of an img2img run). */
  metadata?: Record<string, unknown>;
  onProgress?: (report: ProgressReport) => void;
}

export async function generateImages(
  { provider, images }: GeneratedImagesDeps,
  context: JobContext,
  outputs: JobOutputs,
  what: ImagesToGenerate,
): Promise<{ generated: GeneratedImage[]; image_ids: string[] }> {
  const { job, signal } = context;
  const { request } = what;
  const generated = await provider.generate(request, { signal, ...(what.onProgress ? { onProgress: what.onProgress } : {}) });
  signal.throwIfAborted();
  if (generated.length === 0) throw new ProviderError(`The image provider "${provider.name}" returned no image`);

  const imageIds: string[] = [];
  for (const [position, output] of generated.slice(0, request.n).entries()) {
    const image = await images.saveImage({
      id: await outputs.reserveImage(),
      source: 'generated',
      owner_id: job.owner_id,
      project_id: what.project_id,
      panel_id: what.panel_id,
      data: output.data,
      metadata: {
        job_id: job.id,
        job_type: job.type,
        provider: provider.name,
        model: provider.model,
        prompt: request.prompt,
        negative_prompt: request.negative_prompt ?? null,
        seed: output.seed,
        width: request.width,
        height: request.height,
        variant: position,
        ...what.metadata,
      },
    });
    imageIds.push(image.id);
  }
  signal.throwIfAborted();
  return { generated, image_ids: imageIds };
}
