/**
 * Any OpenAI-compatible server (OpenAI, Ollama /v1, vLLM, LM Studio, llama.cpp server):
 * POST {base}/chat/completions for text (JSON-schema structured output when the task has a
 * schema, parsed and validated here) and POST {base}/images/generations for images (base64).
 * Servers that ignore `n` get further calls until n answers arrived.
 */
import { Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import {
  ProviderError,
  type CallOptions,
  type GeneratedImage,
  type GeneratedText,
  type ImageProvider,
  type ImageRequest,
  type TextProvider,
  type TextRequest,
} from '../../ports/ai-providers.js';
import { createHttpClient, imageMime, shape, type HttpClient, type HttpClientOptions } from './http.js';

export interface OpenAiOptions {
  baseUrl: string;
  apiKey?: string;
  textModel: string;
  imageModel: string;
  /** Tuning for tests and slow local servers. */
  http?: Partial<Pick<HttpClientOptions, 'timeoutMs' | 'retries' | 'backoffMs' | 'maxBackoffMs' | 'maxRetryAfterMs' | 'random'>>;
  textMaxPromptLength?: number;
}

const PROVIDER = 'OpenAI-compatible server';

function client(options: OpenAiOptions, baseUrl = options.baseUrl, withKey = true): HttpClient {
  return createHttpClient({
    provider: PROVIDER,
    baseUrl,
    headers: withKey && options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    secrets: options.apiKey ? [options.apiKey] : [],
    ...options.http,
  });
}

const ChatResponse = Type.Object({
  model: Type.Optional(Type.String()),
  choices: Type.Array(
    Type.Object({
      message: Type.Object({ content: Type.Union([Type.String(), Type.Null()]), refusal: Type.Optional(Type.Union([Type.String(), Type.Null()])) }),
      finish_reason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    }),
  ),
  usage: Type.Optional(Type.Object({ prompt_tokens: Type.Optional(Type.Number()), completion_tokens: Type.Optional(Type.Number()) })),
});

const ImagesResponse = Type.Object({
  data: Type.Array(Type.Object({ b64_json: Type.Optional(Type.String()), url: Type.Optional(Type.String()), revised_prompt: Type.Optional(Type.String()) })),
});

// Made on first use: building an Ajv instance costs start-up time a server on the offline providers never needs.
let ajv: Ajv | undefined;
const validators = new WeakMap<object, ValidateFunction>();

/** Strict structured output needs an object at the root: other schemas travel wrapped in { result }. */
function wireSchema(schema: Record<string, unknown>): { schema: Record<string, unknown>; wrapped: boolean } {
  if (schema.type === 'object') return { schema, wrapped: false };
  return { schema: { type: 'object', properties: { result: schema }, required: ['result'], additionalProperties: false }, wrapped: true };
}

export function createOpenAiTextProvider(options: OpenAiOptions): TextProvider {
  const http = client(options);
  return {
    name: 'openai',
    model: options.textModel,
    maxPromptLength: options.textMaxPromptLength ?? 24_000,
    async generate(request: TextRequest, { signal, onProgress }: CallOptions): Promise<GeneratedText[]> {
      const wire = request.schema ? wireSchema(request.schema) : undefined;
      const out: GeneratedText[] = [];
      for (let call = 0; out.length < request.n && call < request.n; call++) {
        const want = request.n - out.length;
        const body: Record<string, unknown> = {
          model: options.textModel,
          messages: [
            { role: 'system', content: request.system },
            { role: 'user', content: request.prompt },
          ],
          n: want,
          ...(request.seed !== undefined ? { seed: request.seed + out.length } : {}),
          ...(wire ? { response_format: { type: 'json_schema', json_schema: { name: schemaName(request.task), schema: wire.schema, strict: true } } } : {}),
        };
        const response = await http.json({ method: 'POST', path: '/chat/completions', json: body, signal, what: `${request.task} text generation` }, shape(ChatResponse));
        if (response.choices.length === 0) throw new ProviderError(`${PROVIDER}: ${request.task} text generation returned no choices`);
        for (const choice of response.choices.slice(0, want)) {
          const metadata = { model: response.model ?? options.textModel, finish_reason: choice.finish_reason ?? null, ...(response.usage ? { usage: response.usage } : {}) };
          out.push({ content: readChoice(choice, request, wire), metadata });
        }
        onProgress?.({ progress: out.length / request.n });
      }
      return out;
    },
  };
}

function readChoice(choice: { message: { content: string | null; refusal?: string | null }; finish_reason?: string | null }, request: TextRequest, wire: { schema: Record<string, unknown>; wrapped: boolean } | undefined): unknown {
  const { content, refusal } = choice.message;
  if (refusal) throw new ProviderError(`${PROVIDER}: the model refused the ${request.task} task: ${refusal.slice(0, 300)}`);
  const text = (content ?? '').trim();
  if (!text) throw new ProviderError(`${PROVIDER}: the ${request.task} answer is empty${choice.finish_reason ? ` (finish_reason ${choice.finish_reason})` : ''}`);
  if (!wire || !request.schema) return text;
  let parsed: unknown;
  try {
    // Some local servers still fence JSON in markdown despite the response format.
    parsed = JSON.parse(text.replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, ''));
  } catch {
    const cut = choice.finish_reason === 'length' ? ' (the answer was cut off at the token limit)' : '';
    throw new ProviderError(`${PROVIDER}: the ${request.task} answer is not valid JSON${cut}`);
  }
  let validate = validators.get(request.schema);
  if (!validate) {
    validate = (ajv ??= new Ajv({ strict: false, allErrors: false })).compile(wire.schema);
    validators.set(request.schema, validate);
  }
  if (!validate(parsed)) {
    throw new ProviderError(`${PROVIDER}: the ${request.task} answer does not match its schema (${ajv!.errorsText(validate.errors, { separator: '; ' })})`);
  }
  return wire.wrapped ? (parsed as { result: unknown }).result : parsed;
}

