import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createSharpImageProcessor } from '../../src/adapters/sharp/sharp-image-processor.js';
import { UnsupportedMediaTypeError, ValidationError } from '../../src/errors.js';
import { claimedHugePng, exifJpeg, jpeg, png, webp } from '../api/images.fixtures.js';

const processor = createSharpImageProcessor({ maxPixels: 64_000_000 });
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>');

describe('sharp image processor', () => {
  it.each([
    ['jpeg', jpeg, 'image/jpeg'],
    ['png', png, 'image/png'],
    ['webp', webp, 'image/webp'],
  ] as const)('analyses a %s: format, size, facts and a WebP thumbnail', async (format, make, mime) => {
    const analyzed = await processor.analyze(await make(1024, 256));
    expect(analyzed).toMatchObject({ format, mime_type: mime, width: 1024, height: 256, facts: { format, channels: 3, has_exif: false, orientation: null, pages: 1 } });
    const thumb = await sharp(analyzed.thumbnail).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', 512, 128]);
  });

  it('applies EXIF orientation to the size and the thumbnail, and drops EXIF from the thumbnail', async () => {
    const analyzed = await processor.analyze(await exifJpeg(400, 100));
    expect([analyzed.width, analyzed.height]).toEqual([100, 400]);
    expect(analyzed.facts).toMatchObject({ orientation: 6, has_exif: true });
    const thumb = await sharp(analyzed.thumbnail).metadata();
    expect([thumb.width, thumb.height, thumb.exif]).toEqual([100, 400, undefined]);
  });

  it('never enlarges a small image', async () => {
    const thumb = await sharp(await processor.thumbnail(await png(40, 30))).metadata();
    expect([thumb.width, thumb.height]).toEqual([40, 30]);
  });

  it('refuses formats other than JPEG, PNG and WebP (415)', async () => {
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).gif().toBuffer();
    const tiff = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).tiff().toBuffer();
    for (const data of [SVG, gif, tiff, Buffer.from('%PDF-1.4\n%....\n'), Buffer.from('plain text, not an image')]) {
      await expect(processor.analyze(data)).rejects.toBeInstanceOf(UnsupportedMediaTypeError);
    }
  });

  it('leaves only the JPEG, PNG and WebP loaders enabled in the process', async () => {
    const tiff = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).tiff().toBuffer();
    await expect(sharp(SVG).metadata()).rejects.toThrow();
    await expect(sharp(tiff).metadata()).rejects.toThrow();
    await expect(sharp(await png(4, 4)).metadata()).resolves.toMatchObject({ format: 'png' });
  });

  it('refuses truncated or corrupt data (422 on file)', async () => {
    const cut = await png(300, 300);
    for (const data of [cut.subarray(0, cut.length / 2), (await jpeg(300, 300)).subarray(0, 2000), Buffer.concat([cut.subarray(0, 40), Buffer.alloc(200)])]) {
      const error = await processor.analyze(data).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details).toEqual([{ field: 'file', message: expect.stringMatching(/corrupt|truncated/) }]);
    }
  });

  it('refuses an image over the pixel limit from its header, fast', async () => {
    const started = performance.now();
    await expect(processor.analyze(claimedHugePng())).rejects.toMatchObject({ statusCode: 422, details: [{ field: 'file', message: expect.stringContaining('16000x16000') }] });
    expect(performance.now() - started).toBeLessThan(250);
    const tight = createSharpImageProcessor({ maxPixels: 1000 });
    await expect(tight.analyze(await png(40, 30))).rejects.toMatchObject({ statusCode: 422 });
    await expect(tight.analyze(await png(40, 25))).resolves.toMatchObject({ width: 40, height: 25 });
  });
});
