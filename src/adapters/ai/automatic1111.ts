/**
 * AUTOMATIC1111 stable-diffusion-webui API: POST /sdapi/v1/txt2img, or /sdapi/v1/img2img with
 * init_images and denoising_strength for variations and style transfer. While a request runs,
 * GET /sdapi/v1/progress reports progress; a canceled job sends POST /sdapi/v1/interrupt so the
 * GPU stops too, not only our socket.
 */
import { Type } from '@sinclair/typebox';
import { ProviderError, type CallOptions, type GeneratedImage, type ImageProvider, type ImageRequest } from '../../ports/ai-providers.js';
import { createHttpClient, imageMime, shape, type HttpClientOptions } from './http.js';

export interface Automatic1111Options {
  baseUrl: string;
  /** Checkpoint to use (sd_model_checkpoint); absent = whatever the server has loaded. */
  checkpoint?: string;
  steps?: number;
  cfgScale?: number;
  samplerName?: string;
  progressIntervalMs?: number;
  http?: Partial<Pick<HttpClientOptions, 'timeoutMs' | 'retries' | 'backoffMs' | 'maxBackoffMs' | 'maxRetryAfterMs' | 'random'>>;
}

const PROVIDER = 'AUTOMATIC1111';

const GenerationResponse = Type.Object({
  images: Type.Array(Type.String()),
  info: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
const ProgressResponse = Type.Object({ progress: Type.Number() });

export function createAutomatic1111ImageProvider(options: Automatic1111Options): ImageProvider {
  // Generation takes minutes on modest GPUs: a long per-call timeout unless told otherwise.
  const http = createHttpClient({ provider: PROVIDER, baseUrl: options.baseUrl, timeoutMs: 10 * 60_000, ...options.http });
  const control = createHttpClient({ provider: PROVIDER, baseUrl: options.baseUrl, timeoutMs: 5_000, retries: 0 });

  return {
    name: 'automatic1111',
    model: options.checkpoint ?? 'automatic1111',
    supportsImageToImage: true,
    supportsNegativePrompt: true,
    maxPromptLength: 3000,

    async generate(request: ImageRequest, { signal, onProgress }: CallOptions): Promise<GeneratedImage[]> {
      const img2img = request.init_image !== undefined;
      const body: Record<string, unknown> = {
        prompt: request.prompt,
        negative_prompt: request.negative_prompt ?? '',
        seed: request.seed,
        steps: options.steps ?? 25,
        cfg_scale: options.cfgScale ?? 7,
        width: request.width,
        height: request.height,
        batch_size: request.n,
        n_iter: 1,
        send_images: true,
        save_images: false,
        ...(options.samplerName ? { sampler_name: options.samplerName } : {}),
        ...(options.checkpoint ? { override_settings: { sd_model_checkpoint: options.checkpoint }, override_settings_restore_afterwards: false } : {}),
        ...(img2img ? { init_images: [request.init_image!.toString('base64')], denoising_strength: request.denoising_strength ?? 0.6, resize_mode: 1 } : {}),
      };

      let interrupted: Promise<void> | undefined;
      const onAbort = () => {
        // A fresh signal: the job's own one is already aborted.
        interrupted = control.send({ method: 'POST', path: '/sdapi/v1/interrupt', signal: AbortSignal.timeout(5_000), what: 'interrupt', retry: false }).catch(() => undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const stopPolling = onProgress ? pollProgress(control, signal, options.progressIntervalMs ?? 1_000, onProgress) : () => undefined;
      try {
        const response = await http.json(
          { method: 'POST', path: img2img ? '/sdapi/v1/img2img' : '/sdapi/v1/txt2img', json: body, signal, what: img2img ? 'img2img' : 'txt2img' },
          shape(GenerationResponse),
        );
        return readImages(response, request);
      } catch (error) {
        if (interrupted) await interrupted;
        throw error;
      } finally {
        stopPolling();
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

function readImages(response: { images: string[]; info?: string | null }, request: ImageRequest): GeneratedImage[] {
  let info: { all_seeds?: unknown; index_of_first_image?: unknown } = {};
  try {
    info = response.info ? (JSON.parse(response.info) as typeof info) : {};
  } catch {
    // Older versions send free text; seeds then follow the request.
  }
  // With "return grid" on, a batch answer starts with the grid image.
  const first = typeof info.index_of_first_image === 'number' ? info.index_of_first_image : 0;
  const seeds = Array.isArray(info.all_seeds) ? info.all_seeds : [];
  const images = response.images.slice(first, first + request.n);
  if (images.length < request.n) throw new ProviderError(`${PROVIDER}: asked for ${request.n} images, got ${images.length}`);
  return images.map((b64, index) => {
    const data = Buffer.from(b64.replace(/^data:image\/\w+;base64,/, ''), 'base64');
    const mime = imageMime(data);
    if (!mime) throw new ProviderError(`${PROVIDER}: image ${index + 1} is not a PNG, JPEG or WebP image`);
    const seed = seeds[index];
    return { data, mime_type: mime, seed: typeof seed === 'number' ? seed : request.seed + index };
  });
}

/** Polls /sdapi/v1/progress while the generation runs; a failed poll is only a missed update. */
function pollProgress(control: ReturnType<typeof createHttpClient>, signal: AbortSignal, intervalMs: number, onProgress: NonNullable<CallOptions['onProgress']>): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    if (stopped || signal.aborted) return;
    try {
      const state = await control.json(
        { method: 'GET', path: '/sdapi/v1/progress', query: { skip_current_image: 'true' }, signal, what: 'progress', retry: false },
        shape(ProgressResponse),
      );
      if (!stopped && state.progress > 0) onProgress({ progress: Math.min(0.99, state.progress) });
    } catch {
      // Progress is best effort.
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
