import { createHash } from 'node:crypto';
import type { BlobStore } from '../../ports/blob-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { EventBus } from '../../ports/event-bus.js';
import type { ImageInput, ImageProcessor } from '../../ports/image-processor.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { loadOwned, type Owned } from '../shared/access.js';
import { publishContentChange } from '../shared/events.js';
import { detachImage } from './image-detach.js';
import { createImageFiles } from './image-files.js';
import { createImageBytes, type ImageBytes, type ImageViewer } from './image-bytes.js';
import { checkedImageBytes } from './image-intake.js';
import { createImageGc, type SweepOptions } from './image-gc.js';
import { createKeyedLock } from '../../lib/keyed-lock.js';
import { IMAGES, type Image, type ImageDoc, type ImageSource } from './images.schemas.js';
import type { ImageLinkVariant, ImageUrlSigner } from './url-signer.js';

export interface ImagesDeps {
  store: Pick<DocumentStore, 'get' | 'find' | 'count' | 'insert' | 'update' | 'delete' | 'transaction'>;
  events: Pick<EventBus, 'publish'>;
  blobs: BlobStore;
  processor: ImageProcessor;
  signer: ImageUrlSigner;
  /** MAX_UPLOAD_BYTES */
  maxUploadBytes: number;
  /** Grace for orphan sweeps (see SweepOptions); 0 when this process is the only writer. */
  orphanGraceMs?: number;
}

export interface UploadTarget {
  project_id: string;
  panel_id?: string | undefined;
}

export interface UploadFile {
  stream: AsyncIterable<Uint8Array>;
  /** The client's file name: kept (base name only) for display, never used as a path. */
  filename?: string | undefined;
  /** Aborted (with the error to answer) when the upload is refused while it streams, e.g. past the size limit. */
  signal?: AbortSignal | undefined;
}

export interface SaveImageInput {
  /** A job's reserved id (see generation/job-outputs.ts), else a fresh one. */
  id?: string;
  owner_id: string;
  project_id: string;
  panel_id?: string | null;
  source: ImageSource;
  data: Buffer;
  /** Merged over the analysed facts (e.g. the generation parameters). */
  metadata?: Record<string, unknown>;
}

/**
 * Bytes on their way in, hashed once already: in memory (generated art) or an upload staged on
 * disk as it arrived. `input` is what the processor checks; `store` puts them under their hash.
 */
interface IncomingBytes {
  sha256: string;
  size: number;
  input: ImageInput;
  store(): Promise<unknown>;
}

interface PersistInput {
  id?: string;
  owner_id: string;
  project_id: string;
  panel_id: string | null;
  linkPanel: boolean;
  source: ImageSource;
  bytes: IncomingBytes;
  metadata: Record<string, unknown>;
}

interface PanelRef extends Owned {
  project_id: string;
  scene_id: string;
}

/** Base name without control characters, at most 200 characters; display only. */
export function displayName(filename: string | undefined): string | null {
  if (!filename) return null;
  // eslint-disable-next-line no-control-regex
  const base = filename.split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return base && base !== '.' && base !== '..' ? base.slice(0, 200) : null;
}

