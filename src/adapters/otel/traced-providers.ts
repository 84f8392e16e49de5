/**
 * Decorators for the AI provider ports: a CLIENT span per generate() call, named
 * `<operation> <model>` after the GenAI conventions, with the provider, model and request
 * shape (count, size, task). Never prompts, images, keys or provider URLs.
 * ProviderError messages are human-readable by contract, so they become the span status.
 */
import { SpanKind, type Attributes, type Tracer } from '@opentelemetry/api';
import { ProviderError, type ImageProvider, type TextProvider } from '../../ports/ai-providers.js';
import { inkframeTracer, inSpan } from './spans.js';

const describe = (error: unknown) => (error instanceof ProviderError ? error.message : undefined);

function providerAttributes(provider: { name: string; model: string }, operation: string): Attributes {
  return {
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': provider.name,
    'gen_ai.system': provider.name,
    'gen_ai.request.model': provider.model,
  };
}

export function tracedImageProvider(provider: ImageProvider, tracer: Tracer = inkframeTracer()): ImageProvider {
  return {
    get name() {
      return provider.name;
    },
    get model() {
      return provider.model;
    },
    get supportsImageToImage() {
      return provider.supportsImageToImage;
    },
    get supportsNegativePrompt() {
      return provider.supportsNegativePrompt;
    },
    get maxPromptLength() {
      return provider.maxPromptLength;
    },
    generate: (request, options) =>
      inSpan(
        tracer,
        {
          name: `generate_image ${provider.model}`,
          kind: SpanKind.CLIENT,
          describe,
          attributes: {
            ...providerAttributes(provider, 'generate_image'),
            'gen_ai.request.choice.count': request.n,
            'inkframe.image.width': request.width,
            'inkframe.image.height': request.height,
            'inkframe.image.img2img': request.init_image !== undefined,
          },
        },
        async (span) => {
          const images = await provider.generate(request, options);
          span?.setAttribute('inkframe.image.count', images.length);
          return images;
        },
      ),
    ...(provider.close ? { close: () => provider.close!() } : {}),
  };
}

export function tracedTextProvider(provider: TextProvider, tracer: Tracer = inkframeTracer()): TextProvider {
  return {
    get name() {
      return provider.name;
    },
    get model() {
      return provider.model;
    },
    get maxPromptLength() {
      return provider.maxPromptLength;
    },
    generate: (request, options) =>
      inSpan(
        tracer,
        {
          name: `generate_text ${provider.model}`,
          kind: SpanKind.CLIENT,
          describe,
          attributes: {
            ...providerAttributes(provider, 'generate_text'),
            'gen_ai.request.choice.count': request.n,
            'inkframe.text.task': request.task,
            'inkframe.text.structured': request.schema !== undefined,
          },
        },
        async (span) => {
          const texts = await provider.generate(request, options);
          span?.setAttribute('inkframe.text.count', texts.length);
          return texts;
        },
      ),
    ...(provider.close ? { close: () => provider.close!() } : {}),
  };
}
