/**
 * The offline image provider: draws a storyboard panel (sketch-svg.ts) and rasterises it to
 * PNG. Same request and seed give the same bytes; image i of a request uses seed + i. With an
 * init image (variations, style transfer) the source shows through, faded, under the sketch.
 */
import sharp from 'sharp';
import { ProviderError, type CallOptions, type GeneratedImage, type ImageProvider, type ImageRequest } from '../../ports/ai-providers.js';
import { renderSketchSvg } from './sketch-svg.js';
import { closeSvgRasterizer, rasterizeSvg } from './svg-raster.js';
import { coloursFrom, parseHex } from './svg-util.js';

export interface SketchProviderOptions {
  /** Per image. */
  renderTimeoutMs?: number;
}

const MAX_SIDE = 4096;
const MAX_IMAGES = 16;

export function createSketchImageProvider(options: SketchProviderOptions = {}): ImageProvider {
  return {
    name: 'sketch',
    model: 'storyboard-sketch-1',
    supportsImageToImage: true,
    supportsNegativePrompt: false,
    maxPromptLength: 4000,

    async generate(request: ImageRequest, { signal, onProgress }: CallOptions): Promise<GeneratedImage[]> {
      const { width, height } = request;
      for (const [name, value] of [['width', width], ['height', height]] as const) {
        if (!Number.isInteger(value) || value < 64 || value > MAX_SIDE) throw new ProviderError(`sketch: ${name} must be an integer from 64 to ${MAX_SIDE}, got ${value}`);
      }
      if (!Number.isInteger(request.n) || request.n < 1 || request.n > MAX_IMAGES) throw new ProviderError(`sketch: n must be from 1 to ${MAX_IMAGES}, got ${request.n}`);
      const images: GeneratedImage[] = [];
      for (let index = 0; index < request.n; index++) {
        if (signal.aborted) throw new ProviderError('sketch: rendering canceled');
        const seed = request.seed + index;
        const svg = renderSketchSvg({ width, height, prompt: request.prompt, seed, sketch: request.sketch, backdrop: request.init_image !== undefined });
        let png = await rasterizeSvg(svg, signal, options.renderTimeoutMs);
        if (request.init_image) png = await overBackdrop(png, request, width, height);
        images.push({ data: png, mime_type: 'image/png', seed });
        onProgress?.({ progress: (index + 1) / request.n, message: `sketch ${index + 1} of ${request.n}` });
      }
      return images;
    },

    async close(): Promise<void> {
      closeSvgRasterizer();
    },
  };
}

/** The source image, covering the frame and washed out towards the paper colour, under the sketch. */
async function overBackdrop(sketchPng: Buffer, request: ImageRequest, width: number, height: number): Promise<Buffer> {
  const paper = parseHex(coloursFrom(request.sketch?.palette).paper)!;
  // The more the request may move away from the source, the fainter the source.
  const fade = 0.3 + 0.5 * Math.min(1, Math.max(0, request.denoising_strength ?? 0.5));
  try {
    return await sharp(request.init_image, { failOn: 'truncated', limitInputPixels: 64_000_000 })
      .rotate()
      .resize(width, height, { fit: 'cover' })
      .flatten({ background: paper })
      .composite([{ input: { create: { width, height, channels: 4, background: { ...paper, alpha: fade } } } }, { input: sketchPng }])
      .png({ compressionLevel: 6 })
      .toBuffer();
  } catch (error) {
    throw new ProviderError(`sketch: the source image could not be read (${(error as Error).message})`);
  }
}
