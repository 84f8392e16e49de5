/**
 * ComfyUI: POST /prompt with the built-in txt2img workflow, a client_id for the socket and a
 * client-chosen prompt_id (so a cancel can name it before the answer arrives); progress and
 * completion from /ws (comfyui-watch.ts); images from /history/{prompt_id} and /view. Cancel
 * deletes the prompt from the queue while pending, or interrupts it while running.
 */
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { ProviderError, type CallOptions, type GeneratedImage, type ImageProvider, type ImageRequest } from '../../ports/ai-providers.js';
import { SAVE_NODE, txt2imgWorkflow } from './comfyui-workflow.js';
import { PROVIDER, connectSocket, watchPrompt, type HistoryEntry, type ImageRef } from './comfyui-watch.js';
import { createHttpClient, imageMime, shape, type HttpClient, type HttpClientOptions } from './http.js';

export interface ComfyUiOptions {
  baseUrl: string;
  /** ckpt_name of CheckpointLoaderSimple (a file in ComfyUI's models/checkpoints). */
  checkpoint: string;
  steps?: number;
  cfg?: number;
  sampler?: string;
  scheduler?: string;
  /** History polling interval (×5 while the socket is up). */
  pollIntervalMs?: number;
  /** Longest a prompt may take from queueing to its last image. */
  timeoutMs?: number;
  http?: Partial<Pick<HttpClientOptions, 'timeoutMs' | 'retries' | 'backoffMs' | 'maxBackoffMs' | 'maxRetryAfterMs' | 'random'>>;
}

const QueuedResponse = Type.Object({ prompt_id: Type.String(), number: Type.Optional(Type.Number()), node_errors: Type.Optional(Type.Unknown()) });
const QueueResponse = Type.Object({ queue_running: Type.Array(Type.Unknown()), queue_pending: Type.Array(Type.Unknown()) });

export function createComfyUiImageProvider(options: ComfyUiOptions): ImageProvider {
  const http = createHttpClient({ provider: PROVIDER, baseUrl: options.baseUrl, timeoutMs: 60_000, ...options.http });
  const control = createHttpClient({ provider: PROVIDER, baseUrl: options.baseUrl, timeoutMs: 5_000, retries: 0 });
  const wsBase = options.baseUrl.replace(/\/+$/, '').replace(/^http/i, 'ws');

  return {
    name: 'comfyui',
    model: options.checkpoint,
    supportsImageToImage: false,
    supportsNegativePrompt: true,
    maxPromptLength: 3000,

    async generate(request: ImageRequest, { signal, onProgress }: CallOptions): Promise<GeneratedImage[]> {
      if (signal.aborted) throw new ProviderError(`${PROVIDER}: generation canceled`);
      const clientId = randomUUID();
      const promptId = randomUUID();
      const socket = await connectSocket(`${wsBase}/ws?clientId=${encodeURIComponent(clientId)}`, 5_000);
      const promptIds = new Set<string>([promptId]);
      const watch = watchPrompt({ http: control, socket, promptIds, signal, pollIntervalMs: options.pollIntervalMs ?? 1_000, timeoutMs: options.timeoutMs ?? 15 * 60_000, onProgress });
      // Once the POST went out the prompt may be queued even if its answer never arrived.
      let sent = false;
      try {
        const workflow = txt2imgWorkflow({
          checkpoint: options.checkpoint,
          prompt: request.prompt,
          negative: request.negative_prompt ?? '',
          seed: request.seed,
          width: request.width,
          height: request.height,
          batch: request.n,
          steps: options.steps ?? 25,
          cfg: options.cfg ?? 7,
          sampler: options.sampler ?? 'euler',
          scheduler: options.scheduler ?? 'normal',
          filenamePrefix: 'inkframe',
        });
        // Not retried: a lost answer to a queued prompt would queue the work twice.
        sent = true;
        const queuedAs = await http.json(
          { method: 'POST', path: '/prompt', json: { prompt: workflow, client_id: clientId, prompt_id: promptId }, signal, what: 'queueing the workflow', retry: false },
          shape(QueuedResponse),
        );
        // Servers older than client-chosen ids answer with their own.
        promptIds.add(queuedAs.prompt_id);
        const entry = await watch.done;
        return await readImages(http, entry, request, signal);
      } catch (error) {
        if (signal.aborted && sent) await cancel(control, [...promptIds]);
        throw error;
      } finally {
        watch.stop();
        socket?.close();
      }
    },
  };
}

/** Pending: delete it from the queue; running: interrupt it (by id, so nobody else's prompt stops). */
async function cancel(control: HttpClient, promptIds: string[]): Promise<void> {
  const signal = AbortSignal.timeout(5_000);
  const queue = await control.json({ method: 'GET', path: '/queue', signal, what: 'queue', retry: false }, shape(QueueResponse)).catch(() => undefined);
  const holds = (items: unknown[]) => items.some((item) => Array.isArray(item) && promptIds.includes(item[1] as string));
  const quiet = (path: string, json: unknown) => control.send({ method: 'POST', path, json, signal: AbortSignal.timeout(5_000), what: 'cancel', retry: false }).catch(() => undefined);
  if (!queue || holds(queue.queue_pending)) await quiet('/queue', { delete: promptIds });
  if (!queue || holds(queue.queue_running)) for (const id of promptIds) await quiet('/interrupt', { prompt_id: id });
}

async function readImages(http: HttpClient, entry: HistoryEntry, request: ImageRequest, signal: AbortSignal): Promise<GeneratedImage[]> {
  const outputs = entry.outputs ?? {};
  const refs: ImageRef[] = [...(outputs[SAVE_NODE]?.images ?? []), ...Object.entries(outputs).filter(([node]) => node !== SAVE_NODE).flatMap(([, output]) => output.images ?? [])].filter(
    (ref) => (ref.type ?? 'output') === 'output',
  );
  if (refs.length < request.n) throw new ProviderError(`${PROVIDER}: asked for ${request.n} images, the workflow saved ${refs.length}`);
  const images: GeneratedImage[] = [];
  for (const ref of refs.slice(0, request.n)) {
    const { data } = await http.bytes({ method: 'GET', path: '/view', query: { filename: ref.filename, subfolder: ref.subfolder ?? '', type: ref.type ?? 'output' }, signal, what: 'image download' });
    const mime = imageMime(data);
    if (!mime) throw new ProviderError(`${PROVIDER}: ${ref.filename} is not a PNG, JPEG or WebP image`);
    // One KSampler seed covers the batch (ComfyUI varies the noise per batch index): the request's seed reproduces it.
    images.push({ data, mime_type: mime, seed: request.seed });
  }
  return images;
}
