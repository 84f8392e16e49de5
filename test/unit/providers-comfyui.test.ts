import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createComfyUiImageProvider, type ComfyUiOptions } from '../../src/adapters/ai/comfyui.js';
import { ProviderError, type ImageRequest } from '../../src/ports/ai-providers.js';
import { startFakeComfyUi } from '../fakes/comfyui.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const fast = { timeoutMs: 5_000, retries: 2, backoffMs: 5, maxBackoffMs: 20 };
const signal = () => new AbortController().signal;
const request: ImageRequest = { prompt: 'Mara on the docks, ink wash', negative_prompt: 'blurry', width: 512, height: 768, seed: 77, n: 2 };

describe('comfyui provider against the fake server', () => {
  let fake: Awaited<ReturnType<typeof startFakeComfyUi>>;
  let options: ComfyUiOptions;
  beforeAll(async () => {
    fake = await startFakeComfyUi({ stepMs: 2 });
    options = { baseUrl: fake.url, checkpoint: 'sd_xl_base_1.0.safetensors', steps: 6, pollIntervalMs: 50, http: fast };
  });
  afterAll(() => fake.close());

  it('queues the workflow with a client-chosen prompt_id, follows /ws progress and reads /history + /view', async () => {
    const reports: number[] = [];
    const before = fake.requests.length;
    const out = await createComfyUiImageProvider(options).generate(request, { signal: signal(), onProgress: (r) => reports.push(r.progress) });

    const [queued] = fake.requests.slice(before).filter((r) => r.method === 'POST' && r.path === '/prompt');
    expect(queued!.headers['content-type']).toBe('application/json');
    const body = queued!.body as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }>; client_id: string; prompt_id: string };
    expect(Object.keys(body).sort()).toEqual(['client_id', 'prompt', 'prompt_id']);
    expect(body.client_id).toMatch(UUID);
    expect(body.prompt_id).toMatch(UUID);
    const byClass = Object.fromEntries(Object.values(body.prompt).map((node) => [node.class_type + (node.class_type === 'CLIPTextEncode' ? `:${node.inputs.text}` : ''), node.inputs]));
    expect(byClass.CheckpointLoaderSimple).toEqual({ ckpt_name: 'sd_xl_base_1.0.safetensors' });
    expect(byClass['CLIPTextEncode:Mara on the docks, ink wash']).toEqual({ text: 'Mara on the docks, ink wash', clip: ['4', 1] });
    expect(byClass['CLIPTextEncode:blurry']).toEqual({ text: 'blurry', clip: ['4', 1] });
    expect(byClass.EmptyLatentImage).toEqual({ width: 512, height: 768, batch_size: 2 });
    expect(byClass.KSampler).toMatchObject({ seed: 77, steps: 6, cfg: 7, sampler_name: 'euler', scheduler: 'normal', denoise: 1, positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] });
    expect(byClass.VAEDecode).toEqual({ samples: ['3', 0], vae: ['4', 2] });
    expect(byClass.SaveImage).toEqual({ filename_prefix: 'inkframe', images: ['8', 0] });

    const views = fake.requests.slice(before).filter((r) => r.path === '/view');
    expect(views.map((v) => v.query)).toEqual([
      { filename: 'inkframe_00001_.png', subfolder: '', type: 'output' },
      { filename: 'inkframe_00002_.png', subfolder: '', type: 'output' },
    ]);
    expect(fake.requests.slice(before).some((r) => r.path === `/history/${body.prompt_id}`)).toBe(true);
    expect(out).toHaveLength(2);
    expect(out.every((o) => o.mime_type === 'image/png' && o.seed === 77)).toBe(true);
    expect(await sharp(out[0]!.data).metadata()).toMatchObject({ width: 512, height: 768 });
    // Progress came from the socket's `progress` messages (6 sampler steps).
    expect(reports.length).toBeGreaterThanOrEqual(6);
    expect(reports.every((p) => p > 0 && p < 1)).toBe(true);
  });

  it('reports an execution_error from the socket as a ProviderError', async () => {
    fake.control.failNext = 'CUDA out of memory. Tried to allocate 2.00 GiB';
    const error = (await createComfyUiImageProvider(options).generate(request, { signal: signal() }).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toMatch(/ComfyUI: KSampler failed: torch.OutOfMemoryError: CUDA out of memory/);
  });

  it('explains a rejected workflow (unknown checkpoint) without retrying it', async () => {
    const before = fake.calls('POST', '/prompt').length;
    const error = (await createComfyUiImageProvider({ ...options, checkpoint: 'missing.safetensors' }).generate(request, { signal: signal() }).catch((e: unknown) => e)) as ProviderError;
    expect(error.message).toMatch(/HTTP 400.*Prompt outputs failed validation.*CheckpointLoaderSimple: ckpt_name: 'missing.safetensors' not in/);
    expect(fake.calls('POST', '/prompt').length - before).toBe(1);
  });

  it('interrupts its own running prompt when the job is canceled', async () => {
    const slow = await startFakeComfyUi({ stepMs: 200 });
    try {
      const controller = new AbortController();
      const running = createComfyUiImageProvider({ ...options, baseUrl: slow.url, steps: 50 }).generate(request, { signal: controller.signal });
      const queued = await slow.waitFor((r) => r.path === '/prompt');
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.abort();
      await expect(running).rejects.toThrow(/canceled/);
      const promptId = (queued.body as { prompt_id: string }).prompt_id;
      expect(slow.calls('POST', '/interrupt').map((r) => r.body)).toEqual([{ prompt_id: promptId }]);
      expect(slow.calls('POST', '/queue')).toHaveLength(0);
      expect(slow.control.interrupt).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('deletes its prompt from the queue when canceled while still pending', async () => {
    const held = await startFakeComfyUi({ stepMs: 2 });
    held.control.hold = true;
    try {
      const controller = new AbortController();
      const running = createComfyUiImageProvider({ ...options, baseUrl: held.url }).generate(request, { signal: controller.signal });
      const queued = await held.waitFor((r) => r.path === '/prompt');
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort();
      await expect(running).rejects.toThrow(/canceled/);
      const promptId = (queued.body as { prompt_id: string }).prompt_id;
      expect(held.calls('POST', '/queue').map((r) => r.body)).toEqual([{ delete: [promptId] }]);
      expect(held.calls('POST', '/interrupt')).toHaveLength(0);
      held.release();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(held.history[promptId]).toBeUndefined();
    } finally {
      await held.close();
    }
  });

  it('gives up on a prompt that never finishes, with a retryable timeout', async () => {
    const held = await startFakeComfyUi({ stepMs: 2 });
    held.control.hold = true;
    try {
      const error = (await createComfyUiImageProvider({ ...options, baseUrl: held.url, timeoutMs: 300 }).generate(request, { signal: signal() }).catch((e: unknown) => e)) as ProviderError;
      expect(error.message).toBe('ComfyUI: the prompt did not finish within 300 ms');
      expect(error.retryable).toBe(true);
    } finally {
      await held.close();
    }
  });

  it('falls back to polling /history when the server has no websocket', async () => {
    const plain = await startFakeComfyUi({ stepMs: 2, noWebSocket: true });
    try {
      const out = await createComfyUiImageProvider({ ...options, baseUrl: plain.url }).generate({ ...request, n: 1 }, { signal: signal() });
      expect(out).toHaveLength(1);
      expect(plain.requests.filter((r) => r.path.startsWith('/history/')).length).toBeGreaterThan(0);
    } finally {
      await plain.close();
    }
  });

  it('retries a 503 on the image download and then succeeds; a malformed history is an error', async () => {
    fake.script('GET', '/view', { status: 503, text: 'busy' });
    const before = fake.calls('GET', '/view').length;
    const out = await createComfyUiImageProvider(options).generate({ ...request, n: 1 }, { signal: signal() });
    expect(out).toHaveLength(1);
    expect(fake.calls('GET', '/view').length - before).toBe(2);

    fake.script('POST', '/prompt', { json: { error: 'no prompt_id here' } });
    await expect(createComfyUiImageProvider(options).generate({ ...request, n: 1 }, { signal: signal() })).rejects.toThrow(/ComfyUI: queueing the workflow answer has an unexpected shape/);
  });
});
