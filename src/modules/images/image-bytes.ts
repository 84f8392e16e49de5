/**
 * Serving image bytes: who may read them (a valid signed link, or the bearer's own image),
 * their cache validators, and the thumbnail, rendered at most once when it is missing.
 */
import type { BlobStore, OpenedBlob } from '../../ports/blob-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { ImageProcessor } from '../../ports/image-processor.js';
import { THUMBNAIL_MIME } from '../../ports/image-processor.js';
import { AuthenticationError, NotFoundError } from '../../errors.js';
import { IMAGES, type ImageDoc } from './images.schemas.js';
import type { ImageLinkVariant, ImageUrlSigner } from './url-signer.js';

/** Who asks for image bytes: a signed-in user, or the holder of a signed link. */
export interface ImageViewer {
  userId?: string | undefined;
  exp?: string | undefined;
  sig?: string | undefined;
}

/** What a byte route needs: validators first, so a 304 never opens the file. */
export interface ImageBytes {
  etag: string;
  mimeType: string;
  open(): Promise<OpenedBlob>;
}

export interface ImageBytesDeps {
  store: Pick<DocumentStore, 'get'>;
  blobs: Pick<BlobStore, 'open' | 'read' | 'putVariant'>;
  processor: Pick<ImageProcessor, 'thumbnail'>;
  signer: Pick<ImageUrlSigner, 'verify'>;
}

export function createImageBytes(deps: ImageBytesDeps) {
  const { store, blobs, signer } = deps;
  const rendering = new Map<string, Promise<void>>();

  /** Concurrent requests for a missing thumbnail share one render. */
  function renderThumbnail(image: ImageDoc): Promise<void> {
    const running = rendering.get(image.sha256);
    if (running) return running;
    const job = (async () => {
      const original = await blobs.read(image.sha256);
      if (!original) throw new NotFoundError('Image file');
      await blobs.putVariant(image.sha256, 'thumbnail', await deps.processor.thumbnail(original));
    })().finally(() => rendering.delete(image.sha256));
    rendering.set(image.sha256, job);
    return job;
  }

  async function openOrFail(sha256: string, variant?: 'thumbnail'): Promise<OpenedBlob> {
    const opened = await blobs.open(sha256, variant);
    if (!opened) throw new NotFoundError('Image file');
    return opened;
  }

  return {
    /** The image a viewer may read: a valid signed link grants it, else the bearer's own image (404 otherwise), else 401. */
    async authorize(viewer: ImageViewer, imageId: string, variant: ImageLinkVariant, loadOwn: (userId: string, imageId: string) => Promise<ImageDoc>): Promise<ImageDoc> {
      if ((viewer.exp !== undefined || viewer.sig !== undefined) && signer.verify(imageId, variant, viewer.exp, viewer.sig)) {
        const image = await store.get<ImageDoc>(IMAGES, imageId);
        if (!image) throw new NotFoundError('Image');
        return image;
      }
      if (viewer.userId) return loadOwn(viewer.userId, imageId);
      throw new AuthenticationError('A valid signed link or a bearer token is required');
    },

    of(image: ImageDoc, variant: ImageLinkVariant): ImageBytes {
      if (variant === 'original') return { etag: `"${image.sha256}"`, mimeType: image.mime_type, open: () => openOrFail(image.sha256) };
      return {
        etag: `"${image.sha256}-thumbnail"`,
        mimeType: THUMBNAIL_MIME,
        async open() {
          // Made with the image; rendered here only when it was lost (or the image was stored another way).
          const cached = await blobs.open(image.sha256, 'thumbnail');
          if (cached) return cached;
          await renderThumbnail(image);
          return openOrFail(image.sha256, 'thumbnail');
        },
      };
    },
  };
}
