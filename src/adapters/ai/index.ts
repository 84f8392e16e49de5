/**
 * Provider factories for the composition root: IMAGE_PROVIDER / TEXT_PROVIDER pick the
 * adapter, the other AI variables configure it.
 */
import { ConfigError, type Config } from '../../config.js';
import type { ImageProvider, TextProvider } from '../../ports/ai-providers.js';
import { createAutomatic1111ImageProvider } from './automatic1111.js';
import { createComfyUiImageProvider } from './comfyui.js';
import type { HttpClientOptions } from './http.js';
import { createOpenAiImageProvider, createOpenAiTextProvider } from './openai.js';
import { createSketchImageProvider } from './sketch.js';
import { createTemplateTextProvider } from './template.js';

export type ImageProviderConfig = Pick<Config, 'imageProvider' | 'openaiBaseUrl' | 'openaiApiKey' | 'imageModel' | 'comfyuiUrl' | 'a1111Url'>;
export type TextProviderConfig = Pick<Config, 'textProvider' | 'openaiBaseUrl' | 'openaiApiKey' | 'textModel'>;

/** Optional tuning (tests against fake servers use short timeouts and backoffs). */
export interface ProviderTuning {
  http?: Partial<Pick<HttpClientOptions, 'timeoutMs' | 'retries' | 'backoffMs' | 'maxBackoffMs' | 'maxRetryAfterMs' | 'random'>>;
  /** ComfyUI history polling / AUTOMATIC1111 progress polling. */
  pollIntervalMs?: number;
}

/** IMAGE_MODEL defaults to an OpenAI model, which no Stable Diffusion server has. */
const OPENAI_IMAGE_MODEL = /^(gpt-image|dall-e)/i;

export function createImageProvider(config: ImageProviderConfig, tuning: ProviderTuning = {}): ImageProvider {
  switch (config.imageProvider) {
    case 'sketch':
      return createSketchImageProvider();
    case 'openai':
      return createOpenAiImageProvider({ baseUrl: config.openaiBaseUrl, apiKey: config.openaiApiKey, textModel: '', imageModel: config.imageModel, http: tuning.http });
    case 'automatic1111':
      if (!config.a1111Url) throw new ConfigError('A1111_URL', 'is required when IMAGE_PROVIDER=automatic1111');
      return createAutomatic1111ImageProvider({
        baseUrl: config.a1111Url,
        // Without a checkpoint name of its own the server keeps the model it has loaded.
        checkpoint: OPENAI_IMAGE_MODEL.test(config.imageModel) ? undefined : config.imageModel,
        progressIntervalMs: tuning.pollIntervalMs,
        http: tuning.http,
      });
    case 'comfyui':
      if (!config.comfyuiUrl) throw new ConfigError('COMFYUI_URL', 'is required when IMAGE_PROVIDER=comfyui');
      if (OPENAI_IMAGE_MODEL.test(config.imageModel)) {
        throw new ConfigError('IMAGE_MODEL', `must name a ComfyUI checkpoint (e.g. "sd_xl_base_1.0.safetensors") when IMAGE_PROVIDER=comfyui, got "${config.imageModel}"`);
      }
      return createComfyUiImageProvider({ baseUrl: config.comfyuiUrl, checkpoint: config.imageModel, pollIntervalMs: tuning.pollIntervalMs, http: tuning.http });
  }
}

export function createTextProvider(config: TextProviderConfig, tuning: ProviderTuning = {}): TextProvider {
  switch (config.textProvider) {
    case 'template':
      return createTemplateTextProvider();
    case 'openai':
      return createOpenAiTextProvider({ baseUrl: config.openaiBaseUrl, apiKey: config.openaiApiKey, textModel: config.textModel, imageModel: '', http: tuning.http });
  }
}