function schemaName(task: string): string {
  return task.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'answer';
}

/** Sizes the OpenAI models accept; any other model gets WxH as asked. */
export function openAiImageSize(model: string, width: number, height: number): string {
  const ratio = width / height;
  const pick = (square: string, wide: string, tall: string) => (ratio > 1.2 ? wide : ratio < 0.83 ? tall : square);
  if (/^gpt-image/i.test(model)) return pick('1024x1024', '1536x1024', '1024x1536');
  if (/^dall-e-3/i.test(model)) return pick('1024x1024', '1792x1024', '1024x1792');
  if (/^dall-e-2/i.test(model)) return Math.max(width, height) <= 256 ? '256x256' : Math.max(width, height) <= 512 ? '512x512' : '1024x1024';
  return `${width}x${height}`;
}

export function createOpenAiImageProvider(options: OpenAiOptions): ImageProvider {
  const http = client(options);
  const model = options.imageModel;
  const gptImage = /^gpt-image/i.test(model);
  const onePerCall = /^dall-e-3/i.test(model);
  return {
    name: 'openai',
    model,
    supportsImageToImage: false,
    supportsNegativePrompt: false,
    maxPromptLength: /^dall-e-2/i.test(model) ? 1000 : gptImage ? 32_000 : 4000,
    async generate(request: ImageRequest, { signal, onProgress }: CallOptions): Promise<GeneratedImage[]> {
      const images: GeneratedImage[] = [];
      for (let call = 0; images.length < request.n && call < request.n; call++) {
        const want = onePerCall ? 1 : request.n - images.length;
        const body = {
          model,
          prompt: request.prompt,
          n: want,
          size: openAiImageSize(model, request.width, request.height),
          // gpt-image models always answer in base64 and reject the parameter.
          ...(gptImage ? {} : { response_format: 'b64_json' }),
        };
        const response = await http.json({ method: 'POST', path: '/images/generations', json: body, signal, what: 'image generation' }, shape(ImagesResponse));
        if (response.data.length === 0) throw new ProviderError(`${PROVIDER}: image generation returned no images`);
        for (const item of response.data.slice(0, want)) {
          const data = item.b64_json ? Buffer.from(item.b64_json, 'base64') : item.url ? await download(item.url, options, signal) : undefined;
          const mime = data ? imageMime(data) : undefined;
          if (!data || !mime) throw new ProviderError(`${PROVIDER}: image generation returned something that is not a PNG, JPEG or WebP image`);
          images.push({ data, mime_type: mime, seed: request.seed + images.length });
          onProgress?.({ progress: images.length / request.n });
        }
      }
      return images;
    },
  };
}

/** A server that answers with URLs: fetched without the API key, which belongs to the API host only. */
async function download(url: string, options: OpenAiOptions, signal: AbortSignal): Promise<Buffer> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProviderError(`${PROVIDER}: image generation returned an invalid image URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ProviderError(`${PROVIDER}: image generation returned a non-HTTP image URL`);
  const sameHost = parsed.origin === new URL(options.baseUrl).origin;
  // The URL comes from a server's answer, not from configuration: elsewhere than the configured
  // server it must be HTTPS, so an answer cannot point the worker at plain-HTTP internal services.
  if (!sameHost && parsed.protocol !== 'https:') throw new ProviderError(`${PROVIDER}: image generation returned a plain-HTTP image URL on another host than ${new URL(options.baseUrl).origin}`);
  if (parsed.username || parsed.password) throw new ProviderError(`${PROVIDER}: image generation returned an image URL with credentials`);
  const { data } = await client(options, parsed.origin, sameHost).bytes({ method: 'GET', path: parsed.pathname + parsed.search, signal, what: 'image download' });
  return data;
}