export function createImagesService(deps: ImagesDeps) {
  const { store, events, blobs, signer, maxUploadBytes } = deps;
  const lock = createKeyedLock();
  const gc = createImageGc({ store, blobs, lock });
  const imageBytes = createImageBytes({ store, blobs, processor: deps.processor, signer });

  const load = (userId: string, imageId: string) => loadOwned<ImageDoc>(store, IMAGES, imageId, userId, 'Image');

  const present = (image: ImageDoc): Image => ({
    ...image,
    url: signer.url(image.id, 'original'),
    thumbnail_url: signer.url(image.id, 'thumbnail'),
  });

  /** Puts the bytes and thumbnail on disk (in parallel); call under the hash's lock. */
  async function storeFiles(bytes: IncomingBytes, thumbnail: Buffer): Promise<void> {
    const { sha256 } = bytes;
    await Promise.all([
      bytes.store(),
      blobs.size(sha256, 'thumbnail').then((size) => (size === null ? blobs.putVariant(sha256, 'thumbnail', thumbnail) : undefined)),
    ]);
  }

  /** Checks and stores the bytes, then inserts the record (and links the panel) under the hash's lock. */
  async function persist(input: PersistInput): Promise<ImageDoc> {
    const { bytes } = input;
    const { sha256 } = bytes;
    const analyzed = await deps.processor.analyze(bytes.input);
    // Held from the write to the insert: freeing these bytes (same lock) cannot slip in between.
    const { image, panel } = await lock
      .run(sha256, async () => {
        await storeFiles(bytes, analyzed.thumbnail);
        return store.transaction(async (tx) => {
          const image = await tx.insert<ImageDoc>(IMAGES, {
            id: input.id ?? newId(),
            owner_id: input.owner_id,
            project_id: input.project_id,
            panel_id: input.panel_id,
            source: input.source,
            mime_type: analyzed.mime_type,
            width: analyzed.width,
            height: analyzed.height,
            size_bytes: bytes.size,
            sha256,
            metadata: { ...analyzed.facts, original_name: null, ...input.metadata },
          });
          if (!input.linkPanel || !input.panel_id) return { image, panel: null };
          const panel = await tx.update<PanelRef>('panels', input.panel_id, { image_id: image.id } as Partial<PanelRef>);
          if (!panel) throw new NotFoundError('Panel');
          return { image, panel };
        });
      })
      .catch(async (error: unknown) => {
        await gc.freeIfUnused(sha256);
        throw error;
      });
    await publishContentChange(events, image, { resource: 'image', id: image.id, action: 'created', version: image.version, parent: { type: 'project', id: image.project_id } });
    if (panel) await publishContentChange(events, panel, { resource: 'panel', id: panel.id, action: 'updated', version: panel.version, parent: { type: 'scene', id: panel.scene_id } });
    return image;
  }

  return {
    maxUploadBytes,
    present,

    async upload(userId: string, target: UploadTarget, file: UploadFile): Promise<Image> {
      const project = await loadOwned<Owned>(store, 'projects', target.project_id, userId, 'Project');
      if (target.panel_id) {
        const panel = await loadOwned<PanelRef>(store, 'panels', target.panel_id, userId, 'Panel');
        if (panel.project_id !== project.id) throw ValidationError.field('panel_id', 'must be a panel of the project');
      }
      const staged = await blobs.stage(checkedImageBytes(file.stream, maxUploadBytes), { signal: file.signal });
      let image: ImageDoc;
      try {
        image = await persist({
          owner_id: userId,
          project_id: project.id,
          panel_id: target.panel_id ?? null,
          linkPanel: Boolean(target.panel_id),
          source: 'upload',
          bytes: { sha256: staged.sha256, size: staged.size, input: { file: staged.file }, store: () => staged.commit() },
          metadata: { original_name: displayName(file.filename) },
        });
      } catch (error) {
        // Refused (corrupt, over the pixel limit) or failed before its bytes were committed.
        await staged.discard().catch(() => undefined);
        throw error;
      }
      return present(image);
    },

    /**
     * Stores bytes that did not come through an upload (e.g. generated art) as an image
     * record: the same decode check, dedupe, lock and thumbnail as uploads. The caller has
     * settled ownership; `panel_id` is recorded but the panel is not changed.
     */
    async saveImage(input: SaveImageInput): Promise<ImageDoc> {
      const sha256 = createHash('sha256').update(input.data).digest('hex');
      // Hashed here once; put() is given the hash rather than hashing 2 MB again.
      const bytes: IncomingBytes = { sha256, size: input.data.byteLength, input: input.data, store: () => blobs.put(input.data, { sha256 }) };
      return persist({ ...input, panel_id: input.panel_id ?? null, linkPanel: false, bytes, metadata: input.metadata ?? {} });
    },

    async get(userId: string, imageId: string): Promise<Image> {
      return present(await load(userId, imageId));
    },

    /** The original or thumbnail bytes for a viewer (401 without a valid link or token, 404 for another user's image). */
    async bytes(viewer: ImageViewer, imageId: string, variant: ImageLinkVariant): Promise<ImageBytes> {
      return imageBytes.of(await imageBytes.authorize(viewer, imageId, variant, load), variant);
    },

    /** Bytes of an image the user owns, by id (for the panel/cover links). */
    async ownBytes(userId: string, imageId: string, variant: ImageLinkVariant = 'original'): Promise<ImageBytes> {
      return imageBytes.of(await load(userId, imageId), variant);
    },

    /** Deletes the record, detaches it everywhere in one transaction, then frees the file if no other record uses it. */
    async remove(userId: string, imageId: string): Promise<void> {
      const image = await load(userId, imageId);
      const changes = await store.transaction(async (tx) => {
        const detached = await detachImage(tx, image);
        await tx.delete(IMAGES, image.id);
        return detached;
      });
      await gc.freeIfUnused(image.sha256);
      await publishContentChange(events, image, { resource: 'image', id: image.id, action: 'deleted', version: null, parent: { type: 'project', id: image.project_id } });
      for (const { doc, change } of changes) await publishContentChange(events, doc, change);
    },

    /** Removes files no image record uses (at start and after a project delete). */
    sweepOrphans: (options: SweepOptions = {}) => gc.sweepOrphans({ graceMs: deps.orphanGraceMs ?? 0, ...options }),

    /** Image files for the zip export (see image-files.ts). */
    imageFiles: createImageFiles({ store, blobs }),
  };
}

export type ImagesService = ReturnType<typeof createImagesService>;
