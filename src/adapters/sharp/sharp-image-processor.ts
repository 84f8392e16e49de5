/**
 * ImageProcessor on sharp (libvips). Only the JPEG, PNG and WebP loaders are left enabled,
 * process-wide: SVG, PDF, HEIF, TIFF, GIF and the rest cannot be decoded even by mistake.
 */
import { availableParallelism } from 'node:os';
import sharp, { type Metadata } from 'sharp';
import { UnsupportedMediaTypeError, ValidationError } from '../../errors.js';
import type { AnalyzedImage, ImageFacts, ImageFormat, ImageInput, ImageProcessor } from '../../ports/image-processor.js';
import { THUMBNAIL_SIZE } from '../../ports/image-processor.js';

const MIME: Record<ImageFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
const ALLOWED_LOADERS = ['Jpeg', 'Png', 'Webp'].flatMap((format) => ['Buffer', 'File', 'Source'].map((kind) => `VipsForeignLoad${format}${kind}`));

let configured = false;

/**
 * Global libvips settings, applied once. Threads per image = cores / libuv pool size, so
 * the pool's parallel images together use about every core without oversubscribing. The
 * operation cache is off: uploads are unique images, caching them only holds memory.
 */
function configureSharp(): void {
  if (configured) return;
  configured = true;
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: ALLOWED_LOADERS });
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  sharp.concurrency(Math.max(1, Math.floor(availableParallelism() / pool)));
  sharp.cache(false);
}

const corrupt = () => ValidationError.field('file', 'is not a readable image (corrupt or truncated)');

function isAllowed(format: string | undefined): format is ImageFormat {
  return format === 'jpeg' || format === 'png' || format === 'webp';
}

function factsOf(meta: Metadata, format: ImageFormat): ImageFacts {
  return {
    format,
    color_space: String(meta.space ?? 'unknown'),
    channels: meta.channels ?? 0,
    bit_depth: String(meta.depth ?? 'unknown'),
    has_alpha: meta.hasAlpha ?? false,
    has_icc_profile: meta.hasProfile ?? false,
    has_exif: meta.exif !== undefined,
    progressive: meta.isProgressive ?? false,
    orientation: meta.orientation ?? null,
    density: meta.density ?? null,
    pages: meta.pages ?? 1,
  };
}

export interface SharpImageProcessorOptions {
  /** MAX_IMAGE_PIXELS: images whose header claims more are refused before decoding. */
  maxPixels: number;
}

export function createSharpImageProcessor({ maxPixels }: SharpImageProcessorOptions): ImageProcessor {
  configureSharp();
  // failOn 'truncated' refuses cut-off data; 'warning' would also refuse harmless quirks of real cameras.
  const input = { failOn: 'truncated' as const, limitInputPixels: maxPixels };

  /** Header only: format and declared size, before a single pixel is decoded. */
  async function readHeader(data: Buffer | string): Promise<{ meta: Metadata; format: ImageFormat }> {
    let meta: Metadata;
    try {
      meta = await sharp(data, { limitInputPixels: false }).metadata();
    } catch (error) {
      if (/unsupported image format/i.test((error as Error).message)) throw new UnsupportedMediaTypeError('Only JPEG, PNG and WebP images are accepted');
      throw corrupt();
    }
    if (!isAllowed(meta.format)) throw new UnsupportedMediaTypeError('Only JPEG, PNG and WebP images are accepted');
    const pixels = (meta.width ?? 0) * (meta.pageHeight ?? meta.height ?? 0);
    if (!meta.width || !meta.height) throw corrupt();
    if (pixels > maxPixels) {
      throw ValidationError.field('file', `is ${meta.width}x${meta.height} (${pixels} pixels); the limit is ${maxPixels} pixels`);
    }
    return { meta, format: meta.format };
  }

  async function renderThumbnail(data: Buffer | string, meta: Metadata): Promise<Buffer> {
    try {
      const image = sharp(data, input);
      // Auto-orienting costs about a tenth of the thumbnail even when there is nothing to turn.
      if (meta.orientation !== undefined && meta.orientation !== 1) image.rotate();
      return await image
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80, effort: 0 })
        .toBuffer();
    } catch {
      throw corrupt();
    }
  }

  return {
    async analyze(input: ImageInput): Promise<AnalyzedImage> {
      // libvips reads a file itself: the bytes never pass through JavaScript memory.
      const data = Buffer.isBuffer(input) ? input : input.file;
      const { meta, format } = await readHeader(data);
      const thumbnail = await renderThumbnail(data, meta);
      const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
      return { format, mime_type: MIME[format], width: oriented.width, height: oriented.height, facts: factsOf(meta, format), thumbnail };
    },

    async thumbnail(data: Buffer): Promise<Buffer> {
      const { meta } = await readHeader(data);
      return renderThumbnail(data, meta);
    },
  };
}
