import { describe, expect, it } from 'vitest';
import { createImageProvider, createTextProvider } from '../../src/adapters/ai/index.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startFakeAutomatic1111 } from '../fakes/automatic1111.js';

describe('provider factories', () => {
  it('default to the offline providers', () => {
    const config = loadConfig({});
    const image = createImageProvider(config);
    const text = createTextProvider(config);
    expect([image.name, image.supportsImageToImage, text.name]).toEqual(['sketch', true, 'template']);
  });

  it('build the configured real providers', () => {
    const env = { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', TEXT_MODEL: 'llama3.1', IMAGE_MODEL: 'sdxl.safetensors', COMFYUI_URL: 'http://127.0.0.1:8188', A1111_URL: 'http://127.0.0.1:7860' };
    const openai = createImageProvider(loadConfig({ ...env, IMAGE_PROVIDER: 'openai' }));
    expect([openai.name, openai.model, openai.supportsImageToImage]).toEqual(['openai', 'sdxl.safetensors', false]);
    expect(createTextProvider(loadConfig({ ...env, TEXT_PROVIDER: 'openai' })).model).toBe('llama3.1');
    const comfy = createImageProvider(loadConfig({ ...env, IMAGE_PROVIDER: 'comfyui' }));
    expect([comfy.name, comfy.model, comfy.supportsNegativePrompt]).toEqual(['comfyui', 'sdxl.safetensors', true]);
    const a1111 = createImageProvider(loadConfig({ ...env, IMAGE_PROVIDER: 'automatic1111' }));
    expect([a1111.name, a1111.model, a1111.supportsImageToImage]).toEqual(['automatic1111', 'sdxl.safetensors', true]);
  });

  it('refuses ComfyUI with the OpenAI default model, naming the variable', () => {
    const config = loadConfig({ IMAGE_PROVIDER: 'comfyui', COMFYUI_URL: 'http://127.0.0.1:8188' });
    expect(() => createImageProvider(config)).toThrow(ConfigError);
    expect(() => createImageProvider(config)).toThrow(/IMAGE_MODEL must name a ComfyUI checkpoint/);
  });

  it('lets AUTOMATIC1111 keep its loaded checkpoint when IMAGE_MODEL is the OpenAI default', async () => {
    const fake = await startFakeAutomatic1111();
    try {
      const provider = createImageProvider(loadConfig({ IMAGE_PROVIDER: 'automatic1111', A1111_URL: fake.url }));
      expect(provider.model).toBe('automatic1111');
      await provider.generate({ prompt: 'x', width: 64, height: 64, seed: 1, n: 1 }, { signal: new AbortController().signal });
      expect(fake.calls('POST', '/sdapi/v1/txt2img')[0]!.body).not.toHaveProperty('override_settings');
    } finally {
      await fake.close();
    }
  });
});
