import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAutomatic1111ImageProvider, type Automatic1111Options } from '../../src/adapters/ai/automatic1111.js';
import { ProviderError, type ImageRequest } from '../../src/ports/ai-providers.js';
import { startFakeAutomatic1111 } from '../fakes/automatic1111.js';
import { fakePng } from '../fakes/fake-server.js';

const fast = { timeoutMs: 5_000, retries: 2, backoffMs: 5, maxBackoffMs: 20 };
const signal = () => new AbortController().signal;
const request: ImageRequest = { prompt: 'Mara on the docks, ink wash', negative_prompt: 'blurry, text', width: 512, height: 768, seed: 1234, n: 2 };

describe('automatic1111 provider against the fake server', () => {
  let fake: Awaited<ReturnType<typeof startFakeAutomatic1111>>;
  let options: Automatic1111Options;
  beforeAll(async () => {
    fake = await startFakeAutomatic1111({ stepMs: 2 });
    options = { baseUrl: fake.url, checkpoint: 'sd_xl_base_1.0.safetensors', progressIntervalMs: 10, http: fast };
  });
  afterAll(() => fake.close());

  it('sends the exact txt2img request and returns the images with their seeds', async () => {
    const before = fake.requests.length;
    const out = await createAutomatic1111ImageProvider(options).generate(request, { signal: signal() });
    const [sent] = fake.requests.slice(before).filter((r) => r.path === '/sdapi/v1/txt2img');
    expect(sent!.method).toBe('POST');
    expect(sent!.headers['content-type']).toBe('application/json');
    expect(sent!.headers.authorization).toBeUndefined();
    expect(sent!.body).toEqual({
      prompt: 'Mara on the docks, ink wash',
      negative_prompt: 'blurry, text',
      seed: 1234,
      steps: 25,
      cfg_scale: 7,
      width: 512,
      height: 768,
      batch_size: 2,
      n_iter: 1,
      send_images: true,
      save_images: false,
      override_settings: { sd_model_checkpoint: 'sd_xl_base_1.0.safetensors' },
      override_settings_restore_afterwards: false,
    });
    expect(out.map((o) => [o.mime_type, o.seed])).toEqual([
      ['image/png', 1234],
      ['image/png', 1235],
    ]);
    expect(await sharp(out[1]!.data).metadata()).toMatchObject({ width: 512, height: 768 });
  });

  it('uses img2img with the source as base64 and the denoising strength', async () => {
    const source = await fakePng(64, 64, 9);
    const before = fake.requests.length;
    await createAutomatic1111ImageProvider(options).generate({ ...request, n: 1, init_image: source, denoising_strength: 0.35 }, { signal: signal() });
    const [sent] = fake.requests.slice(before).filter((r) => r.path === '/sdapi/v1/img2img');
    expect(sent!.body).toMatchObject({ init_images: [source.toString('base64')], denoising_strength: 0.35, resize_mode: 1, batch_size: 1, prompt: request.prompt });
  });

  it('reports progress by polling /sdapi/v1/progress while generating', async () => {
    const reports: number[] = [];
    const before = fake.requests.length;
    const slow = await startFakeAutomatic1111({ stepMs: 8 });
    try {
      await createAutomatic1111ImageProvider({ ...options, baseUrl: slow.url }).generate({ ...request, n: 1 }, { signal: signal(), onProgress: (r) => reports.push(r.progress) });
      expect(slow.calls('GET', '/sdapi/v1/progress').length).toBeGreaterThan(2);
      expect(slow.calls('GET', '/sdapi/v1/progress')[0]!.query).toEqual({ skip_current_image: 'true' });
    } finally {
      await slow.close();
    }
    expect(fake.requests.length).toBe(before);
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.every((p) => p > 0 && p < 1)).toBe(true);
  });

  it('interrupts the server when the job is canceled mid-request', async () => {
    const slow = await startFakeAutomatic1111({ stepMs: 200 });
    try {
      const controller = new AbortController();
      const running = createAutomatic1111ImageProvider({ ...options, baseUrl: slow.url }).generate(request, { signal: controller.signal });
      await slow.waitFor((r) => r.path === '/sdapi/v1/txt2img');
      controller.abort();
      const error = (await running.catch((e: unknown) => e)) as ProviderError;
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.message).toMatch(/canceled/);
      expect(slow.calls('POST', '/sdapi/v1/interrupt')).toHaveLength(1);
      expect(slow.state.interrupted).toBe(true);
      expect(slow.calls('POST', '/sdapi/v1/txt2img')).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });

  it('retries a 503, but not a 422 validation error', async () => {
    fake.script('POST', '/sdapi/v1/txt2img', { status: 503, text: 'Service Unavailable' });
    const before = fake.calls('POST', '/sdapi/v1/txt2img').length;
    await createAutomatic1111ImageProvider(options).generate({ ...request, n: 1 }, { signal: signal() });
    expect(fake.calls('POST', '/sdapi/v1/txt2img').length - before).toBe(2);

    const invalid = await createAutomatic1111ImageProvider(options)
      .generate({ ...request, width: 512.5 }, { signal: signal() })
      .catch((e: unknown) => e);
    expect((invalid as ProviderError).message).toMatch(/HTTP 422.*value is not a valid integer/);
    expect(fake.calls('POST', '/sdapi/v1/txt2img').length - before).toBe(3);
  });

  it('fails clearly on a malformed answer', async () => {
    fake.script('POST', '/sdapi/v1/txt2img', { json: { images: 'oops', info: '{}' } });
    await expect(createAutomatic1111ImageProvider(options).generate(request, { signal: signal() })).rejects.toThrow(/unexpected shape/);
    fake.script('POST', '/sdapi/v1/txt2img', { json: { images: [Buffer.from('<svg/>').toString('base64')], info: '{}' } });
    await expect(createAutomatic1111ImageProvider(options).generate({ ...request, n: 1 }, { signal: signal() })).rejects.toThrow(/not a PNG, JPEG or WebP/);
    fake.script('POST', '/sdapi/v1/txt2img', { json: { images: [], info: '{}' } });
    await expect(createAutomatic1111ImageProvider(options).generate(request, { signal: signal() })).rejects.toThrow(/asked for 2 images, got 0/);
  });

  it('times out a generation that never answers', async () => {
    fake.script('POST', '/sdapi/v1/txt2img', { hang: true });
    const provider = createAutomatic1111ImageProvider({ ...options, http: { ...fast, timeoutMs: 200 } });
    const error = (await provider.generate(request, { signal: signal() }).catch((e: unknown) => e)) as ProviderError;
    expect(error.message).toMatch(/AUTOMATIC1111: txt2img timed out/);
    expect(error.retryable).toBe(true);
  });
});
