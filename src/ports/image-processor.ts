/**
 * ImageProcessor: everything that decodes image bytes. Only JPEG, PNG and WebP are accepted;
 * the pixel limit is checked from the header before anything is decoded.
 *
 * Errors (from src/errors.ts): UnsupportedMediaTypeError (415) when the bytes are not one of
 * the accepted formats, ValidationError on `file` (422) when they are corrupt, truncated or
 * over the pixel limit.
 */
export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** Facts about an image that are safe to store and show (no raw EXIF: it may hold a location). */
export interface ImageFacts {
  format: ImageFormat;
  color_space: string;
  channels: number;
  bit_depth: string;
  has_alpha: boolean;
  has_icc_profile: boolean;
  has_exif: boolean;
  progressive: boolean;
  /** EXIF orientation (1..8) of the stored bytes, null when absent; width/height already apply it. */
  orientation: number | null;
  density: number | null;
  /** Frames in an animated WebP; 1 otherwise. */
  pages: number;
}

export interface AnalyzedImage {
  format: ImageFormat;
  mime_type: string;
  /** As displayed, i.e. after the EXIF orientation is applied. */
  width: number;
  height: number;
  facts: ImageFacts;
  /** The thumbnail, made from the same full decode that proved the image sound. */
  thumbnail: Buffer;
}

/** The image's bytes in memory, or a local file holding them (a staged upload, read without loading it into memory). */
export type ImageInput = Buffer | { file: string };

export interface ImageProcessor {
  /** Header check (format, pixel limit), then a full decode that also yields the thumbnail. */
  analyze(input: ImageInput): Promise<AnalyzedImage>;
  /** WebP, longest side at most THUMBNAIL_SIZE, EXIF orientation applied, every metadata block stripped. */
  thumbnail(data: Buffer): Promise<Buffer>;
}

export const THUMBNAIL_SIZE = 512;
export const THUMBNAIL_MIME = 'image/webp';
