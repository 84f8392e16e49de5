/**
 * Image size from a style guide's aspect ratio. Diffusion models are trained near one
 * megapixel with sides in multiples of 64 (SDXL buckets such as 832x1216), so the width is
 * rounded to 64 and the height follows the ratio, rounded to 8 (what every latent space needs).
 * Both sides are clamped, so extreme ratios (e.g. 1:9) come out less extreme than asked.
 */

export interface ImageSize {
  width: number;
  height: number;
}

export interface SizeOptions {
  /** Target pixel count; the result lands near it. */
  area?: number;
  minSide?: number;
  maxSide?: number;
}

const DEFAULT_RATIO = { w: 2, h: 3 };

/** "W:H" -> the ratio; anything unreadable falls back to 2:3 (the style guide default). */
export function parseAspectRatio(ratio: string | undefined | null): { w: number; h: number } {
  const match = /^\s*(\d{1,3})\s*:\s*(\d{1,3})\s*$/.exec(ratio ?? '');
  if (!match) return DEFAULT_RATIO;
  const w = Number(match[1]);
  const h = Number(match[2]);
  return w > 0 && h > 0 ? { w, h } : DEFAULT_RATIO;
}

export function sizeForAspectRatio(ratio: string | undefined | null, options: SizeOptions = {}): ImageSize {
  const { area = 1024 * 1024, minSide = 256, maxSide = 2048 } = options;
  const { w, h } = parseAspectRatio(ratio);
  const r = w / h;
  const clamp = (value: number) => Math.min(maxSide, Math.max(minSide, value));
  const width = clamp(roundTo(Math.sqrt(area * r), 64));
  return { width, height: clamp(roundTo(width / r, 8)) };
}

function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}
